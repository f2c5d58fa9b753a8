// The websocket path of an endpoint: the upgrade requests for its two
// websocket URLs (the SockJS session one and the raw one), through `ws` for
// RFC 6455 or our own hixie-76 socket, and the answers those URLs get when
// they arrive as plain HTTP requests.

import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { type Route, routePath } from '@sockjs-ts/protocol';
import { WebSocketServer } from 'ws';
import type { Admission } from './admission.js';
import type { RemoteSession } from './forwarding.js';
import { type HttpRequest, type HttpResponse, nodeRequest } from './http-types.js';
import { answer404, answer405, answerText } from './http-util.js';
import type { InFlight } from './inflight.js';
import type { ResolvedOptions } from './options.js';
import type { SocketTracker, WebSocketLike } from './receivers/socket-receiver.js';
import { resumeQuery } from './resume.js';
import type { Session } from './session.js';
import { Hixie76Socket } from './transports/hixie76.js';
import { rawWebSocket } from './transports/raw-websocket.js';
import {
  isHixie76,
  RemoteWebSocketReceiver,
  reattachWebSocket,
  refuseWebSocket,
  sockjsWebSocket,
} from './transports/websocket.js';

// Module-level so that the listeners left on long-lived sockets do not hold
// the context of the function that added them (and its request).
function ignoreError(): void {}

