// The client side of HTTP in tests: whole requests (over https too), responses read as they
// stream, and raw TCP connections read incrementally, all to 127.0.0.1.

import assert from 'node:assert/strict';
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { Wakeup, withDeadline } from './timing.ts';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  httpVersion: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string | number>;
  body?: string | Buffer;
  /** Fail when no complete answer arrived within this many ms (default: no limit). */
  timeout?: number;
  /** Speak https, trusting this certificate (PEM). */
  ca?: string;
}

function open(port: number, path: string, opts: RequestOptions): http.ClientRequest {
  const options = {
    host: '127.0.0.1',
    port,
    path,
    method: opts.method ?? 'GET',
    headers: opts.headers,
    agent: false,
  } as const;
  return opts.ca === undefined ? http.request(options) : https.request({ ...options, ca: opts.ca });
}

/** One HTTP request on a fresh connection; resolves with the whole answer. */
export function request(port: number, path: string, opts: RequestOptions = {}): Promise<Reply> {
  const reply = new Promise<Reply>((resolve, reject) => {
    const req = open(port, path, opts);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          httpVersion: res.httpVersion,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
  if (opts.timeout === undefined) return reply;
  return withDeadline(reply, opts.timeout, `${opts.method ?? 'GET'} ${path}`);
}

/** A response read as it streams: `text` grows; `waitFor` waits for a pattern. */
export class Stream {
  text = '';
  status = 0;
  headers: IncomingHttpHeaders = {};
  ended = false;
  private readonly req: http.ClientRequest;
  private readonly wakeup = new Wakeup();
  private readonly opened: Promise<void>;

  constructor(port: number, path: string, opts: RequestOptions = {}) {
    this.req = open(port, path, opts);
    this.opened = new Promise((resolve, reject) => {
      this.req.on('response', (res) => {
        this.status = res.statusCode ?? 0;
        this.headers = res.headers;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          this.text += chunk;
          this.wakeup.wake();
        });
        res.on('end', () => {
          this.ended = true;
          this.wakeup.wake();
        });
        res.on('error', () => {});
        resolve();
      });
      this.req.on('error', (err) => {
        this.ended = true;
        this.wakeup.wake();
        reject(err);
      });
    });
    this.opened.catch(() => {});
    this.req.end(opts.body);
  }

  async response(): Promise<void> {
    await this.opened;
  }

  /** Waits until the text matches (string: contains), or fails after `ms`. */
  async waitFor(pattern: string | RegExp, ms = 5000): Promise<string> {
    await this.waitUntil(
      () => (typeof pattern === 'string' ? this.text.includes(pattern) : pattern.test(this.text)),
      String(pattern),
      ms,
    );
    return this.text;
  }

  /** Waits until `check()` holds as the text grows, or fails after `ms` or at the end. */
  async waitUntil(check: () => boolean, what: string, ms = 5000): Promise<void> {
    await this.wakeup.until(
      check,
      () =>
        assert.fail(
          `${this.ended ? 'stream ended without' : 'timed out waiting for'} ${what}: ${this.tail()}`,
        ),
      ms,
      () => this.ended,
    );
  }

  async waitEnd(ms = 5000): Promise<string> {
    await this.wakeup.until(
      () => this.ended,
      () => assert.fail(`stream did not end: ${this.tail()}`),
      ms,
    );
    return this.text;
  }

  private tail(): string {
    return JSON.stringify(this.text.slice(-300));
  }

  /** Drops the connection from the client side. */
  abort(): void {
    this.req.destroy();
  }
}

/** A raw TCP connection to read incrementally. */
export class RawSocket {
  readonly socket: net.Socket;
  data: Buffer = Buffer.alloc(0);
  closed = false;
  private readonly wakeup = new Wakeup();

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (c) => {
      this.data = Buffer.concat([this.data, c]);
      this.wakeup.wake();
    });
    this.socket.on('error', () => {});
    this.socket.on('close', () => {
      this.closed = true;
      this.wakeup.wake();
    });
  }

  get text(): string {
    return this.data.toString('latin1');
  }

  until(check: () => boolean, what: string, ms = 5000): Promise<void> {
    return this.wakeup.until(
      check,
      () => assert.fail(`${what}: got ${JSON.stringify(this.text.slice(-300))}`),
      ms,
      () => this.closed,
    );
  }

  waitBytes(n: number, ms?: number): Promise<void> {
    return this.until(() => this.data.length >= n, `waiting for ${n} bytes`, ms);
  }

  waitText(s: string, ms?: number): Promise<void> {
    return this.until(() => this.text.includes(s), `waiting for ${JSON.stringify(s)}`, ms);
  }

  waitClose(ms?: number): Promise<void> {
    return this.until(() => this.closed, 'waiting for close', ms);
  }
}

let clockSessions = 0;

/**
 * A server's heartbeat as a clock: an xhr-streaming session on a live server
 * under `prefix`, whose `h` frames it counts. A test that must see something
 * happen "within the heartbeat" waits for a beat, starts the fault, and
 * checks that the outcome came before the next beat, instead of timing it
 * against the wall clock, which a loaded machine stretches for the server
 * and not for the assertion.
 */
export class HeartbeatClock {
  private readonly stream: Stream;

  constructor(port: number, prefix: string) {
    const path = `${prefix}/000/heartbeat-clock-${process.pid}-${++clockSessions}/xhr_streaming`;
    this.stream = new Stream(port, path, { method: 'POST' });
  }

  /** Heartbeats received so far. */
  get beats(): number {
    let n = 0;
    for (const line of this.stream.text.split('\n')) if (line === 'h') n++;
    return n;
  }

  /** Waits for the next heartbeat; resolves with the count so far. */
  async tick(ms = 60_000): Promise<number> {
    const next = this.beats + 1;
    await this.stream.waitUntil(() => this.beats >= next, `heartbeat ${next}`, ms);
    return next;
  }

  stop(): void {
    this.stream.abort();
  }
}
