// The environment-neutral part of the client: the WebSocket-shaped SockJS
// object, /info, transport selection and the frame handling. Transports and
// the I/O they use come from the entry file (browser.ts, node.ts, ...).

import {
  CloseCode,
  CloseReason,
  isApplicationCloseCode,
  parseFrame,
  ReadyState,
  randomServerId,
  randomSessionId,
} from '@sockjs-ts/protocol';
import type {
  SockJSCloseEvent,
  SockJSEvent,
  SockJSEventTarget,
  SockJSMessageEvent,
  SockJSReadyState,
  SockJSResumingEvent,
  TransportName,
  URLLike,
} from './events.js';
import { randomBytes } from './random.js';
import type {
  Discover,
  Env,
  HttpRequest,
  ServerFacts,
  SockJSOptions,
  Transport,
  TransportFactory,
} from './types.js';
import { addPath } from './url.js';
import { callHandlerProperty, domError } from './web-socket-shape.js';

// ReadyState's values as literals: the bundler inlines a const enum, not an object.
enum State {
  Connecting,
  Open,
  Closing,
  Closed,
}

type Handler<E> = ((this: SockJS, ev: E) => unknown) | null;

// The version that the iframe handshake announces. sockjs-client's iframe
// page refuses any other value, so it stays the one of the client we replace.
export const PROTOCOL_COMPAT_VERSION = '1.6.1';

/**
 * The close code when nothing (message or heartbeat) came for
 * `heartbeatTimeout` ms. In sockjs-client's internal 2xxx range, which no
 * server can send and no app can pass to close(), so that apps tell a silent
 * network from a dropped connection (1006).
 */
export const HEARTBEAT_TIMEOUT = 2011;
/** Default of `heartbeatTimeout`: 2.5 times the servers' 25 s heartbeat. */
export const HEARTBEAT_TIMEOUT_MS = 62_500;

// The base is EventTarget, typed as SockJSEventTarget so that listeners get
// SockJS's events and the .d.ts names neither DOM nor Node globals (the cast
// costs no byte at run time).
/**
 * A WebSocket-like connection to a SockJS server. Subclasses (one per entry
 * file) set the environment and the transports it may use.
 */
export class SockJS extends (EventTarget as unknown as new () => SockJSEventTarget<SockJS>) {
  declare static readonly CONNECTING: 0;
  declare static readonly OPEN: 1;
  declare static readonly CLOSING: 2;
  declare static readonly CLOSED: 3;
  static version = PROTOCOL_COMPAT_VERSION;
  /** Set by the entry file. */
  declare protected static env: Env;
  /** Set by the entry file, best first. */
  declare protected static transports: readonly TransportFactory[];
  /** Set by entry files that fetch /info (all but the WebSocket-only ones). */
  declare protected static discover?: Discover;

  declare readonly CONNECTING: 0;
  declare readonly OPEN: 1;
  declare readonly CLOSING: 2;
  declare readonly CLOSED: 3;

  readyState: SockJSReadyState = State.Connecting;
  /** The URL, without a trailing slash. */
  readonly url: string;
  readonly protocol = '';
  readonly extensions = '';
  /** Accepted for WebSocket compatibility; SockJS carries text only. */
  binaryType: 'blob' | 'arraybuffer' = 'blob';
  /** The transport in use once open, e.g. 'websocket' or 'xhr-streaming'. */
  transport: TransportName | null = null;
  bufferedAmount = 0;

  onopen: Handler<SockJSEvent> = null;
  onmessage: Handler<SockJSMessageEvent> = null;
  onclose: Handler<SockJSCloseEvent> = null;
  onerror: Handler<SockJSEvent> = null;
  declare onheartbeat: Handler<SockJSEvent> | undefined;
  declare onresuming: Handler<SockJSResumingEvent> | undefined;
  declare onresumed: Handler<SockJSEvent> | undefined;

