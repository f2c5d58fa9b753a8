// The resume extension's tests (docs/resume.md) run the same checks on every
// receiving transport: this is each one as a test client sees it, one
// receiving request (or websocket) whose frames are read out of its
// transport's framing, and the send that goes with it. Everything is real
// HTTP and real websockets to 127.0.0.1.

import assert from 'node:assert/strict';
import type net from 'node:net';
import { stopHttp } from '../../../test/helpers/http-server.ts';
import { type RunningSockjs, startSockjsServer } from '../../../test/helpers/sockjs-server.ts';
import { withDeadline } from '../../../test/helpers/timing.ts';
import type { Connection, ServerOptions } from '../src/index.js';
import { post, request, Stream, WsClient } from './support.js';

export interface ResumeServer extends RunningSockjs {
  /** How many requests (upgrades included) arrived for each URL. */
  readonly arrivals: Map<string, number>;
  /** How many of its sockets have closed. */
  readonly socketsClosed: () => number;
  stop(): Promise<void>;
}

/** `/echo` echoes, `/sink` only listens: the test writes through its connection. */
export async function startResumeServer(options: ServerOptions = {}): Promise<ResumeServer> {
  const running = await startSockjsServer(options, [
    { prefix: '/echo', app: (conn) => conn.on('data', (m: string) => conn.write(m)) },
    { prefix: '/sink', app: () => {} },
  ]);
  const arrivals = new Map<string, number>();
  const count = (req: { url?: string }) =>
    arrivals.set(req.url ?? '', (arrivals.get(req.url ?? '') ?? 0) + 1);
  running.http.prependListener('request', count);
  running.http.prependListener('upgrade', count);
  let socketsClosed = 0;
  running.http.on('connection', (socket: net.Socket) =>
    socket.on('close', () => {
      socketsClosed++;
    }),
  );
  return {
    ...running,
    arrivals,
    socketsClosed: () => socketsClosed,
    stop: () => stopHttp(running.http, running.sockjs),
  };
}

/** The session id of a session path. */
export const idOf = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/**
 * Lets the event loop turn until `check()` holds, at most `turns` times.
 * No timers: it works on a mocked clock too.
 */
