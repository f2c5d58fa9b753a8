// Server options: sockjs-node's snake_case names, camelCase aliases, defaults.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Broker } from './channels.js';
import type { SessionCluster } from './cluster.js';
import type { OriginsOption } from './origins.js';

/**
 * What allowRequest may answer: true to accept, `{ data }` to accept and hand
 * `data` (who authenticated, say) to the connection as `conn.data`, false or
 * a refusal `{ status?, reason? }` to reject.
 */
export type AllowRequestResult<Data = unknown> =
  | boolean
  | { data: Data }
  | { status?: number; reason?: string };
export type AllowRequest<Data = unknown> = (
  req: IncomingMessage,
) => AllowRequestResult<Data> | Promise<AllowRequestResult<Data>>;

/** The names `disabled_transports` accepts. */
export type LegacyTransportName = 'websocket' | 'websockets' | 'eventsource' | 'xhr-streaming';

export type LogSeverity = 'debug' | 'info' | 'error';
export type LogFunction = (severity: LogSeverity, message: string) => void;

/**
 * Options accepted by createServer() and installHandlers(), as sockjs-node
 * names them. `Data` is what allowRequest hands to connections as `conn.data`.
 */
export interface ServerOptions<Data = unknown> {
  /** URL prefix the handlers serve, e.g. '/echo'. Default ''. */
  prefix?: string;
  /** Client script the iframe page loads. Default: this server's own client bundle. */
  sockjs_url?: string;
  sockjsUrl?: string;
  /**
   * Framed output a streaming response carries before the client must reopen
   * it, in UTF-16 code units (bytes for ASCII frames). Default 131072.
   */
  response_limit?: number;
  responseLimit?: number;
  /** Whether the websocket transports are on. Default true. */
  websocket?: boolean;
  /**
   * Legacy (sockjs-node's early API): transports to turn off. 'websocket' (or
   * 'websockets', as the early README spells it) is `websocket: false`;
   * 'eventsource' and 'xhr-streaming' name the HTTP transports sockjs-node
   * let one turn off (their URLs answer 404). Default [].
   */
  disabled_transports?: readonly LegacyTransportName[];
  /** Set a JSESSIONID cookie for sticky load balancers; a function sets it itself. Default false. */
  jsessionid?: boolean | ((req: IncomingMessage, res: ServerResponse) => void);
  /** Milliseconds without frames before a heartbeat `h`. Default 25000. */
  heartbeat_delay?: number;
  heartbeatDelay?: number;
  /** Milliseconds a session lives without a receiving request. Default 5000. */
  disconnect_delay?: number;
  disconnectDelay?: number;
  /** Log function (severity, message). Default: silent. */
  log?: LogFunction;
  /** Leave CORS headers out (when a proxy in front adds its own). Default false. */
  disable_cors?: boolean;
  disableCors?: boolean;
  /** Largest message a client may send, in UTF-16 code units. Default 1 MiB. */
  max_message_size?: number;
  maxMessageSize?: number;
  /** Largest request body (xhr_send, jsonp_send) or websocket message, in bytes. Default 4 MiB. */
  max_body_size?: number;
  maxBodySize?: number;
  /** Queued outbound characters above which `write()` returns false. Default 1 MiB. */
  high_water_mark?: number;
  highWaterMark?: number;
  /** Queued outbound characters above which the session is closed (1008). Default 16 MiB. */
  max_queue_size?: number;
  maxQueueSize?: number;
  /**
   * Web origins allowed to use the server: patterns such as
   * 'https://app.example.com', 'https://*.example.com', 'localhost:*', or a
   * function. Default ['*:*'] (every origin, as SockJS has always done).
   */
  origins?: OriginsOption;
  /**
   * Called before a new session opens (first receiving request or WebSocket
   * upgrade); may be async. Return false or { status, reason } to refuse it,
   * true or `{ data }` to accept it (`data` becomes the connection's `conn.data`).
   */
  allowRequest?: AllowRequest<Data>;
  /**
   * Server-wide (read from createServer's options): carries publish() and
   * broadcast() to the other processes, e.g. @sockjs-ts/redis's
   * redisBroker(). Default: none, channels reach this process only.
   */
  broker?: Broker;
  /**
   * Server-wide: any-node mode, e.g. @sockjs-ts/redis's redisSessions(). A
   * request for a session another process created is forwarded to it, so
   * several processes behind a balancer without stickiness look like one
   * server. Default: none, every request of a session must reach the
   * process that created it.
   */
  cluster?: SessionCluster;
  /**
   * Server-wide: a URL path outside the prefixes answered with 200
   * `{"status":"ok","sessions":N}`, and 503 `{"status":"closing",...}` once
   * close() began, for load balancers' health checks. Default: none.
   */
  health_path?: string;
  healthPath?: string;
  /**
   * Where clients send a session's requests, advertised in /info: an absolute
   * http(s) URL such as 'https://node2.example.com/echo', or a function of
   * the /info request that picks one per client (sharding by host name, no
   * balancer). sockjs-client and ours take it as is. Default: none, the
   * client's own URL.
   */
  base_url?: BaseUrlOption;
  baseUrl?: BaseUrlOption;
  /**
   * The resume extension (docs/resume.md): milliseconds a resumable session
   * is held after its transport went away, announced in /info. 0 turns the
   * extension off (no /info field, `resume=` ignored). Default 30000.
   */
  resume_window?: number;
  resumeWindow?: number;
}

export type BaseUrlOption = string | ((req: IncomingMessage) => string);

