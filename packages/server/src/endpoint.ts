// One SockJS service under one prefix: its options, sessions and routes.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { routePath, TRANSPORT_METHODS, type TransportName } from '@sockjs-ts/protocol';
import { WebSocketServer } from 'ws';
import { type ClientBundle, loadClientBundle } from './client-bundle.js';
import {
  type Counters,
  publishLimit,
  publishReject,
  sessionCloseChannel,
  sessionOpenChannel,
} from './diagnostics.js';
import { answer404, answer405, answerOptions, answerText, setJsessionid } from './http-util.js';
import type { AllowRequestResult, ResolvedOptions } from './options.js';
import { OriginPolicy } from './origins.js';
import { clientScript, greeting, type IframePage, iframe, info, makeIframePage } from './pages.js';
import { MemoryRegistry, type SessionRegistry } from './registry.js';
import { Session, type SessionHost } from './session.js';
import type { TimerWheel } from './timer-wheel.js';
import type { SessionEndpoint, TransportHandler } from './transports/context.js';
import { eventSource } from './transports/eventsource.js';
import { Hixie76Socket } from './transports/hixie76.js';
import { htmlFile } from './transports/htmlfile.js';
import { jsonpPolling } from './transports/jsonp-polling.js';
import { jsonpSend } from './transports/jsonp-send.js';
import { startRawWebSocketSession } from './transports/raw-websocket.js';
import { isHixie76, startWebSocketSession } from './transports/websocket.js';
import type { WebSocketLike } from './transports/websocket-like.js';
import { xhrPolling } from './transports/xhr-polling.js';
import { xhrSend } from './transports/xhr-send.js';
import { xhrStreaming } from './transports/xhr-streaming.js';

const HTTP_TRANSPORTS: Partial<Record<TransportName, TransportHandler>> = {
  xhr: xhrPolling,
  xhr_send: xhrSend,
  xhr_streaming: xhrStreaming,
  eventsource: eventSource,
  htmlfile: htmlFile,
  jsonp: jsonpPolling,
  jsonp_send: jsonpSend,
};

/** What an endpoint needs from the server that owns it. */
export interface EndpointOwner {
  readonly wheel: TimerWheel<Session>;
  readonly counters: Counters;
  connection(session: Session): void;
}

/** Transports whose request may create a session. */
const RECEIVING: ReadonlySet<TransportName> = new Set<TransportName>([
  'xhr',
  'xhr_streaming',
  'eventsource',
  'htmlfile',
  'jsonp',
]);

/** Transports that browsers request without an Origin header (script tags, frames). */
const NO_ORIGIN_HEADER: ReadonlySet<TransportName> = new Set<TransportName>(['htmlfile', 'jsonp']);

interface Refusal {
  status: number;
  reason: string;
  cause: 'origin' | 'allowRequest' | 'closing';
}

function refusalOf(result: AllowRequestResult): Refusal | null {
  if (result === true) return null;
  if (result === false) return { status: 403, reason: 'Forbidden', cause: 'allowRequest' };
  return {
    status: result.status ?? 403,
    reason: result.reason ?? 'Forbidden',
    cause: 'allowRequest',
  };
}

/** The path below `prefix`, or null when the URL is not under it. */
function pathBelow(url: string | undefined, prefix: string): string | null {
  if (url === undefined) return null;
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  if (!path.startsWith(prefix)) return null;
  const rest = path.slice(prefix.length);
  if (rest !== '' && rest[0] !== '/') return null;
  return rest;
}

// Module-level so that the listeners left on long-lived sockets do not hold
// the context of the function that added them (and its request).
function ignoreError(): void {}

function terminator(ws: { terminate(): void }): { destroy(): void } {
  return { destroy: () => ws.terminate() };
}

