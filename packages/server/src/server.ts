// The SockJS server: sockjs-node's createServer() API, typed.

import { EventEmitter } from 'node:events';
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { CloseCode, CloseReason, ReadyState } from '@sockjs-ts/protocol';
import { Channels } from './channels.js';
import type { Connection } from './connection.js';
import { Counters, type ServerStats } from './diagnostics.js';
import { Endpoint, type EndpointOwner } from './endpoint.js';
import { Forwarder } from './forwarding.js';
import type { HttpRequest, HttpResponse } from './http-types.js';
import { fallbackListeners, type Http1Server } from './http1/index.js';
import { takesUnprefixed } from './mount.js';
import { resolveOptions, type ServerOptions } from './options.js';
import { type Session, throwLater } from './session.js';
import { TimerWheel } from './timer-wheel.js';

/** The server's events; `Data` is what allowRequest hands to connections. */
export interface ServerEvents<Data = unknown> {
  /** A session opened. */
  connection: [conn: Connection<Data>];
  /** Legacy name of 'connection' (sockjs-node's early API); emitted after it. */
  open: [conn: Connection<Data>];
}

/** Client script the iframe page loads when no sockjs_url is given. */
export const DEFAULT_SOCKJS_URL = 'https://cdn.jsdelivr.net/npm/sockjs-client@1/dist/sockjs.min.js';

type RequestListener = (req: HttpRequest, res: HttpResponse) => void;
type UpgradeListener = (req: HttpRequest, socket: Duplex, head: Buffer) => void;

/**
 * A SockJS server. `Data` types `conn.data`, what allowRequest gives as
 * `{ data }` (e.g. the authenticated user).
 */
