// The SockJS server: sockjs-node's createServer() API, typed.

import { EventEmitter } from 'node:events';
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { CloseCode, CloseReason } from '@sockjs-ts/protocol';
import type { Connection } from './connection.js';
import { Counters, type ServerStats } from './diagnostics.js';
import { Endpoint, type EndpointOwner } from './endpoint.js';
import type { HttpRequest, HttpResponse } from './http-types.js';
import { fallbackListeners, type Http1Server } from './http1/index.js';
import { takesUnprefixed } from './mount.js';
import { resolveOptions, type ServerOptions } from './options.js';
import type { Session } from './session.js';
import { TimerWheel } from './timer-wheel.js';

export interface ServerEvents {
  /** A session opened. */
  connection: [conn: Connection];
  /** Legacy name of 'connection' (sockjs-node's early API); emitted after it. */
  open: [conn: Connection];
}

/** Client script the iframe page loads when no sockjs_url is given. */
export const DEFAULT_SOCKJS_URL = 'https://cdn.jsdelivr.net/npm/sockjs-client@1/dist/sockjs.min.js';

type RequestListener = (req: HttpRequest, res: HttpResponse) => void;
type UpgradeListener = (req: HttpRequest, socket: Duplex, head: Buffer) => void;

export class SockJSServer extends EventEmitter<ServerEvents> implements EndpointOwner {
  readonly options: ServerOptions;
  readonly wheel = new TimerWheel<Session>();
  /** @internal */
  readonly counters = new Counters();
  private readonly endpoints: Endpoint[] = [];
  private closePromise: Promise<void> | null = null;

  constructor(options: ServerOptions = {}) {
    super();
    this.options = options;
    // Fail early on bad options rather than at the first request.
    resolveOptions(options);
  }

  /** @internal */
  connection(session: Session): void {
    this.emit('connection', session.connection);
    // Free when nobody listens: emit() returns at once without listeners.
    this.emit('open', session.connection);
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
      if (endpoint.handleRequest(req, res)) return;
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
    };
  }

  /**
   * Graceful shutdown: new sessions are refused (503), every open session is
   * closed with `code` and `reason` on its transport, and the promise
   * resolves once in-flight responses and sockets have finished, or after
   * `timeout` ms, when the rest are cut. The HTTP server is left to the caller.
   */
  close(
    code: number = CloseCode.GoingAway,
    reason: string = CloseReason.GoingAway,
    timeout = 5000,
  ): Promise<void> {
    this.closePromise ??= Promise.all(
      this.endpoints.map((e) => e.shutdown(code, reason, timeout)),
    ).then(() => this.wheel.clear());
    return this.closePromise;
  }
}

/** Creates a SockJS server (sockjs-node's `sockjs.createServer`). */
export function createServer(options?: ServerOptions): SockJSServer {
  return new SockJSServer(options);
}