function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
        `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
    );
  }
}

export class Endpoint implements SessionEndpoint, SessionHost {
  readonly options: ResolvedOptions;
  readonly wheel: TimerWheel<Session>;
  readonly sessions: SessionRegistry<Session> = new MemoryRegistry();
  /** Every open session of this endpoint, websocket ones included. */
  readonly live = new Set<Session>();
  readonly origins: OriginPolicy;
  readonly counters: Counters;
  /** Responses and sockets in flight, so that shutdown can wait for them. */
  private readonly inflight = new Set<{ destroy(): void }>();
  private readonly owner: EndpointOwner;
  private readonly iframePage: IframePage;
  /** Our own client bundle, served when no sockjs_url is configured. */
  private readonly bundle: ClientBundle | null;
  private wss: WebSocketServer | null = null;
  private closing = false;
  private idleWaiters: (() => void)[] = [];

  constructor(options: ResolvedOptions, owner: EndpointOwner, defaultSockjsUrl: string) {
    this.options = options;
    this.owner = owner;
    this.wheel = owner.wheel;
    this.counters = owner.counters;
    this.origins = new OriginPolicy(options.origins);
    this.bundle = options.sockjsUrl === undefined ? loadClientBundle() : null;
    this.iframePage = makeIframePage(
      options.sockjsUrl ?? (this.bundle ? options.prefix + this.bundle.path : defaultSockjsUrl),
    );
  }

  // SessionEndpoint

  getSession(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  getOrCreateSession(id: string, req: IncomingMessage, protocol: string): Session {
    let session = this.sessions.get(id);
    if (session === undefined) {
      session = new Session(id, this, req, protocol);
      this.sessions.set(id, session);
      this.live.add(session);
    }
    return session;
  }

  logError(message: string): void {
    this.options.log('error', message);
  }

  // SessionHost

  opened(session: Session): void {
    this.counters.sessionsOpened++;
    if (sessionOpenChannel.hasSubscribers) {
      sessionOpenChannel.publish({
        id: session.id,
        transport: session.connection.protocol,
        prefix: this.options.prefix,
      });
    }
    this.owner.connection(session);
  }

  closed(session: Session): void {
    this.counters.sessionsClosed++;
    if (sessionCloseChannel.hasSubscribers) {
      sessionCloseChannel.publish({
        id: session.id,
        transport: session.connection.protocol,
        prefix: this.options.prefix,
        code: session.state.closeCode,
        reason: session.state.closeReason,
      });
    }
  }

  expired(session: Session): void {
    if (this.sessions.get(session.id) === session) this.sessions.delete(session.id);
    this.live.delete(session);
  }

  limitHit(limit: 'body' | 'message' | 'queue', size: number, max: number, id?: string): void {
    publishLimit({ limit, prefix: this.options.prefix, size, max, ...(id ? { id } : {}) });
  }

  // Admission: origin policy, shutdown, allowRequest.

  private refuse(req: IncomingMessage, refusal: Refusal): void {
    this.counters.rejected++;
    publishReject({
      cause: refusal.cause,
      prefix: this.options.prefix,
      url: req.url ?? '',
      status: refusal.status,
      reason: refusal.reason,
    });
  }

  /**
   * Decides whether a request that would open a session may do so. Calls
   * `proceed` (maybe later, when allowRequest is async) or `reject`.
   */
  private admit(
    req: IncomingMessage,
    opensSession: boolean,
    proceed: () => void,
    reject: (refusal: Refusal) => void,
  ): void {
    if (this.closing && opensSession) {
      const refusal: Refusal = { status: 503, reason: 'Server shutting down', cause: 'closing' };
      this.refuse(req, refusal);
      reject(refusal);
      return;
    }
    const hook = this.options.allowRequest;
    if (!opensSession || hook === undefined) {
      proceed();
      return;
    }
    const decide = (result: AllowRequestResult) => {
      const refusal = refusalOf(result);
      if (refusal === null) {
        proceed();
      } else {
        this.refuse(req, refusal);
        reject(refusal);
      }
    };
    const fail = (err: unknown) => {
      this.logError(`allowRequest failed: ${(err as Error)?.message ?? String(err)}`);
      decide({ status: 500, reason: 'Internal Server Error' });
    };
    let result: AllowRequestResult | Promise<AllowRequestResult>;
    try {
      result = hook(req);
    } catch (err) {
      fail(err);
      return;
    }
    if (typeof (result as Promise<AllowRequestResult>)?.then === 'function') {
      (result as Promise<AllowRequestResult>).then(decide, fail);
    } else {
      decide(result as AllowRequestResult);
    }
  }

  private originRefused(req: IncomingMessage, needsOrigin: boolean): Refusal | null {
    if (this.origins.allowsRequest(req, needsOrigin)) return null;
    const refusal: Refusal = { status: 403, reason: 'Origin not allowed', cause: 'origin' };
    this.refuse(req, refusal);
    return refusal;
  }

  private track(item: { destroy(): void }, emitter: NodeJS.EventEmitter): void {
    this.inflight.add(item);
    emitter.once('close', () => {
      this.inflight.delete(item);
      if (this.inflight.size === 0 && this.idleWaiters.length > 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    });
  }

  // Routing

  /** Serves the request if it is under this prefix; returns whether it did. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    const path = pathBelow(req.url, this.options.prefix);
    if (path === null) return false;
    const method = req.method ?? 'GET';
    if (this.bundle !== null && path === this.bundle.path) {
      if (method === 'GET' || method === 'HEAD') clientScript(req, res, this.bundle);
      else answer405(res, ['GET']);
      return true;
    }
    const route = routePath(path);
    if (route === null) {
      answer404(res);
      return true;
    }
    switch (route.kind) {
      case 'greeting':
        if (method === 'GET' || method === 'HEAD') greeting(res);
        else answer405(res, ['GET']);
        return true;
      case 'info': {
        if (method !== 'GET' && method !== 'OPTIONS') {
          answer405(res, ['OPTIONS', 'GET']);
          return true;
        }
        const refusal = this.originRefused(req, false);
        if (refusal !== null) answerText(res, refusal.status, refusal.reason);
        else info(req, res, this.options, this.origins.advertised);
        return true;
      }
      case 'iframe':
        if (method === 'GET' || method === 'HEAD') {
          iframe(req, res, this.iframePage, this.origins.frameAncestors(req));
        } else {
          answer405(res, ['GET']);
        }
        return true;
      case 'raw-websocket':
        this.websocketWithoutUpgrade(req, res);
        return true;
      case 'session': {
        if (route.transport === 'websocket') {
          this.websocketWithoutUpgrade(req, res);
          return true;
        }
        const methods = TRANSPORT_METHODS[route.transport];
        if (!methods.includes(method)) {
          answer405(res, methods);
          return true;
        }
        const transport = route.transport;
        const originRefusal = this.originRefused(req, NO_ORIGIN_HEADER.has(transport));
        if (originRefusal !== null) {
          answerText(res, originRefusal.status, originRefusal.reason);
          return true;
        }
        if (method === 'OPTIONS') {
          // A session URL: the sticky-session cookie goes on the preflight too.
          setJsessionid(req, res, this.options);
          answerOptions(req, res, this.options, 'OPTIONS, POST');
          return true;
        }
        const sessionId = route.sessionId;
        const opensSession = RECEIVING.has(transport) && this.sessions.get(sessionId) === undefined;
        this.track(res, res);
        this.admit(
          req,
          opensSession,
          () => {
            if (res.destroyed) return;
            HTTP_TRANSPORTS[transport]!({ req, res, sessionId, endpoint: this });
          },
          (refusal) => answerText(res, refusal.status, refusal.reason),
        );
        return true;
      }
    }
  }

  /** A websocket URL reached as a plain HTTP request. */
  private websocketWithoutUpgrade(req: IncomingMessage, res: ServerResponse): void {
    if (!this.options.websocket) {
      answer404(res);
    } else if (req.method !== 'GET') {
      answer405(res, ['GET']);
    } else if (String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      answerText(res, 400, 'Can "Upgrade" only to "WebSocket".');
    } else {
      answerText(res, 400, '"Connection" must be "Upgrade".');
    }
  }

  /** Takes a websocket upgrade if it is under this prefix; returns whether it did. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = pathBelow(req.url, this.options.prefix);
    if (path === null) return false;
    socket.on('error', ignoreError);
    const route = routePath(path);
    const isWebSocketRoute =
      route !== null &&
      (route.kind === 'raw-websocket' ||
        (route.kind === 'session' && route.transport === 'websocket'));
    if (!isWebSocketRoute || !this.options.websocket) {
      rejectUpgrade(socket, 404, 'Not Found');
      return true;
    }
    if (req.method !== 'GET') {
      if (socket.writable) {
        socket.end(
          'HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
        );
      }
      return true;
    }
    if (String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      rejectUpgrade(socket, 400, 'Bad Request');
      return true;
    }
    const originRefusal = this.originRefused(req, false);
    if (originRefusal !== null) {
      rejectUpgrade(socket, originRefusal.status, originRefusal.reason);
      return true;
    }
    this.admit(
      req,
      true,
      () => this.upgrade(req, socket, head, route.kind === 'raw-websocket', route),
      (refusal) => rejectUpgrade(socket, refusal.status, refusal.reason),
    );
    return true;
  }

  private upgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    raw: boolean,
    route: { kind: string; sessionId?: string },
  ): void {
    if (socket.destroyed) return;
    const sessionId = route.sessionId ?? '';
    const start = (ws: WebSocketLike & { terminate(): void }) => {
      const protocol = raw ? 'websocket-raw' : 'websocket';
      const session = new Session(sessionId || randomUUID(), this, req, protocol);
      this.live.add(session);
      this.track(terminator(ws), ws as unknown as NodeJS.EventEmitter);
      if (raw) startRawWebSocketSession(ws, session, this.options.maxMessageSize);
      else startWebSocketSession(ws, session, this.options.maxMessageSize);
    };
    if (!raw && isHixie76(req)) {
      const hixie = new Hixie76Socket(socket, this.options.maxBodySize);
      const scheme = (socket as { encrypted?: boolean }).encrypted ? 'wss' : 'ws';
      hixie.accept(req, head, `${scheme}://${req.headers.host ?? ''}${req.url ?? ''}`, () =>
        start(hixie),
      );
      return;
    }
    this.webSocketServer().handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', this.webSocketError);
      start(ws);
    });
  }

  // One listener for every WebSocket of the endpoint. A closure made inside
  // upgrade() would share its context, and with it keep the upgrade request
  // (headers, raw headers, streams: about 2 KiB) alive as long as the socket.
  private readonly webSocketError = (err: Error & { code?: string }): void => {
    if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      this.limitHit('body', Number.NaN, this.options.maxBodySize);
    }
  };

  private webSocketServer(): WebSocketServer {
    if (this.wss === null) {
      this.wss = new WebSocketServer({
        noServer: true,
        clientTracking: false,
        perMessageDeflate: false,
        maxPayload: this.options.maxBodySize,
      });
    }
    return this.wss;
  }

  /** Open sessions by transport. */
  countSessions(into: Record<string, number>): number {
    for (const session of this.live) {
      if (session.readyState !== 1) continue;
      const t = session.connection.protocol;
      into[t] = (into[t] ?? 0) + 1;
    }
    return this.live.size;
  }

  /**
   * Graceful shutdown: refuses new sessions, closes every open one with
   * `code` and `reason` (each receiver gets the close frame), then waits up
   * to `timeout` ms for in-flight responses and sockets before cutting them.
   */
  async shutdown(code: number, reason: string, timeout: number): Promise<void> {
    this.closing = true;
    for (const session of [...this.live]) session.close(code, reason);
    if (this.inflight.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          for (const item of [...this.inflight]) item.destroy();
          resolve();
        }, timeout);
        timer.unref();
        this.idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    for (const session of [...this.live]) session.destroy();
    this.wss?.close();
  }
}