function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
        `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
    );
  }
}

function isWebSocketRoute(route: Route | null): route is Route {
  return (
    route !== null &&
    (route.kind === 'raw-websocket' ||
      (route.kind === 'session' && route.transport === 'websocket'))
  );
}

/** A websocket URL reached as a plain HTTP request. */
export function answerWebSocketWithoutUpgrade(
  req: HttpRequest,
  res: HttpResponse,
  options: ResolvedOptions,
): void {
  if (!options.websocket) {
    answer404(res);
  } else if (req.method !== 'GET') {
    answer405(res, ['GET']);
  } else if (String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
    answerText(res, 400, 'Can "Upgrade" only to "WebSocket".');
  } else {
    answerText(res, 400, '"Connection" must be "Upgrade".');
  }
}

/** Everything the upgrade path needs to know about one websocket transport. */
export interface WebSocketTransport {
  /** The Connection's `protocol`. */
  readonly protocol: string;
  /** Whether a hixie-76 handshake is answered (RFC 6455 always is). */
  readonly acceptsHixie76: boolean;
  /** Wires an open WebSocket to its fresh session. */
  start(ws: WebSocketLike, session: Session, tracker: SocketTracker): void;
}

/** Where an upgraded socket gets its session: the endpoint that hosts them. */
export interface WebSocketSessionHost {
  /**
   * A new session of its own for one socket (never shared, so never looked
   * up by id), with what allowRequest gave as its connection's data.
   */
  openSocketSession(
    id: string,
    req: HttpRequest,
    protocol: string,
    admitted: unknown,
    resumable: boolean,
  ): Session;
  /**
   * Any-node mode: claims the id of a resumable session in the cluster
   * before its socket opens, so that a reattach through any node finds it
   * from its `o` frame on. Resolves whether the session may be found by id
   * (false when another node holds the id); null without a cluster.
   */
  claimSocketSession(id: string): Promise<boolean> | null;
  /** Gives back a claim whose socket never opened. */
  unclaimSocketSession(id: string): void;
  /** The session a reattach (`resume=<ack>`) is for, if this process hosts it. */
  findSession(id: string): Session | undefined;
  /** Any-node mode: the session on its owner, when another node has it; else null. */
  ownerOf(id: string): Promise<RemoteSession | null>;
  /** A reattach was answered 2012 (for diagnostics). */
  resumeRefused(): void;
  limitHit(limit: 'body', size: number, max: number): void;
}

export class WebSocketUpgrades {
  private readonly options: ResolvedOptions;
  private readonly admission: Admission;
  /** Open sockets, so that shutdown can wait for them. */
  private readonly inflight: InFlight;
  private readonly host: WebSocketSessionHost;
  private wss: WebSocketServer | null = null;

  constructor(
    options: ResolvedOptions,
    admission: Admission,
    inflight: InFlight,
    host: WebSocketSessionHost,
  ) {
    this.options = options;
    this.admission = admission;
    this.inflight = inflight;
    this.host = host;
  }

  /** Answers an upgrade request for `path`, the part of its URL below the prefix. */
  handle(req: HttpRequest, socket: Duplex, head: Buffer, path: string): void {
    socket.on('error', ignoreError);
    const route = routePath(path);
    if (!isWebSocketRoute(route) || !this.options.websocket) {
      rejectUpgrade(socket, 404, 'Not Found');
      return;
    }
    if (req.method !== 'GET') {
      if (socket.writable) {
        socket.end(
          'HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
        );
      }
      return;
    }
    if (String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      rejectUpgrade(socket, 400, 'Bad Request');
      return;
    }
    const originRefusal = this.admission.originRefusal(req, false);
    if (originRefusal !== null) {
      rejectUpgrade(socket, originRefusal.status, originRefusal.reason);
      return;
    }
    // The resume extension (docs/resume.md): a reattach opens no session.
    const resume =
      route.kind === 'session' ? resumeQuery(req.url, this.options.resumeWindow) : null;
    this.admission.admit(
      req,
      typeof resume !== 'number',
      (admitted) => {
        // Any-node mode: a reattach for a session another node owns goes
        // there, and a resumable session is claimed before it opens.
        if (resume === 'new' && route.kind === 'session') {
          const claim = this.host.claimSocketSession(route.sessionId);
          if (claim === null) {
            this.upgrade(req, socket, head, route, resume, admitted);
          } else {
            claim.then((findable) =>
              this.upgrade(req, socket, head, route, resume, admitted, null, findable, true),
            );
          }
        } else if (typeof resume !== 'number' || Number.isNaN(resume) || route.kind !== 'session') {
          this.upgrade(req, socket, head, route, resume, admitted);
        } else if (this.host.findSession(route.sessionId) !== undefined) {
          this.upgrade(req, socket, head, route, resume, admitted);
        } else {
          this.host
            .ownerOf(route.sessionId)
            .then((remote) => this.upgrade(req, socket, head, route, resume, admitted, remote));
        }
      },
      (refusal) => rejectUpgrade(socket, refusal.status, refusal.reason),
    );
  }

  private upgrade(
    req: HttpRequest,
    socket: Duplex,
    head: Buffer,
    route: Route,
    resume: 'new' | number | null,
    admitted: unknown,
    remote: RemoteSession | null = null,
    findable = true,
    claimed = false,
  ): void {
    const sessionId = route.kind === 'session' ? route.sessionId : '';
    if (socket.destroyed) {
      if (claimed) this.host.unclaimSocketSession(sessionId);
      return;
    }
    const transport = route.kind === 'raw-websocket' ? rawWebSocket : sockjsWebSocket;
    let started = false;
    const start = (ws: WebSocketLike) => {
      started = true;
      if (remote !== null && typeof resume === 'number') {
        remote.reattaching(resume).attach(new RemoteWebSocketReceiver(ws, remote));
        return;
      }
      if (typeof resume === 'number') {
        const found = Number.isNaN(resume) ? undefined : this.host.findSession(sessionId);
        if (found !== undefined) {
          reattachWebSocket(ws, found, this.inflight, resume);
        } else {
          this.host.resumeRefused();
          refuseWebSocket(ws);
        }
        return;
      }
      const id = sessionId || randomUUID();
      const session = this.host.openSocketSession(
        id,
        req,
        transport.protocol,
        admitted,
        resume === 'new' && findable,
      );
      transport.start(ws, session, this.inflight);
    };
    if (transport.acceptsHixie76 && isHixie76(req)) {
      const hixie = new Hixie76Socket(socket, this.options.maxBodySize);
      const scheme = (socket as { encrypted?: boolean }).encrypted ? 'wss' : 'ws';
      hixie.accept(req, head, `${scheme}://${req.headers.host ?? ''}${req.url ?? ''}`, () =>
        start(hixie),
      );
    } else {
      this.webSocketServer().handleUpgrade(nodeRequest(req), socket, head, (ws) => {
        ws.on('error', this.webSocketError);
        start(ws);
      });
    }
    // A handshake refused or dropped before the socket opened leaves its claim unused.
    if (claimed && !started) {
      socket.once('close', () => {
        if (!started) this.host.unclaimSocketSession(sessionId);
      });
    }
  }

  // One listener for every WebSocket of the endpoint. A closure made inside
  // upgrade() would share its context, and with it keep the upgrade request
  // (headers, raw headers, streams: about 2 KiB) alive as long as the socket.
  private readonly webSocketError = (err: Error & { code?: string }): void => {
    if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      this.host.limitHit('body', Number.NaN, this.options.maxBodySize);
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

  close(): void {
    this.wss?.close();
  }
}
