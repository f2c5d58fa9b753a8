// ReconnectingSockJS: one WebSocket-shaped object over a series of SockJS
// sessions. When a session ends for a reason that may pass (a dropped
// transport, a silent network, a restarted server), it waits a backoff delay
// and opens a new one. The SockJS class it drives comes from the entry file
// (reconnecting.browser.ts, reconnecting.node.ts) or the `SockJS` option.
//
// Each session is new: the server sees a new connection, and nothing sent or
// written around the drop is carried over. Resume (the `resume` option, one
// session across transport drops) lives below this wrapper, in the SockJS
// object, which gets the option with the others: a session that resumes
// never reports a close here (its `resuming` and `resumed` events are passed
// on), and one that cannot resume closes with 2012 "Cannot resume" and is
// reconnected like any other drop. Resume retries use the same backoffDelay.

import { CloseCode, CloseReason, isApplicationCloseCode, ReadyState } from '@sockjs-ts/protocol';
import { backoffDelay } from './backoff.js';
import type {
  SockJSCloseEvent,
  SockJSEvent,
  SockJSEventMap,
  SockJSMessageEvent,
  SockJSReadyState,
  SockJSResumingEvent,
  TypedEventTarget,
  URLLike,
} from './events.js';
import type { SockJSOptions } from './types.js';
import { callHandlerProperty, domError } from './web-socket-shape.js';

export { backoffDelay };

/** What the wrapper needs of a SockJS object (any of our entries' classes). */
export interface SockJSLike {
  readonly url: string;
  readonly readyState: SockJSReadyState;
  readonly transport: string | null;
  readonly bufferedAmount?: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (ev: SockJSEvent) => void): void;
}

export type SockJSConstructor = new (
  url: string | URLLike,
  _reserved?: unknown,
  options?: SockJSOptions,
) => SockJSLike;

/** Timers, injected for deterministic tests. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Options of ReconnectingSockJS, on top of SockJSOptions (which go to each session). */
export interface ReconnectOptions {
  /** First delay cap in ms (default 1000): attempt n waits random × min(maxDelay, minDelay × 2^(n-1)). */
  minDelay?: number;
  /** Largest delay in ms (default 30000). */
  maxDelay?: number;
  /** Attempts after a drop before giving up (default Infinity); attempts start again at 1 once a session opens. */
  maxRetries?: number;
  /** Close codes that end the connection for good (default [1008, 3000]); close() by the app always does. */
  goAwayCodes?: readonly number[];
  /** The SockJS class to use (default: the entry's full client). */
  SockJS?: SockJSConstructor;
  /** A number in [0, 1) (default Math.random): the jitter. */
  random?: () => number;
  /** Default: the global setTimeout/clearTimeout. */
  timers?: Timers;
}

export type ReconnectingSockJSOptions = SockJSOptions & ReconnectOptions;

/** `reconnecting`: a session ended and another one starts after `delay` ms. */
export interface ReconnectingEvent extends SockJSEvent {
  /** 1 for the first attempt after a drop. */
  readonly attempt: number;
  readonly delay: number;
  /** How the session ended. */
  readonly code: number;
  readonly reason: string;
}

/** `reconnected`: a new session is open after `attempt` attempts. */
export interface ReconnectedEvent extends SockJSEvent {
  readonly attempt: number;
  /** Its transport, e.g. 'websocket'. */
  readonly transport: string | null;
}

export interface ReconnectingEventMap extends SockJSEventMap {
  reconnecting: ReconnectingEvent;
  reconnected: ReconnectedEvent;
}

/** EventTarget typed by ReconnectingEventMap (the base is EventTarget at run time). */
export type ReconnectingEventTarget<This> = TypedEventTarget<This, ReconnectingEventMap>;

/** Whether a session that ended with `code` may be followed by another one. */
export function shouldRetry(code: number, goAwayCodes: readonly number[] = GO_AWAY): boolean {
  return !goAwayCodes.includes(code);
}

const GO_AWAY: readonly number[] = [1008, 3000];