export async function turnsUntil(check: () => boolean, what: string, turns = 100_000) {
  for (let i = 0; !check(); i++) {
    assert.ok(i < turns, `not after ${turns} turns of the event loop: ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Lets the event loop turn `n` times (no timers: for a mocked clock). */
export async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Drops a stream or a websocket and waits until the server saw it go. */
export async function dropped(server: ResumeServer, rx: Receiving): Promise<void> {
  const before = server.socketsClosed();
  rx.drop();
  await turnsUntil(() => server.socketsClosed() > before, 'the server saw the drop');
  // A websocket reports its close a few turns after its socket's.
  await turns(20);
}

/** Resolves once the server has been handed a request for `url` (and its handlers ran). */
export async function arrived(s: ResumeServer, url: string): Promise<void> {
  await turnsUntil(() => (s.arrivals.get(url) ?? 0) > 0, `request ${url}`);
  await new Promise((resolve) => setImmediate(resolve));
}

/** Resolves once `conn` has closed (its 'close' comes with CLOSING), or fails after `ms`. */
export const closed = (conn: Connection, ms = 5000) =>
  withDeadline(
    new Promise<void>((resolve) => {
      if (conn.readyState >= 2) resolve();
      else conn.once('close', () => resolve());
    }),
    ms,
    `connection ${conn.id} closing`,
  );

export type ReceivingName =
  | 'xhr'
  | 'xhr_streaming'
  | 'eventsource'
  | 'htmlfile'
  | 'jsonp'
  | 'websocket';

/** One receiving request or websocket. */
export interface Receiving {
  /** The frames so far, out of their transport's framing (the prelude dropped). */
  frames(): string[];
  /** Waits for the n-th frame (1-based) and returns it. */
  frame(n: number, ms?: number): Promise<string>;
  /** Waits until the server ended it (a response's end, a websocket's close). */
  ended(ms?: number): Promise<void>;
  /** The client drops it: the connection is reset, no close frame. */
  drop(): void;
  /** Websocket only: sends one text message. */
  sendText?(text: string): void;
  /** Websocket only: closes it with a close frame. */
  close?(): void;
}

export interface ReceivingTransport {
  readonly name: ReceivingName;
  /** One frame per request (xhr, jsonp). */
  readonly polling: boolean;
  /** Opens a receiving request on `path` (a session path), with `resume=<resume>` when given. */
  open(port: number, path: string, resume?: string): Receiving;
  /**
   * Sends a client batch (`body`, JSON text): xhr_send or jsonp_send, whose
   * status it resolves to, or on the websocket `via` (resolves to 0).
   */
  send(port: number, path: string, body: string, via?: Receiving): Promise<number>;
}

const XHR_PRELUDE = /^h{2048}$/;

function parseFrames(name: ReceivingName, text: string): string[] {
  switch (name) {
    case 'xhr':
    case 'xhr_streaming':
      return text.split('\n').filter((line) => line !== '' && !XHR_PRELUDE.test(line));
    case 'eventsource':
      // The tests' messages hold no '%', CR, LF or NUL: nothing is escaped.
      return [...text.matchAll(/data: ([^\r]*)\r\n\r\n/g)].map((m) => m[1]!);
    case 'htmlfile':
      return [...text.matchAll(/<script>\np\((.*)\);\n<\/script>\r\n/g)].map(
        (m) => JSON.parse(m[1]!) as string,
      );
    case 'jsonp':
      return [...text.matchAll(/\/\*\*\/cb\((.*)\);\r\n/g)].map((m) => JSON.parse(m[1]!) as string);
    case 'websocket':
      throw new Error('websocket frames are its messages');
  }
}

class HttpReceiving implements Receiving {
  private readonly stream: Stream;
  private readonly name: ReceivingName;

  constructor(name: ReceivingName, stream: Stream) {
    this.name = name;
    this.stream = stream;
  }

  frames(): string[] {
    return parseFrames(this.name, this.stream.text);
  }

  async frame(n: number, ms = 5000): Promise<string> {
    while (this.frames().length < n) {
      // Waits for the text to grow; fails once the response ended without.
      await this.stream.waitFor(new RegExp(`^[\\s\\S]{${this.stream.text.length + 1}}`), ms);
    }
    return this.frames()[n - 1]!;
  }

  async ended(ms = 5000): Promise<void> {
    await this.stream.waitEnd(ms);
  }

  drop(): void {
    this.stream.abort();
  }
}

class SocketReceiving implements Receiving {
  readonly client: WsClient;

  constructor(url: string) {
    this.client = new WsClient(url);
  }

  frames(): string[] {
    return this.client.messages;
  }

  frame(n: number, ms = 5000): Promise<string> {
    return this.client.message(n, ms);
  }

  async ended(ms = 5000): Promise<void> {
    await this.client.closed(ms);
  }

  drop(): void {
    this.client.ws.terminate();
  }

  sendText(text: string): void {
    this.client.ws.send(text);
  }

  close(): void {
    this.client.ws.close();
  }
}

function query(resume: string | undefined, callback: boolean): string {
  const params = [
    ...(callback ? ['c=cb'] : []),
    ...(resume === undefined ? [] : [`resume=${resume}`]),
  ];
  return params.length === 0 ? '' : `?${params.join('&')}`;
}

const xhrSend = async (port: number, path: string, body: string) =>
  (await post(port, `${path}/xhr_send`, body)).status;

const jsonpSend = async (port: number, path: string, body: string) =>
  (
    await post(port, `${path}/jsonp_send`, `d=${encodeURIComponent(body)}`, {
      'Content-Type': 'application/x-www-form-urlencoded',
    })
  ).status;

function httpTransport(
  name: ReceivingName,
  method: 'GET' | 'POST',
  send: ReceivingTransport['send'],
): ReceivingTransport {
  const callback = name === 'htmlfile' || name === 'jsonp';
  return {
    name,
    polling: name === 'xhr' || name === 'jsonp',
    open: (port, path, resume) =>
      new HttpReceiving(
        name,
        new Stream(port, `${path}/${name}${query(resume, callback)}`, { method }),
      ),
    send,
  };
}

export const RECEIVING_TRANSPORTS: readonly ReceivingTransport[] = [
  httpTransport('xhr', 'POST', xhrSend),
  httpTransport('xhr_streaming', 'POST', xhrSend),
  httpTransport('eventsource', 'GET', xhrSend),
  httpTransport('htmlfile', 'GET', jsonpSend),
  httpTransport('jsonp', 'GET', jsonpSend),
  {
    name: 'websocket',
    polling: false,
    open: (port, path, resume) =>
      new SocketReceiving(`ws://127.0.0.1:${port}${path}/websocket${query(resume, false)}`),
    send: async (_port, _path, body, via) => {
      assert.ok(via?.sendText, 'a websocket send needs its socket');
      via.sendText(body);
      return 0;
    },
  },
];

/** The URL a receiving request of `t` has on `path`, as the server sees it. */
export function receivingUrl(t: ReceivingTransport, path: string, resume: string): string {
  return `${path}/${t.name}${query(resume, t.name === 'htmlfile' || t.name === 'jsonp')}`;
}

/** Whether a send was accepted: xhr_send's 204, jsonp_send's 200, a websocket's 0. */
export const accepted = (status: number) => status === 204 || status === 200 || status === 0;

/** A numbered frame `a[seq,ack,...]` read back. */
export interface NumberedFrame {
  seq: number;
  ack: number;
  messages: string[];
}

export function numbered(frame: string): NumberedFrame {
  assert.ok(frame.startsWith('a['), `a message frame: ${frame}`);
  const [seq, ack, ...messages] = JSON.parse(frame.slice(1)) as [number, number, ...string[]];
  assert.ok(Number.isInteger(seq) && Number.isInteger(ack), `numbered: ${frame}`);
  return { seq, ack, messages };
}

/**
 * A resumable session as a client runs it: the current receiving request,
 * the server messages received in order (each once, by seq), the ack that
 * follows from them, and the seq of the client's next message. A polling
 * transport's next frame comes from a new poll with `resume=<ack>`.
 */
export class ResumePeer {
  readonly t: ReceivingTransport;
  readonly port: number;
  readonly path: string;
  rx: Receiving;
  /** Server messages received, each once, in order: also the ack. */
  readonly received: string[] = [];
  /** The seq of the client's next message. */
  seq = 0;
  /** Frames of the current receiving request already read. */
  private read = 0;

  /** Opens the session with `resume=new` and reads its `o`. */
  static async open(t: ReceivingTransport, port: number, path: string): Promise<ResumePeer> {
    const peer = new ResumePeer(t, port, path, t.open(port, path, 'new'));
    assert.equal(await peer.nextFrame(), 'o');
    return peer;
  }

  constructor(t: ReceivingTransport, port: number, path: string, rx: Receiving) {
    this.t = t;
    this.port = port;
    this.path = path;
    this.rx = rx;
  }

  get ack(): number {
    return this.received.length;
  }

  /** A new receiving request with `resume=<ack>` (or `resume`), in place of the current one. */
  reattach(resume = String(this.ack)): Receiving {
    this.rx = this.t.open(this.port, this.path, resume);
    this.read = 0;
    return this.rx;
  }

  /** The next frame; on a polling transport from a new poll once the last one is read. */
  async nextFrame(ms?: number): Promise<string> {
    if (this.t.polling && this.read > 0) this.reattach();
    const frame = await this.rx.frame(this.read + 1, ms);
    this.read++;
    return frame;
  }

  /** Reads frames until `count` server messages came in all; numbered frames only. */
  async receive(count: number): Promise<string[]> {
    while (this.received.length < count) {
      const frame = await this.nextFrame();
      if (frame === 'h') continue;
      const { seq, messages } = numbered(frame);
      assert.ok(seq <= this.ack, `a gap: seq ${seq}, ack ${this.ack} (${frame})`);
      this.received.push(...messages.slice(this.ack - seq));
    }
    return this.received;
  }

  /** Sends messages as the next numbered batch; resolves to the send's status. */
  send(...messages: string[]): Promise<number> {
    const body = JSON.stringify([this.seq, this.ack, ...messages]);
    this.seq += messages.length;
    return this.sendRaw(body);
  }

  /** Sends a batch exactly as given. */
  sendRaw(body: string): Promise<number> {
    return this.t.send(this.port, this.path, body, this.rx);
  }
}

/** The /info answer's resume field (undefined when absent). */
export async function infoResume(port: number, prefix = '/echo'): Promise<unknown> {
  const info = JSON.parse((await request(port, `${prefix}/info`)).body) as Record<string, unknown>;
  return info.resume;
}