  #env: Env;
  #options: SockJSOptions;
  #candidates: TransportFactory[];
  #server: string;
  #sessionId: () => string;
  #http: HttpRequest;
  #abortInfo: (() => void) | undefined;
  #current: Transport | null = null;
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #rto = 0;
  /** /info, with base_url set, once it came. */
  #facts!: ServerFacts & { base_url: string };

  constructor(url: string | URLLike, _reserved?: unknown, options: SockJSOptions = {}) {
    super();
    const ctor = new.target as unknown as {
      env: Env;
      transports: readonly TransportFactory[];
      discover?: Discover;
    };
    this.#env = ctor.env;
    this.#options = { ...options };
    const { sessionId = 8, server } = options;
    this.#sessionId =
      typeof sessionId === 'function' ? sessionId : () => randomSessionId(+sessionId, randomBytes);
    this.#server = server ?? randomServerId(randomBytes);

    let parsed: URL | undefined;
    try {
      parsed = new URL(String(url), this.#env.pageUrl());
    } catch {}
    // Like sockjs-client: an http(s) URL without a fragment.
    if (!parsed || parsed.hash || !/^https?:$/.test(parsed.protocol))
      throw domError('SyntaxError', 'Invalid URL ' + url);
    parsed.pathname = parsed.pathname.replace(/\/+$/, '');
    this.url = parsed.href;
    // As sockjs-client: no allow-list, or an empty one, allows every transport.
    const allow: readonly string[] = [options.transports || []].flat();
    this.#candidates = ctor.transports.filter((t) => !allow.length || allow.includes(t.name));
    // Absent only from WebSocket-only builds, which use no HTTP transport.
    this.#http = this.#env.http?.(this.#options) as HttpRequest;
    const discover = ctor.discover;
    if (!discover) {
      // WebSocket-only builds skip /info: the websocket attempt answers the
      // same question. On the attempt timer, so that close() cancels it.
      this.#timer = setTimeout(() => this.#start({ websocket: true } as ServerFacts, 0));
      return;
    }
    // Aborting /info once it is over does nothing, so #close may call this at any time.
    this.#abortInfo = discover(this.#http, this.url, this.#env, this.#options, (facts, rtt) => {
      if (facts) this.#start(facts, rtt);
      else this.#close(CloseCode.ProtocolError, 'Cannot connect to server', false);
    });
  }

  #start(facts: ServerFacts, rtt: number): void {
    this.#rto = rtt > 100 ? 4 * rtt : 300 + rtt;
    facts.base_url ??= this.url;
    this.#facts = facts as ServerFacts & { base_url: string };
    this.#candidates = this.#candidates.filter((t) => t.enabled(facts, this.#env));
    this.#next();
  }

  /** Sends one message; throws while CONNECTING, ignores it once closing. */
  send(data: unknown): void {
    if (this.readyState === State.Connecting) throw domError('InvalidStateError', 'Not open yet');
    if (this.readyState === State.Open) this.#current?.send(String(data));
  }

  /** Closes with 1000 or an application code (3000-4999). */
  close(code?: number, reason?: string): void {
    // WebSocket's close() checks, as ReconnectingSockJS makes them too; written
    // out here, as a shared function costs the WebSocket-only bundle 3 bytes
    // it does not have.
    if (code && !isApplicationCloseCode(code)) throw domError('InvalidAccessError', 'Invalid code');
    if (reason && new TextEncoder().encode(reason).length > 123)
      throw domError('SyntaxError', 'Reason too long');
    if (this.readyState >= State.Closing) return;
    this.#close(code || CloseCode.Normal, reason || CloseReason.Normal, true);
  }

  override dispatchEvent(ev: SockJSEvent): boolean {
    callHandlerProperty(this, ev);
    return super.dispatchEvent(ev);
  }

  /** Dispatches an event of `type` that carries `fields` (as MessageEvent and CloseEvent do). */
  #emit(type: string, fields = {}): void {
    this.dispatchEvent(Object.assign(new Event(type), fields));
  }

  /** Starts the next candidate transport, or gives up with 2000. */
  #next(): void {
    const factory = this.#candidates.shift();
    if (!factory) {
      this.#close(CloseCode.AllTransportsFailed, CloseReason.AllTransportsFailed, false);
      return;
    }
    const attempt = ++this.#attempt;
    // #close and every retry move #attempt on.
    const live = () => attempt === this.#attempt;
    const timeoutMs = Math.max(this.#options.timeout ?? 0, this.#rto * factory.roundTrips || 5000);
    // An attempt still connecting when this fires gives way to the next one,
    // as in sockjs-client (whose 2007 "Transport timed out" never reaches a
    // close event either).
    this.#timer = setTimeout(() => {
      if (live()) this.#retry();
    }, timeoutMs);
    this.#current = factory.create({
      url: addPath(this.#facts.base_url, '/' + this.#server + '/' + this.#sessionId()),
      facts: this.#facts,
      sock: this,
      sockOptions: this.#options,
      http: this.#http,
      env: this.#env,
      onFrame: (frame) => {
        if (live()) this.#frame(frame, factory.name);
      },
      onClose: (code, reason) => {
        if (live()) this.#failed(code, reason);
      },
    });
  }

  /** Ends the current attempt: its timer, its transport, and any late call from it. */
  #stopAttempt(): void {
    clearTimeout(this.#timer);
    this.#attempt++;
    this.#current?.close();
    this.#current = null;
  }

  #retry(): void {
    this.#stopAttempt();
    this.#next();
  }

  /** The current transport failed or was closed underneath us. */
  #failed(code: number, reason: string): void {
    if (
      this.readyState === State.Connecting &&
      !isApplicationCloseCode(code) &&
      code !== CloseCode.AllTransportsFailed
    )
      this.#retry();
    else this.#close(code, reason, false);
  }

  #frame(text: string, name: string): void {
    const frame = parseFrame(text);
    if (!frame) return;
    if (frame.type === 'open') {
      // A second one: the server lost our session and opened a new one.
      if (this.readyState !== State.Connecting) {
        this.#close(CloseCode.Abnormal, 'Server lost session', false);
        return;
      }
      clearTimeout(this.#timer);
      // Once open, #timer is the liveness timer, unset until it runs.
      this.#timer = undefined;
      this.readyState = State.Open;
      this.transport = name as TransportName;
    }
    // Liveness: once it runs, every frame restarts the clock. It runs from the
    // open frame, except on websocket, where sockjs-node 0.3 heartbeats with
    // WebSocket pings that browsers never show: there the first `h` starts it.
    // Before the events, so that a close() in a listener stops it.
    if (
      this.readyState === State.Open &&
      (this.#timer || frame.type === 'heartbeat' || name !== 'websocket')
    ) {
      clearTimeout(this.#timer);
      const ms = this.#options.heartbeatTimeout ?? HEARTBEAT_TIMEOUT_MS;
      if (ms > 0)
        this.#timer = setTimeout(
          () => this.#close(HEARTBEAT_TIMEOUT, 'Heartbeat timeout', false),
          ms,
        );
    }
    if (frame.type === 'message') {
      for (const data of frame.messages) {
        if (this.readyState !== State.Open) return;
        this.#emit('message', { data });
      }
    } else if (frame.type === 'close') this.#close(frame.code, frame.reason, true);
    else this.#emit(frame.type); // open, heartbeat
  }

  #close(code: number, reason: string, wasClean: boolean): void {
    this.#abortInfo?.();
    this.#stopAttempt();
    this.transport = null;
    if (this.readyState >= State.Closing) return;
    this.readyState = State.Closing;
    setTimeout(() => {
      this.readyState = State.Closed;
      if (!wasClean) this.#emit('error');
      this.#emit('close', { code, reason, wasClean });
    });
  }
}

// Like WebSocket, on the class and on the prototype.
Object.assign(SockJS, ReadyState);
Object.assign(SockJS.prototype, ReadyState);
