// The environment-neutral part of the client: the WebSocket-shaped SockJS
// object, /info, transport selection and the frame handling. Transports and
// the I/O they use come from the entry file (browser.ts, node.ts, ...).

import { messageText } from '@sockjs-ts/protocol';
import type {
  Discover,
  Env,
  HttpRequest,
  InfoAnswer,
  ServerFacts,
  SockJSOptions,
  Transport,
  TransportFactory,
} from './types.js';
import { addPath } from './url.js';

export type { SockJSOptions } from './types.js';

/** The `close` event: the fields of the DOM's CloseEvent. */
export interface SockJSCloseEvent extends Event {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/** The `message` event: `data` is always a string. */
export interface SockJSMessageEvent extends Event {
  readonly data: string;
}

type Handler<E> = ((this: SockJS, ev: E) => unknown) | null;

// readyState values; the literals below are these (they keep the build small).
const STATES = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;

// The version that the iframe handshake announces. sockjs-client's iframe
// page refuses any other value, so it stays the one of the client we replace.
export const PROTOCOL_COMPAT_VERSION = '1.6.1';

function domError(name: string, message: string): DOMException {
  return new DOMException(name + ': ' + message, name);
}

function isUserCode(code: number): boolean {
  return code === 1000 || (code >= 3000 && code <= 4999);
}

function event<T extends object>(type: string, fields: T): Event & T {
  return Object.assign(new Event(type), fields);
}

/**
 * A WebSocket-like connection to a SockJS server. Subclasses (one per entry
 * file) set the environment and the transports it may use.
 */
export class SockJS extends EventTarget {
  declare static readonly CONNECTING: 0;
  declare static readonly OPEN: 1;
  declare static readonly CLOSING: 2;
  declare static readonly CLOSED: 3;
  static version = PROTOCOL_COMPAT_VERSION;
  /** Set by the entry file. */
  protected static env: Env;
  /** Set by the entry file, best first. */
  protected static transports: readonly TransportFactory[] = [];
  /** Set by entry files that fetch /info (all but the WebSocket-only ones). */
  protected static discover?: Discover;

  declare readonly CONNECTING: 0;
  declare readonly OPEN: 1;
  declare readonly CLOSING: 2;
  declare readonly CLOSED: 3;

  readyState: number = 0;
  /** The URL, without a trailing slash. */
  readonly url: string;
  readonly protocol = '';
  readonly extensions = '';
  /** Accepted for WebSocket compatibility; SockJS carries text only. */
  binaryType: BinaryType = 'blob';
  /** The transport in use once open, e.g. 'websocket' or 'xhr-streaming'. */
  transport: string | null = null;
  bufferedAmount = 0;

  onopen: Handler<Event> = null;
  onmessage: Handler<SockJSMessageEvent> = null;
  onclose: Handler<SockJSCloseEvent> = null;
  onerror: Handler<Event> = null;
  declare onheartbeat: Handler<Event> | undefined;

  #env: Env;
  #options: SockJSOptions;
  #candidates: TransportFactory[] = [];
  #server: string;
  #sessionId: () => string;
  #http: HttpRequest;
  #abortInfo: (() => void) | null = null;
  #current: Transport | null = null;
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #rto = 0;
  #transUrl = '';

  constructor(url: string | URL, _reserved?: unknown, options: SockJSOptions = {}) {
    super();
    const ctor = new.target as unknown as {
      env: Env;
      transports: readonly TransportFactory[];
      discover?: Discover;
    };
    this.#env = ctor.env;
    this.#options = { ...options };
    const { sessionId = 8, server, timeout = 0 } = options;
    this.#sessionId =
      typeof sessionId === 'function' ? sessionId : () => this.#env.randomString(+sessionId);
    this.#server = server ?? String(Math.random()).slice(2, 5);

    let parsed: URL | undefined;
    try {
      parsed = new URL(String(url), this.#env.pageUrl());
    } catch {}
    // Like sockjs-client: an http(s) URL without a fragment.
    if (!parsed || parsed.hash || !/^https?:$/.test(parsed.protocol))
      throw domError('SyntaxError', 'Invalid URL ' + url);
    parsed.pathname = parsed.pathname.replace(/\/+$/, '');
    this.url = parsed.href;
    const allowed = options.transports;
    const allow = allowed === undefined ? null : typeof allowed === 'string' ? [allowed] : allowed;
    this.#candidates = ctor.transports.filter((t) => !allow || allow.includes(t.name));
    const http = this.#env.http?.(this.#options);
    this.#http = http!;
    const discover = ctor.discover;
    if (!http || !discover) {
      // WebSocket-only builds skip /info: the websocket attempt answers the same question.
      setTimeout(() => this.#start({}, 0));
      return;
    }
    this.#abortInfo = discover(http, this.url, this.#env, Math.max(timeout, 8000), (info, rtt) => {
      this.#abortInfo = null;
      if (info) this.#start(info, rtt);
      else this.#close(1002, 'Cannot connect to server', false);
    });
  }

