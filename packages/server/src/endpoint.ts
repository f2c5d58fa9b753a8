// One SockJS service under one prefix: its options, sessions and routes.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { routePath, TRANSPORT_METHODS, type TransportName } from '@sockjs-ts/protocol';
import { WebSocketServer } from 'ws';
import { answer404, answer405, answerOptions, answerText } from './http-util.js';
import type { ResolvedOptions } from './options.js';
import { greeting, type IframePage, iframe, info, makeIframePage } from './pages.js';
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
  connection(session: Session): void;
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
  private readonly owner: EndpointOwner;
  private readonly iframePage: IframePage;
  private wss: WebSocketServer | null = null;

  constructor(options: ResolvedOptions, owner: EndpointOwner, defaultSockjsUrl: string) {
    this.options = options;
    this.owner = owner;
    this.wheel = owner.wheel;
    this.iframePage = makeIframePage(options.sockjsUrl ?? defaultSockjsUrl);
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
    this.owner.connection(session);
  }

  closed(_session: Session): void {}

  expired(session: Session): void {
    if (this.sessions.get(session.id) === session) this.sessions.delete(session.id);
    this.live.delete(session);
  }

  // Routing

  /** Serves the request if it is under this prefix; returns whether it did. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    const path = pathBelow(req.url, this.options.prefix);
    if (path === null) return false;
    const route = routePath(path);
    const method = req.method ?? 'GET';
    if (route === null) {
      answer404(res);
      return true;
    }
    switch (route.kind) {
      case 'greeting':
        if (method === 'GET' || method === 'HEAD') greeting(res);
        else answer405(res, ['GET']);
        return true;
      case 'info':
        if (method === 'GET' || method === 'OPTIONS') info(req, res, this.options);
        else answer405(res, ['OPTIONS', 'GET']);
        return true;
      case 'iframe':
        if (method === 'GET' || method === 'HEAD') iframe(req, res, this.iframePage);
        else answer405(res, ['GET']);
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
        if (method === 'OPTIONS') {
          answerOptions(req, res, this.options, 'OPTIONS, POST');
          return true;
        }
        HTTP_TRANSPORTS[route.transport]!({ req, res, sessionId: route.sessionId, endpoint: this });
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
    socket.on('error', () => {});
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
    const raw = route.kind === 'raw-websocket';
    const sessionId = route.kind === 'session' ? route.sessionId : '';
    const start = (ws: WebSocketLike) => {
      const protocol = raw ? 'websocket-raw' : 'websocket';
      const session = new Session(sessionId || randomUUID(), this, req, protocol);
      this.live.add(session);
      if (raw) startRawWebSocketSession(ws, session, this.options.maxMessageSize);
      else startWebSocketSession(ws, session, this.options.maxMessageSize);
    };
    if (!raw && isHixie76(req)) {
      const hixie = new Hixie76Socket(socket, this.options.maxBodySize);
      const scheme = (socket as { encrypted?: boolean }).encrypted ? 'wss' : 'ws';
      hixie.accept(req, head, `${scheme}://${req.headers.host ?? ''}${req.url ?? ''}`, () =>
        start(hixie),
      );
      return true;
    }
    this.webSocketServer().handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => {});
      start(ws);
    });
    return true;
  }

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

  /** Closes every session now. */
  closeAll(code: number, reason: string): void {
    for (const session of [...this.live]) {
      session.close(code, reason);
      session.destroy();
    }
  }
}