type Handler<E> = ((this: ReconnectingSockJS, ev: E) => unknown) | null;

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/**
 * A WebSocket-shaped connection that opens a new SockJS session when one
 * drops. `readyState` is CONNECTING while it waits or connects, OPEN while a
 * session is open; `send()` throws while CONNECTING, as on a WebSocket (no
 * buffering: a new session is not the old one, and an app protocol such as
 * STOMP must greet it first; listen to `reconnected`). `open` fires once,
 * `reconnected` on each later open, `close` once, when it gives up or
 * close() was called.
 */
export class ReconnectingSockJS extends (EventTarget as unknown as new () => ReconnectingEventTarget<ReconnectingSockJS>) {
  declare static readonly CONNECTING: 0;
  declare static readonly OPEN: 1;
  declare static readonly CLOSING: 2;
  declare static readonly CLOSED: 3;
  /** Set by the entry file. */
  declare protected static defaultSockJS: SockJSConstructor;

  declare readonly CONNECTING: 0;
  declare readonly OPEN: 1;
  declare readonly CLOSING: 2;
  declare readonly CLOSED: 3;

  readyState: SockJSReadyState = CONNECTING;
  readonly url: string;
  readonly protocol = '';
  readonly extensions = '';
  binaryType: 'blob' | 'arraybuffer' = 'blob';
  /** The current session's (with `resume`, what it holds during a drop). */
  get bufferedAmount(): number {
    return this.#sock?.bufferedAmount ?? 0;
  }
  /** The current session's transport, null between sessions. */
  get transport(): string | null {
    return this.#sock?.transport ?? null;
  }
  /** Attempts since the last open session (0 while one is open). */
  get attempt(): number {
    return this.#attempt;
  }

  onopen: Handler<SockJSEvent> = null;
  onmessage: Handler<SockJSMessageEvent> = null;
  onclose: Handler<SockJSCloseEvent> = null;
  onerror: Handler<SockJSEvent> = null;
  onreconnecting: Handler<ReconnectingEvent> = null;
  onreconnected: Handler<ReconnectedEvent> = null;
  declare onresuming: Handler<SockJSResumingEvent> | undefined;
  declare onresumed: Handler<SockJSEvent> | undefined;
  declare onheartbeat: Handler<SockJSEvent> | undefined;

  #options: ReconnectingSockJSOptions;
  #SockJS: SockJSConstructor;
  #timers: Timers;
  #sock: SockJSLike | null = null;
  #attempt = 0;
  #opened = false;
  #wait: unknown;
  #waiting = false;
  #unwatch: () => void = () => {};

  constructor(url: string | URLLike, _reserved?: unknown, options: ReconnectingSockJSOptions = {}) {
    super();
    this.#options = { ...options };
    this.#SockJS =
      options.SockJS ??
      (new.target as unknown as { defaultSockJS: SockJSConstructor }).defaultSockJS;
    // Called as methods of the global object, which is what they need.
    this.#timers = options.timers ?? (globalThis as unknown as Timers);
    // The first session validates the URL and options (and throws as SockJS does).
    this.#connect(url);
    this.url = (this.#sock as SockJSLike).url;
    this.#watchEnvironment();
  }

  /** Sends one message; throws while CONNECTING (between sessions too), ignores it once closing. */
  send(data: unknown): void {
    if (this.readyState === CONNECTING) throw domError('InvalidStateError', 'Not open yet');
    if (this.readyState === OPEN) this.#sock?.send(String(data));
  }

  /** Closes for good, with 1000 or an application code (3000-4999). */
  close(code?: number, reason?: string): void {
    if (code && !isApplicationCloseCode(code)) throw domError('InvalidAccessError', 'Invalid code');
    if (reason && new TextEncoder().encode(reason).length > 123)
      throw domError('SyntaxError', 'Reason too long');
    if (this.readyState >= CLOSING) return;
    this.readyState = CLOSING;
    const sock = this.#sock;
    if (sock && sock.readyState < CLOSING) sock.close(code, reason);
    else this.#finish(code || CloseCode.Normal, reason || CloseReason.Normal, true);
    // Waiting between sessions: nothing else will call #finish.
    this.#stopWaiting();
  }

  override dispatchEvent(ev: SockJSEvent): boolean {
    callHandlerProperty(this, ev);
    return super.dispatchEvent(ev);
  }

  #emit(type: string, fields = {}): void {
    this.dispatchEvent(Object.assign(new Event(type), fields) as unknown as SockJSEvent);
  }