  #start(info: InfoAnswer, rtt: number): void {
    this.#rto = rtt > 100 ? 4 * rtt : 300 + rtt;
    this.#transUrl = typeof info.base_url === 'string' ? info.base_url : this.url;
    const facts = { ...info, websocket: info.websocket !== false } as ServerFacts;
    this.#candidates = this.#candidates.filter((t) => t.enabled(facts, this.#env));
    this.#next();
  }

  /** Sends one message; throws while CONNECTING, ignores it once closing. */
  send(data: unknown): void {
    if (this.readyState === 0 /* CONNECTING */) throw domError('InvalidStateError', 'Not open yet');
    if (this.readyState === 1 /* OPEN */) this.#current?.send(String(data));
  }

  /** Closes with 1000 or an application code (3000-4999). */
  close(code?: number, reason?: string): void {
    if (code && !isUserCode(code)) throw domError('InvalidAccessError', 'Invalid code');
    if (reason && new TextEncoder().encode(reason).length > 123)
      throw domError('SyntaxError', 'Reason too long');
    if (this.readyState >= 2 /* CLOSING */) return;
    this.#close(code || 1000, reason || 'Normal closure', true);
  }

  override dispatchEvent(ev: Event): boolean {
    const handler = (this as unknown as Record<string, unknown>)['on' + ev.type];
    if (typeof handler === 'function') {
      try {
        handler.call(this, ev);
      } catch (err) {
        // Report like a DOM event handler would, without breaking our state.
        setTimeout(() => {
          throw err;
        });
      }
    }
    return super.dispatchEvent(ev);
  }

  /** Starts the next candidate transport, or gives up with 2000. */
  #next(): void {
    const factory = this.#candidates.shift();
    if (!factory) {
      this.#close(2000, 'All transports failed', false);
      return;
    }
    const attempt = ++this.#attempt;
    const live = () => attempt === this.#attempt && this.readyState < 2 /* CLOSING */;
    const timeoutMs = Math.max(this.#options.timeout ?? 0, this.#rto * factory.roundTrips || 5000);
    this.#timer = setTimeout(() => {
      if (live()) this.#failed(2007, 'Transport timed out');
    }, timeoutMs);
    const url = addPath(this.#transUrl, '/' + this.#server + '/' + this.#sessionId());
    this.#current = factory.create({
      url,
      baseUrl: this.#transUrl,
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

  /** The current transport failed or was closed underneath us. */
  #failed(code: number, reason: string): void {
    clearTimeout(this.#timer);
    const transport = this.#current;
    this.#current = null;
    this.#attempt++;
    transport?.close();
    if (this.readyState === 0 /* CONNECTING */ && !isUserCode(code) && code !== 2000) {
      this.#next();
      return;
    }
    this.#close(code, reason, false);
  }

  // Frames are tiny and fixed (o, h, a[...], c[code,reason]); decoding them
  // here rather than with the protocol package keeps the WebSocket-only build small.
  #frame(text: string, name: string): void {
    const type = text[0];
    if (type === 'o') {
      if (this.readyState !== 0 /* CONNECTING */) {
        this.#close(1006, 'Server lost session', false);
        return;
      }
      clearTimeout(this.#timer);
      this.readyState = 1 /* OPEN */;
      this.transport = name;
      this.dispatchEvent(new Event('open'));
    } else if (type === 'h') this.dispatchEvent(new Event('heartbeat'));
    else if (type === 'a' || type === 'c') {
      let payload: unknown;
      try {
        payload = JSON.parse(text.slice(1));
      } catch {}
      if (!Array.isArray(payload)) return;
      if (type === 'c') {
        const code = Number(messageText(payload[0]));
        // A close frame without a numeric code is a protocol error.
        this.#close(Number.isInteger(code) ? code : 1002, messageText(payload[1] ?? ''), true);
        return;
      }
      for (const data of payload) {
        if (this.readyState !== 1 /* OPEN */) return;
        this.dispatchEvent(event('message', { data: messageText(data) }));
      }
    }
  }

  #close(code: number, reason: string, wasClean: boolean): void {
    this.#abortInfo?.();
    this.#abortInfo = null;
    clearTimeout(this.#timer);
    this.#attempt++;
    this.#current?.close();
    this.#current = null;
    this.transport = null;
    if (this.readyState >= 2 /* CLOSING */) return;
    this.readyState = 2 /* CLOSING */;
    setTimeout(() => {
      this.readyState = 3 /* CLOSED */;
      if (!wasClean) this.dispatchEvent(new Event('error'));
      this.dispatchEvent(event('close', { code, reason, wasClean }));
    });
  }
}

// Like WebSocket, on the class and on the prototype.
Object.assign(SockJS, STATES);
Object.assign(SockJS.prototype, STATES);