export class SockJSServer<Data = unknown>
  extends EventEmitter<ServerEvents<Data>>
  implements EndpointOwner
{
  readonly options: ServerOptions<Data>;
  readonly wheel = new TimerWheel<Session>();
  /** @internal */
  readonly counters = new Counters();
  /** @internal Channel membership and the broker. */
  readonly channels: Channels;
  /** @internal Any-node mode's forwarding (the `cluster` option), or null. */
  readonly forwarder: Forwarder | null;
  private readonly endpoints: Endpoint[] = [];
  private readonly healthPath: string | undefined;
  private closing = false;
  private closePromise: Promise<void> | null = null;

  constructor(options: ServerOptions<Data> = {}) {
    super();
    this.options = options;
    // Fail early on bad options rather than at the first request.
    const resolved = resolveOptions(options);
    this.healthPath = options.health_path ?? options.healthPath;
    if (this.healthPath !== undefined && !this.healthPath.startsWith('/')) {
      throw new TypeError(`health_path must start with '/', got '${this.healthPath}'`);
    }
    this.channels = new Channels(
      { connections: () => this.openConnections() },
      options.broker ?? null,
    );
    this.forwarder =
      options.cluster === undefined
        ? null
        : new Forwarder(options.cluster, resolved.heartbeatDelay, resolved.log);
  }

  /**
   * Sends `message` to every member of `channel`: the connections that
   * joined it here (`conn.join(channel)`) and, with a broker, in every
   * other process. Per publisher, members get messages in publish order.
   */
  publish(channel: string, message: string): void {
    this.channels.publish(channel, message);
  }

  /** Sends `message` to every open connection, here and (with a broker) in every process. */
  broadcast(message: string): void {
    this.channels.broadcast(message);
  }

  /** The connections of this process that joined `channel`. */
  members(channel: string): ReadonlySet<Connection<Data>> {
    return this.channels.membersOf(channel) as ReadonlySet<Connection<Data>>;
  }

  private *openConnections(): Generator<Connection> {
    for (const endpoint of this.endpoints) {
      for (const session of endpoint.sessions) {
        if (session.readyState === ReadyState.OPEN) yield session.connection;
      }
    }
  }

  /** Answers the health URL, if it is one: 200 while serving, 503 once close() began. */
  private answerHealth(req: HttpRequest, res: HttpResponse): boolean {
    if (this.healthPath === undefined) return false;
    const url = req.url ?? '';
    const q = url.indexOf('?');
    if ((q === -1 ? url : url.slice(0, q)) !== this.healthPath) return false;
    const body = JSON.stringify({
      status: this.closing ? 'closing' : 'ok',
      sessions: this.stats().sessions.total,
    });
    res.writeHead(this.closing ? 503 : 200, {
      'Content-Type': 'application/json; charset=UTF-8',
      'Cache-Control': 'no-store',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  }

  /** @internal */
  connection(session: Session): void {
    const conn = session.connection as Connection<Data>;
    // What a handler throws is thrown on by itself once the session is set
    // up: its open frame and what the handler wrote still go out.
    try {
      this.emit('connection', conn);
      // Free when nobody listens: emit() returns at once without listeners.
      this.emit('open', conn);
    } catch (err) {
      throwLater(err);
    }
  }

  /**
   * Adds a prefix served by this server, with options layered over the
   * server's, and returns the endpoint that serves it.
   */
  private addEndpoint(options: ServerOptions | undefined): Endpoint {
    const endpoint = new Endpoint(resolveOptions(this.options, options), this, DEFAULT_SOCKJS_URL);
    this.endpoints.push(endpoint);
    return endpoint;
  }

  /**
   * Serves SockJS on an HTTP server, as sockjs-node does: requests under the
   * prefix go to SockJS, all others to the listeners the server had before.
   */
  installHandlers(server: HttpServer | Http1Server, options?: ServerOptions): this {
    const endpoint = this.addEndpoint(options);
    const requestListeners = fallbackListeners(server.listeners('request') as RequestListener[]);
    server.removeAllListeners('request');
    server.on('request', (req: HttpRequest, res: HttpResponse) => {
      if (endpoint.handleRequest(req, res) || this.answerHealth(req, res)) return;
      for (const listener of requestListeners) listener.call(server, req, res);
    });
    const upgradeListeners = fallbackListeners(server.listeners('upgrade') as UpgradeListener[]);
    server.removeAllListeners('upgrade');
    server.on('upgrade', (req: HttpRequest, socket: Duplex, head: Buffer) => {
      if (endpoint.handleUpgrade(req, socket, head)) return;
      if (upgradeListeners.length === 0) {
        // Nobody else takes upgrades: do not leave the socket hanging.
        socket.on('error', () => {});
        socket.destroy();
        return;
      }
      for (const listener of upgradeListeners) listener.call(server, req, socket, head);
    });
    return this;
  }

  /** Alias of installHandlers. */
  attach(server: HttpServer | Http1Server, options?: ServerOptions): this {
    return this.installHandlers(server, options);
  }

  /**
   * Framework-neutral request handler: serves the request and returns true if
   * its URL is under one of this server's prefixes, else returns false and
   * leaves the response alone. Without any installed prefix, the server's own
   * options (prefix included) apply. Mounted by a framework at a path
   * (Express `app.use('/echo', ...)`), it reads the whole URL; without a
   * prefix it serves at the mount path (mount.ts has the rule).
   */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    return this.route(req, res);
  }

  private route(req: HttpRequest, res: HttpResponse): boolean {
    if (this.answerHealth(req, res)) return true;
    for (const endpoint of this.ownEndpoints()) {
      if (takesUnprefixed(req, endpoint.options.prefix) && endpoint.handleRequest(req, res)) {
        return true;
      }
    }
    return false;
  }

  /** Framework-neutral upgrade handler, as handleRequest. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    return this.routeUpgrade(req, socket, head);
  }

  private routeUpgrade(req: HttpRequest, socket: Duplex, head: Buffer): boolean {
    for (const endpoint of this.ownEndpoints()) {
      if (!takesUnprefixed(req, endpoint.options.prefix)) continue;
      if (endpoint.handleUpgrade(req, socket, head)) return true;
    }
    return false;
  }

  private ownEndpoints(): readonly Endpoint[] {
    if (this.endpoints.length === 0) this.addEndpoint(undefined);
    return this.endpoints;
  }

  /** A snapshot of open sessions by transport and of the traffic counters. */
  stats(): ServerStats {
    const byTransport: Record<string, number> = {};
    let total = 0;
    for (const endpoint of this.endpoints) total += endpoint.countSessions(byTransport);
    const c = this.counters;
    return {
      sessions: { total, byTransport },
      messagesIn: c.messagesIn,
      messagesOut: c.messagesOut,
      bytesIn: c.bytesIn,
      bytesOut: c.bytesOut,
      sessionsOpened: c.sessionsOpened,
      sessionsClosed: c.sessionsClosed,
      rejected: c.rejected,
      resumes: c.resumes,
      resumesRefused: c.resumesRefused,
    };
  }

  /**
   * Graceful shutdown: new sessions are refused (503), every open session is
   * closed with `code` and `reason` on its transport, and the promise
   * resolves once in-flight responses and sockets have finished, or after
   * `timeout` ms, when the rest are cut. The health URL answers 503 from
   * the start, and the broker (if any) closes last. The HTTP server is left
   * to the caller.
   */
  close(
    code: number = CloseCode.GoingAway,
    reason: string = CloseReason.GoingAway,
    timeout = 5000,
  ): Promise<void> {
    this.closing = true;
    this.closePromise ??= Promise.all(this.endpoints.map((e) => e.shutdown(code, reason, timeout)))
      .then(() => this.wheel.clear())
      .then(() => this.forwarder?.close())
      .then(() => this.channels.close());
    return this.closePromise;
  }
}

/** Creates a SockJS server (sockjs-node's `sockjs.createServer`). */
export function createServer<Data = unknown>(options?: ServerOptions<Data>): SockJSServer<Data> {
  return new SockJSServer<Data>(options);
}
