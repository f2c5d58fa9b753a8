// One SockJS service under one prefix: its options, the sessions it hosts
// and the routing of its HTTP requests (upgrades go to websocket-upgrade.ts).

import type { Duplex } from 'node:stream';
import {
  type NumberedBatch,
  ReadyState,
  routePath,
  type SessionTimings,
  type TransportName,
} from '@sockjs-ts/protocol';
import { Admission } from './admission.js';
import type { Channels } from './channels.js';
import { type ClientBundle, loadClientBundle } from './client-bundle.js';
import {
  type Counters,
  publishLimit,
  sessionCloseChannel,
  sessionOpenChannel,
  sessionResumeChannel,
} from './diagnostics.js';
import type {
  AttachTarget,
  Forwarder,
  ForwardingEndpoint,
  Placement,
  RemoteSession,
  SendStatus,
} from './forwarding.js';
import type { HttpRequest, HttpResponse } from './http-types.js';
import { answer404, answer405, answerOptions, answerText, setJsessionid } from './http-util.js';
import { InFlight } from './inflight.js';
import { clientPath, pathBelow } from './mount.js';
import type { ResolvedOptions } from './options.js';
import { clientScript, greeting, type IframePage, iframe, info, makeIframePage } from './pages.js';
import type { Receiver } from './receivers/receiver.js';
import { refuseResume, resumeQuery } from './resume.js';
import { Session, type SessionHost, sendStatus } from './session.js';
import { SessionTable } from './sessions.js';
import type { TimerWheel } from './timer-wheel.js';
import { eventSource } from './transports/eventsource.js';
import { htmlFile } from './transports/htmlfile.js';
import type {
  HttpTransport,
  SessionEndpoint,
  TransportRequest,
} from './transports/http-transport.js';
import { jsonpPolling } from './transports/jsonp-polling.js';
import { jsonpSend } from './transports/jsonp-send.js';
import { xhrPolling } from './transports/xhr-polling.js';
import { xhrSend } from './transports/xhr-send.js';
import { xhrStreaming } from './transports/xhr-streaming.js';
import {
  answerWebSocketWithoutUpgrade,
  type WebSocketSessionHost,
  WebSocketUpgrades,
} from './websocket-upgrade.js';

// The session URLs served over plain HTTP, by the last segment of the URL.
// The websocket transport is not here: it comes through the upgrade path.
const HTTP_TRANSPORTS: ReadonlyMap<TransportName, HttpTransport> = new Map(
  [xhrPolling, xhrSend, xhrStreaming, eventSource, htmlFile, jsonpPolling, jsonpSend].map(
    (transport) => [transport.name, transport],
  ),
);

/** What an endpoint needs from the server that owns it. */
export interface EndpointOwner {
  readonly wheel: TimerWheel<Session>;
  readonly counters: Counters;
  readonly channels: Channels;
  /** Any-node mode's forwarding, or null when sessions stay where they are made. */
  readonly forwarder: Forwarder | null;
  connection(session: Session): void;
}

/** Where a reattach that finds no session goes: 2012, and no session made. */
const CANNOT_RESUME: AttachTarget = { attach: refuseResume };

/** A receiving request with `resume=<ack>` for a session here. */
class Reattach implements AttachTarget {
  private readonly session: Session;
  private readonly ack: number;
  constructor(session: Session, ack: number) {
    this.session = session;
    this.ack = ack;
  }
  attach(receiver: Receiver): void {
    this.session.resumeAttach(receiver, this.ack);
  }
}