export interface ResolvedOptions {
  prefix: string;
  sockjsUrl: string | undefined;
  responseLimit: number;
  websocket: boolean;
  /** Session URL segments turned off by `disabled_transports` ('eventsource', 'xhr_streaming'). */
  disabledTransports: readonly string[];
  jsessionid: boolean | ((req: IncomingMessage, res: ServerResponse) => void);
  heartbeatDelay: number;
  disconnectDelay: number;
  log: LogFunction;
  disableCors: boolean;
  maxMessageSize: number;
  maxBodySize: number;
  highWaterMark: number;
  maxQueueSize: number;
  origins: OriginsOption | undefined;
  allowRequest: AllowRequest | undefined;
  /** Checked already when a string; a function's answers are checked per /info. */
  baseUrl: BaseUrlOption | undefined;
  /** 0 when the resume extension is off. */
  resumeWindow: number;
}

const silent: LogFunction = () => {};

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0)) {
    throw new TypeError(`SockJS option ${name} must be a positive number, got ${String(value)}`);
  }
  return value;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 0) || value === Number.POSITIVE_INFINITY) {
    throw new TypeError(
      `SockJS option ${name} must be a non-negative finite number, got ${String(value)}`,
    );
  }
  return value;
}

function normalizePrefix(prefix: string | undefined): string {
  if (prefix === undefined || prefix === '/') return '';
  if (typeof prefix !== 'string') throw new TypeError('SockJS option prefix must be a string');
  // sockjs-node's early README wrote prefixes as regex fragments: '[/]echo'.
  if (prefix.startsWith('[/]')) prefix = '/' + prefix.slice(3);
  let p = prefix.startsWith('/') ? prefix : '/' + prefix;
  while (p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

/** Which transports `disabled_transports` turns off: websocket, and the HTTP ones by name. */
function legacyDisabled(names: readonly string[] | undefined): {
  websocket: boolean;
  http: string[];
} {
  const out = { websocket: false, http: [] as string[] };
  if (names === undefined) return out;
  if (!Array.isArray(names)) {
    throw new TypeError('SockJS option disabled_transports must be an array of transport names');
  }
  for (const name of names) {
    if (name === 'websocket' || name === 'websockets') out.websocket = true;
    else if (name === 'eventsource') out.http.push('eventsource');
    else if (name === 'xhr-streaming') out.http.push('xhr_streaming');
    else {
      throw new TypeError(
        `SockJS option disabled_transports: unknown transport ${JSON.stringify(name)} (valid: 'websocket', 'eventsource', 'xhr-streaming')`,
      );
    }
  }
  return out;
}

/**
 * A base_url value as /info advertises it: an absolute http(s) URL without
 * credentials or fragment, its trailing slashes dropped (clients append
 * '/server/session'). A bare path would not do: sockjs-client turns the
 * scheme of base_url into ws: or wss: by position, and uses it unresolved.
 */
export function checkBaseUrl(value: unknown): string {
  let url: URL | null = null;
  // URL() would trim or percent-encode what a typo leaves behind.
  if (typeof value === 'string' && !/[\s\u0000-\u001f\u007f#]/.test(value)) {
    try {
      url = new URL(value);
    } catch {}
  }
  if (url === null || !/^https?:$/.test(url.protocol) || url.username || url.password) {
    throw new TypeError(
      `SockJS option base_url must be an absolute http(s) URL without credentials or fragment, got ${JSON.stringify(value)}`,
    );
  }
  return url.origin + url.pathname.replace(/\/+$/, '') + url.search;
}

function resolveBaseUrl(value: BaseUrlOption | undefined): BaseUrlOption | undefined {
  return value === undefined || typeof value === 'function' ? value : checkBaseUrl(value);
}

/** Merges option layers (later wins) and fills in defaults. */
export function resolveOptions(...layers: (ServerOptions | undefined)[]): ResolvedOptions {
  const o: ServerOptions = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [k, v] of Object.entries(layer))
      if (v !== undefined) (o as Record<string, unknown>)[k] = v;
  }
  const disabled = legacyDisabled(o.disabled_transports);
  return {
    prefix: normalizePrefix(o.prefix),
    sockjsUrl: o.sockjs_url ?? o.sockjsUrl,
    responseLimit: positive('response_limit', o.response_limit ?? o.responseLimit, 128 * 1024),
    websocket: o.websocket !== false && !disabled.websocket,
    disabledTransports: disabled.http,
    jsessionid: o.jsessionid ?? false,
    heartbeatDelay: positive('heartbeat_delay', o.heartbeat_delay ?? o.heartbeatDelay, 25_000),
    disconnectDelay: positive('disconnect_delay', o.disconnect_delay ?? o.disconnectDelay, 5_000),
    log: o.log ?? silent,
    disableCors: (o.disable_cors ?? o.disableCors) === true,
    maxMessageSize: positive('max_message_size', o.max_message_size ?? o.maxMessageSize, 1 << 20),
    maxBodySize: positive('max_body_size', o.max_body_size ?? o.maxBodySize, 4 << 20),
    highWaterMark: positive('high_water_mark', o.high_water_mark ?? o.highWaterMark, 1 << 20),
    maxQueueSize: positive('max_queue_size', o.max_queue_size ?? o.maxQueueSize, 16 << 20),
    origins: o.origins,
    allowRequest: o.allowRequest,
    baseUrl: resolveBaseUrl(o.base_url ?? o.baseUrl),
    resumeWindow: nonNegative('resume_window', o.resume_window ?? o.resumeWindow, 30_000),
  };
}