  #connect(url: string | URLLike = this.url): void {
    const sock = new this.#SockJS(url, null, this.#options);
    this.#sock = sock;
    const mine = () => this.#sock === sock;
    sock.addEventListener('open', () => {
      if (!mine() || this.readyState !== CONNECTING) return;
      this.readyState = OPEN;
      const attempt = this.#attempt;
      this.#attempt = 0;
      if (this.#opened) this.#emit('reconnected', { attempt, transport: sock.transport });
      else {
        this.#opened = true;
        this.#emit('open');
      }
    });
    sock.addEventListener('message', (ev) => {
      if (mine() && this.readyState === OPEN)
        this.#emit('message', { data: (ev as SockJSMessageEvent).data });
    });
    for (const type of ['heartbeat', 'resuming', 'resumed'])
      sock.addEventListener(type, (ev) => {
        const { attempt, delay } = ev as SockJSResumingEvent;
        if (mine()) this.#emit(type, attempt ? { attempt, delay } : {});
      });
    sock.addEventListener('close', (ev) => {
      if (!mine()) return;
      const { code, reason, wasClean } = ev as SockJSCloseEvent;
      this.#sock = null;
      this.#dropped(code, reason, wasClean);
    });
  }

  /** The session ended: another one after a delay, or the end. */
  #dropped(code: number, reason: string, wasClean: boolean): void {
    const max = this.#options.maxRetries ?? Infinity;
    if (
      this.readyState >= CLOSING ||
      !shouldRetry(code, this.#options.goAwayCodes) ||
      this.#attempt >= max
    ) {
      this.#finish(code, reason, wasClean);
      return;
    }
    this.readyState = CONNECTING;
    const attempt = ++this.#attempt;
    const delay = backoffDelay(
      attempt,
      this.#options.random ?? Math.random,
      this.#options.minDelay,
      this.#options.maxDelay,
    );
    this.#waiting = true;
    this.#wait = this.#timers.setTimeout(() => this.#retryNow(), delay);
    this.#emit('reconnecting', { attempt, delay, code, reason });
  }

  /** Ends the wait and opens the next session (the timer, or the network came back). */
  #retryNow(): void {
    if (!this.#waiting) return;
    this.#stopWaiting();
    try {
      this.#connect();
    } catch {
      // The URL was valid the first time; an environment that cannot make a
      // session at all ends here.
      this.#finish(1006, 'Cannot reconnect', false);
    }
  }

  #stopWaiting(): void {
    if (this.#waiting) this.#timers.clearTimeout(this.#wait);
    this.#waiting = false;
  }

  #finish(code: number, reason: string, wasClean: boolean): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.#unwatch();
    if (!wasClean) this.#emit('error');
    this.#emit('close', { code, reason, wasClean });
  }

  /**
   * Browsers only: back `online`, or a hidden page shown again, ends the
   * wait at once (timers in hidden tabs are slowed down, and an offline
   * laptop's backoff has grown long by the time it wakes up).
   */
  #watchEnvironment(): void {
    const g = globalThis as unknown as {
      addEventListener?: (type: string, fn: () => void) => void;
      removeEventListener?: (type: string, fn: () => void) => void;
      document?: { visibilityState?: string };
    };
    if (typeof g.addEventListener !== 'function' || typeof g.document !== 'object') return;
    const now = () => {
      if (g.document?.visibilityState !== 'hidden') this.#retryNow();
    };
    g.addEventListener('online', now);
    g.addEventListener('visibilitychange', now);
    this.#unwatch = () => {
      g.removeEventListener?.('online', now);
      g.removeEventListener?.('visibilitychange', now);
    };
  }
}

Object.assign(ReconnectingSockJS, ReadyState);
Object.assign(ReconnectingSockJS.prototype, ReadyState);