export class Endpoint
  implements SessionEndpoint, SessionHost, WebSocketSessionHost, ForwardingEndpoint
{
  readonly options: ResolvedOptions;
  readonly resumeTimings: SessionTimings;
  readonly wheel: TimerWheel<Session>;
  /** The sessions this endpoint hosts: found by id, counted, shut down. */
  readonly sessions = new SessionTable();
  readonly counters: Counters;
  readonly channels: Channels;
  private readonly admission: Admission;
  /** Responses and sockets in flight, so that shutdown can wait for them. */
  private readonly inflight = new InFlight();
  private readonly owner: EndpointOwner;
  private readonly iframePage: IframePage;
  /** Iframe pages that load our own bundle, by the directory they are served from. */
  private readonly iframePages = new Map<string, IframePage>();
  /** Our own client bundle, served when no sockjs_url is configured. */
  private readonly bundle: ClientBundle | null;
  private readonly upgrades: WebSocketUpgrades;
  private readonly forwarder: Forwarder | null;

  constructor(options: ResolvedOptions, owner: EndpointOwner, defaultSockjsUrl: string) {
    this.options = options;
    this.resumeTimings = {
      heartbeatDelay: options.heartbeatDelay,
      disconnectDelay: options.resumeWindow,
    };
    this.owner = owner;
    this.wheel = owner.wheel;
    this.counters = owner.counters;
    this.channels = owner.channels;
    this.admission = new Admission(options, owner.counters);
    this.bundle = options.sockjsUrl === undefined ? loadClientBundle() : null;
    this.upgrades = new WebSocketUpgrades(options, this.admission, this.inflight, this);
    this.iframePage = makeIframePage(options.sockjsUrl ?? defaultSockjsUrl);
    this.forwarder = owner.forwarder;
    this.forwarder?.register(this);
  }

  // SessionEndpoint

  getSession(id: string): Session | undefined {
    return this.sessions.find(id);
  }

  getOrCreateSession(request: TransportRequest, protocol: string): AttachTarget {
    const resume = request.resume;
    if (typeof resume === 'number') {
      // A reattach: forwarded as it is, or served here; it never makes a session.
      if (Number.isNaN(resume)) return this.cannotResume();
      if (request.remote !== undefined) return request.remote.reattaching(resume);
      const found = this.sessions.find(request.sessionId);
      return found === undefined ? this.cannotResume() : new Reattach(found, resume);
    }
    if (request.remote !== undefined) return request.remote;
    const id = request.sessionId;
    let session = this.sessions.find(id);
    if (session === undefined) {
      session = new Session(id, this, request.req, protocol, request.admitted, resume !== null);
      this.sessions.host(session, true);
    }
    return session;
  }

  private cannotResume(): AttachTarget {
    this.resumeRefused();
    return CANNOT_RESUME;
  }

  // WebSocketSessionHost

  openSocketSession(
    id: string,
    req: HttpRequest,
    protocol: string,
    admitted: unknown,
    resumable: boolean,
  ): Session {
    // A resumable websocket session is found by id when its client comes
    // back; an id already in use here stays with its session.
    const addressable = resumable && this.sessions.find(id) === undefined;
    const session = new Session(id, this, req, protocol, admitted, addressable);
    this.sessions.host(session, addressable);
    return session;
  }

  claimSocketSession(id: string): Promise<boolean> | null {
    if (this.forwarder === null) return null;
    // Unreachable registry: the session opens here all the same, found by
    // id on this node only.
    return this.forwarder.place(this, id, true).then((placement) => placement.kind !== 'remote');
  }

  unclaimSocketSession(id: string): void {
    if (this.sessions.find(id) === undefined) this.forwarder?.released(id);
  }

  findSession(id: string): Session | undefined {
    return this.sessions.find(id);
  }

  async ownerOf(id: string): Promise<RemoteSession | null> {
    if (this.forwarder === null) return null;
    const placement = await this.forwarder.place(this, id, false);
    return placement.kind === 'remote' ? placement.session : null;
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

  resumed(session: Session, ack: number, replayed: number, takeover: boolean): void {
    this.counters.resumes++;
    if (sessionResumeChannel.hasSubscribers) {
      sessionResumeChannel.publish({
        id: session.id,
        transport: session.connection.protocol,
        prefix: this.options.prefix,
        ack,
        replayed,
        takeover,
      });
    }
  }

  resumeRefused(): void {
    this.counters.resumesRefused++;
  }

  expired(session: Session): void {
    const addressable = this.sessions.find(session.id) === session;
    this.sessions.release(session);
    if (addressable) this.forwarder?.released(session.id);
  }

  // ForwardingEndpoint

  deliver(
    session: Session | undefined,
    messages: string[],
    numbered?: NumberedBatch,
    bySocket = false,
  ): SendStatus {
    if (session === undefined || session.readyState !== ReadyState.OPEN) return 404;
    if (numbered !== undefined && session.resume === null) {
      // A plain session takes the counters as messages, as a local send would.
      messages = [String(numbered.seq), String(numbered.ack), ...numbered.messages];
    } else if (session.resume !== null) {
      if (numbered === undefined) return 404;
      return sendStatus(session.receiveBatch(numbered, bySocket));
    }
    const max = this.options.maxMessageSize;
    for (const m of messages) {
      if (m.length > max) {
        session.messageTooBig(m.length);
        return 413;
      }
    }
    for (const m of messages) session.receive(m);
    return 204;
  }

  sessionIds(): Iterable<string> {
    return this.sessions.ids();
  }

  limitHit(limit: 'body' | 'message' | 'queue', size: number, max: number, id?: string): void {
    publishLimit({ limit, prefix: this.options.prefix, size, max, ...(id ? { id } : {}) });
  }

  // Routing

  /** Serves the request if it is under this prefix; returns whether it did. */
  handleRequest(req: HttpRequest, res: HttpResponse): boolean {
    const path = pathBelow(req, this.options.prefix);
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
        const refusal = this.admission.originRefusal(req, false);
        if (refusal !== null) answerText(res, refusal.status, refusal.reason);
        else info(req, res, this.options, this.admission.origins.advertised);
        return true;
      }
      case 'iframe':
        if (method === 'GET' || method === 'HEAD') {
          iframe(req, res, this.iframePageFor(req), this.admission.origins.frameAncestors(req));
        } else {
          answer405(res, ['GET']);
        }
        return true;
      case 'raw-websocket':
        answerWebSocketWithoutUpgrade(req, res, this.options);
        return true;
      case 'session': {
        const transport = HTTP_TRANSPORTS.get(route.transport);
        if (transport === undefined) {
          answerWebSocketWithoutUpgrade(req, res, this.options);
          return true;
        }
        if (this.options.disabledTransports.includes(transport.name)) {
          answer404(res);
          return true;
        }
        if (!transport.methods.includes(method)) {
          answer405(res, transport.methods);
          return true;
        }
        const originRefusal = this.admission.originRefusal(req, transport.loadedWithoutOrigin);
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
        this.inflight.track(res);
        const resume = transport.opensSession
          ? resumeQuery(req.url, this.options.resumeWindow)
          : null;
        const forwarder = this.forwarder;
        if (forwarder !== null && this.sessions.find(sessionId) === undefined) {
          // A reattach claims no id: it finds its session or none.
          forwarder
            .place(this, sessionId, transport.opensSession && typeof resume !== 'number')
            .then((placement) =>
              this.startPlaced(transport, req, res, sessionId, resume, placement),
            );
          return true;
        }
        this.admitAndStart(transport, req, res, sessionId, resume);
        return true;
      }
    }
  }

  /** Runs allowRequest for a request that opens a session here, then its transport. */
  private admitAndStart(
    transport: HttpTransport,
    req: HttpRequest,
    res: HttpResponse,
    sessionId: string,
    resume: 'new' | number | null,
  ): void {
    const opensSession =
      transport.opensSession &&
      typeof resume !== 'number' &&
      this.sessions.find(sessionId) === undefined;
    // Most requests have nothing to decide: no closures for them.
    if (!this.admission.decides(opensSession)) {
      this.startTransport(transport, req, res, sessionId, resume, undefined);
      return;
    }
    this.admission.admit(
      req,
      opensSession,
      (admitted) => this.startTransport(transport, req, res, sessionId, resume, admitted),
      (refusal) => {
        // Any-node mode: the id this request claimed goes back.
        if (this.forwarder !== null && this.sessions.find(sessionId) === undefined) {
          this.forwarder.released(sessionId);
        }
        answerText(res, refusal.status, refusal.reason);
      },
    );
  }

  /** Any-node mode: serves a request once the registry said where its session lives. */
  private startPlaced(
    transport: HttpTransport,
    req: HttpRequest,
    res: HttpResponse,
    sessionId: string,
    resume: 'new' | number | null,
    placement: Placement,
  ): void {
    switch (placement.kind) {
      case 'here':
      case 'unknown':
        this.admitAndStart(transport, req, res, sessionId, resume);
        return;
      case 'remote':
        this.startTransport(transport, req, res, sessionId, resume, undefined, placement.session);
        return;
      case 'unavailable':
        // The registry cannot say where the session is: fail at once.
        req.resume();
        if (!res.destroyed && !res.headersSent) answerText(res, 503, 'Service unavailable.');
        return;
    }
  }

  /**
   * Hands an admitted session request to its transport, unless its client
   * already left or something else answered it meanwhile (a framework that
   * does not wait while an async allowRequest decides).
   */
  private startTransport(
    transport: HttpTransport,
    req: HttpRequest,
    res: HttpResponse,
    sessionId: string,
    resume: 'new' | number | null,
    admitted: unknown,
    remote?: RemoteSession,
  ): void {
    if (res.destroyed) return;
    if (res.headersSent) {
      this.logError(`${transport.name} answered by someone else before it started`);
      return;
    }
    transport.handle({ req, res, sessionId, endpoint: this, admitted, remote, resume });
  }

  /**
   * The iframe page. With our own bundle it loads the bundle from beside
   * itself, by an absolute path (the protocol's suite requires one) built
   * from the path the client asked for, so it is right wherever a framework
   * mounted the handler. One page per directory, kept for the next requests.
   */
  private iframePageFor(req: HttpRequest): IframePage {
    if (this.bundle === null) return this.iframePage;
    const path = clientPath(req);
    const dir = path.slice(0, path.lastIndexOf('/'));
    let page = this.iframePages.get(dir);
    if (page === undefined) {
      // Only a framework mounting the handler at many paths makes more than one.
      if (this.iframePages.size >= 16) this.iframePages.clear();
      page = makeIframePage(dir + this.bundle.path);
      this.iframePages.set(dir, page);
    }
    return page;
  }

  /** Takes a websocket upgrade if it is under this prefix; returns whether it did. */
  handleUpgrade(req: HttpRequest, socket: Duplex, head: Buffer): boolean {
    const path = pathBelow(req, this.options.prefix);
    if (path === null) return false;
    this.upgrades.handle(req, socket, head, path);
    return true;
  }

  /** Open sessions by transport. */
  countSessions(into: Record<string, number>): number {
    let open = 0;
    for (const session of this.sessions) {
      if (session.readyState !== ReadyState.OPEN) continue;
      const t = session.connection.protocol;
      into[t] = (into[t] ?? 0) + 1;
      open++;
    }
    return open;
  }

  /**
   * Graceful shutdown: refuses new sessions, closes every open one with
   * `code` and `reason` (each receiver gets the close frame), then waits up
   * to `timeout` ms for in-flight responses and sockets before cutting them.
   */
  async shutdown(code: number, reason: string, timeout: number): Promise<void> {
    const deadline = Date.now() + timeout;
    this.admission.closing = true;
    // Receivers here of sessions owned elsewhere end: their clients come back
    // through another node and the sessions go on.
    this.forwarder?.shutdown(this);
    for (const session of this.sessions.snapshot()) session.close(code, reason);
    // A polling client between two requests gets the close frame with its
    // next one, sent at once: wait for it (until the session expires, its
    // client gone, or the timeout), or it would find no session and, behind
    // a proxy that retries elsewhere, a new one ('o': 1006 instead of 1001).
    let awaited = this.sessions.snapshot().filter((s) => s.awaitsCloseFrame);
    while (awaited.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      awaited = awaited.filter((s) => s.awaitsCloseFrame && this.sessions.find(s.id) === s);
    }
    await this.inflight.drain(Math.max(0, deadline - Date.now()));
    for (const session of this.sessions.snapshot()) session.destroy();
    this.upgrades.close();
  }
}
