// Shapes shared by the core, the transports and the environment files.

import type { SockJSEvent, TransportName } from './events.js';

/** Options of `new SockJS(url, _reserved, options)`. */
export interface SockJSOptions {
  /** Server id in session URLs; a random three-digit number by default. */
  server?: string;
  /** Allow-list of transport names, e.g. ['websocket', 'xhr-streaming']. */
  transports?: TransportName | readonly TransportName[];
  /** Session id length (default 8) or a function that makes one. */
  sessionId?: number | (() => string);
  /** Lower bound in ms for each transport attempt (and the /info request). */
  timeout?: number;
  /**
   * Liveness: once open, a session that receives nothing (no message, no
   * heartbeat `h`) for this many ms closes with 2011 "Heartbeat timeout"
   * (not clean, so `error` comes first). Default 62500, 2.5 times the
   * servers' 25 s heartbeat: raise it with a server's `heartbeat_delay`.
   * 0 turns it off. On websocket the clock starts at the first `h`, since
   * sockjs-node 0.3 heartbeats websockets with pings a browser cannot see.
   */
  heartbeatTimeout?: number;
  /**
   * The resume extension (docs/resume.md): against a server whose /info
   * announces it, the session survives transport drops. A transport that ends
   * without a close frame (an error, a drop, the heartbeat timeout) is
   * replaced by a new one of the same kind on the same session; meanwhile
   * `readyState` stays OPEN, send() buffers (`bufferedAmount`), and
   * `resuming` ({attempt, delay}) and then `resumed` are dispatched instead of
   * a close. Every message is delivered once, in order, both ways. When the
   * server's window passes or it no longer holds the session, the close is
   * 2012 "Cannot resume". Default false; against a server without the
   * extension nothing changes. Retries follow ReconnectingSockJS's backoff,
   * with its `minDelay` and `maxDelay` when given. The iframe transports
   * resume in the server's iframe page (there `bufferedAmount` stays 0).
   * Not in dist/sockjs.min.js nor the WebSocket-only builds, which ignore it.
   */
  resume?: boolean;
  /** Per-transport options, keyed by transport name (accepted; no transport reads them yet). */
  transportOptions?: { [name in TransportName]?: Record<string, unknown> };
  /** Node only: extra headers on HTTP requests and the WebSocket handshake. */
  headers?: Record<string, string>;
  /** Node only: the cookie jar (one per SockJS object unless shared here). */
  cookieJar?: CookieJarLike;
  /**
   * Legacy (sockjs-node 0.1's README, for JSESSIONID stickiness): accepted and
   * ignored. Cookies already go with every request: browsers send credentials,
   * the Node client has its cookie jar. sockjs-client 1.x ignores it too.
   */
  cookie?: boolean;
}

/** What the Node client needs from a cookie jar. */
export interface CookieJarLike {
  /** The Cookie header value for a URL, or '' for none. */
  get(url: string): string;
  /** Stores the Set-Cookie header values received from a URL. */
  set(url: string, setCookies: readonly string[]): void;
}

/**
 * One HTTP request. `onData` gets decoded text as it arrives; `onEnd` gets
 * the status, or 0 when the request failed or the response was cut off.
 * Never calls back synchronously. Returns a function that aborts silently.
 */
export type HttpRequest = (
  method: string,
  url: string,
  body: string | null,
  onData: (text: string) => void,
  onEnd: (status: number) => void,
) => () => void;

/** The part of the WebSocket interface that the websocket transport uses. */
export interface WebSocketLike {
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(): void;
}

/** What differs between browsers and Node. */
export interface Env {
  /** The page URL (for relative URLs and same-origin checks), if any. */
  pageUrl(): string | undefined;
  /** Makes the request function for one SockJS object (absent in WebSocket-only builds). */
  http?(options: SockJSOptions): HttpRequest;
  /** Opens a WebSocket, or returns null when there is none. */
  webSocket(url: string, options: SockJSOptions): WebSocketLike | null;
  /** Whether the environment has a WebSocket at all. */
  hasWebSocket(): boolean;
  /**
   * Opens an event stream (text/event-stream). `onOpen` when the response
   * starts, `onData` per event, `onEnd` when it stops for any reason, with
   * `cutOff` true when the response broke off before its end (Node can tell;
   * browsers' EventSource cannot, and passes nothing).
   */
  eventSource?(
    url: string,
    options: SockJSOptions,
    onOpen: () => void,
    onData: (data: string) => void,
    onEnd: (cutOff?: boolean) => void,
  ): () => void;
}

/** Facts about the target URL as seen from the page. */
export interface UrlInfo {
  sameOrigin: boolean;
  nullOrigin: boolean;
}

/**
 * /info as the protocol's parseInfo reads it, merged with UrlInfo. Declared
 * here so that the published types stand without the protocol package.
 */
export interface ServerFacts extends UrlInfo {
  websocket: boolean;
  cookie_needed: boolean;
  base_url?: string;
  /** The resume window in ms, when the server announces the extension. */
  resume?: number;
}

/** What a transport may do to the SockJS object it serves (resume's events). */
export interface SockJSHandle {
  bufferedAmount: number;
  dispatchEvent(ev: SockJSEvent): boolean;
}

export interface TransportContext {
  /** The session URL: base/server/session. */
  url: string;
  /** /info, with `base_url` set: the SockJS base URL (for iframe.html). */
  facts: ServerFacts & { base_url: string };
  /** The SockJS object (absent inside the iframe page). */
  sock?: SockJSHandle;
  sockOptions: SockJSOptions;
  /** Present whenever the environment has HTTP (every full build). */
  http: HttpRequest;
  env: Env;
  /** A raw frame ('o', 'h', 'a[...]', 'c[...]'). */
  onFrame(frame: string): void;
  /** The transport stopped; it must not call anything afterwards. */
  onClose(code: number, reason: string): void;
  /** Resume: the query parameter of each receiving request (resume=new, then resume=<ack>). */
  resumeQuery?(): string;
  /** Resume: the body of an xhr_send that carries no message (htmlfile's probe). */
  emptyBatch?(): string;
  /**
   * Resume for the iframe transports, whose page runs it: the server's
   * window in ms, set by resumable() when the app and the server both want it.
   */
  resumeWindow?: number;
}

export interface Transport {
  /** Sends one message (the transport encodes it). */
  send(message: string): void;
  /** Stops everything (requests, timers, listeners) without calling back. */
  close(): void;
  /**
   * HTTP transports: calls `done` once close() has nothing left to do (what
   * send() accepted went out, the receiving request stopped), at once if
   * that is already so. A transport without it has nothing to wait for.
   */
  flushed?(done: () => void): void;
  /**
   * HTTP transports, for resume: posts one batch body as it is, after any
   * in flight, and calls `done` with whether the server took it. A failure
   * is left to the caller (it does not end the transport).
   */
  sendBatch?(body: string, done: (ok: boolean) => void): void;
}

export interface TransportFactory {
  readonly name: string;
  /** Round trips before the open frame, for the attempt timeout. */
  readonly roundTrips: number;
  enabled(facts: ServerFacts, env: Env): boolean;
  create(ctx: TransportContext): Transport;
}

/**
 * Fetches /info, giving up after the `timeout` option or 8 s, whichever is
 * longer; calls `done` once (null on failure) unless aborted.
 */
export type Discover = (
  http: HttpRequest,
  url: string,
  env: Env,
  options: SockJSOptions,
  done: (facts: ServerFacts | null, rtt: number) => void,
) => () => void;
