// The HTTP/1.1 layer's server: a net.Server shaped like node:http's Server
// for what SockJS needs, for a port that serves only SockJS. Each response
// goes out in one write, and an idle connection is a socket and one small
// object.

import { Server as NetServer, type Socket } from 'node:net';
import { Http1Connection } from './connection.js';
import { Deadlines } from './deadlines.js';
import { type Http1Options, type ResolvedHttp1Options, resolveHttp1Options } from './options.js';
import type { Http1Request } from './request.js';
import type { Http1Response } from './response.js';

export interface Http1ServerEvents {
  request: [req: Http1Request, res: Http1Response];
  upgrade: [req: Http1Request, socket: Socket, head: Buffer];
}

/**
 * A net.Server that speaks HTTP/1.1 with the layer of this module, shaped
 * like node:http's Server for what SockJS needs: 'request' (req, res) and
 * 'upgrade' (req, socket, head) events, so installHandlers() takes it. A
 * request nobody answers gets 404; an upgrade nobody takes is cut. close()
 * also ends the keep-alive connections waiting for a request, and makes the
 * busy ones close after their response.
 */
export class Http1Server extends NetServer {
  readonly options: ResolvedHttp1Options;
  /** @internal */
  readonly deadlines = new Deadlines();
  /** Requests refused as unreadable, by status (400, 408, 413, 431, 501, 505). */
  readonly refusals = new Map<number, number>();
  /** @internal Whether the server shuts down: responses close their connections. */
  closing = false;

  constructor(options: Http1Options = {}) {
    super();
    this.options = resolveHttp1Options(options);
    this.on('connection', (socket: Socket) => this.serve(socket));
    this.on('request', answerUnclaimed);
    this.on('upgrade', cutUnclaimed);
  }

  /** Serves HTTP/1.1 on a socket connected elsewhere (say a tls.Server's). */
  serve(socket: Socket): void {
    socket.setNoDelay(true);
    new Http1Connection(socket, this);
  }

  override close(callback?: (err?: Error) => void): this {
    super.close(callback);
    this.closing = true;
    this.deadlines.closeIdle();
    return this;
  }

  /** @internal */
  refused(status: number): void {
    this.refusals.set(status, (this.refusals.get(status) ?? 0) + 1);
  }
}

const FALLBACK = Symbol('sockjs-ts fallback listener');

function markFallback<F extends object>(listener: F): F {
  return Object.assign(listener, { [FALLBACK]: true });
}

// The first listeners of every Http1Server, for requests and upgrades nobody
// else takes: installHandlers() keeps them as the fallback for those outside
// its prefix. They step aside once the application listens too (before or
// after installHandlers), so that its own answer is the only one.
const answerUnclaimed = markFallback(function answerUnclaimed(
  this: Http1Server,
  _req: Http1Request,
  res: Http1Response,
): void {
  if (this.listenerCount('request') !== 1) return;
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=UTF-8', 'Content-Length': 10 });
  res.end('Not found\n');
});
const cutUnclaimed = markFallback(function cutUnclaimed(
  this: Http1Server,
  _req: Http1Request,
  socket: Socket,
): void {
  if (this.listenerCount('upgrade') !== 1) return;
  socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
});

/**
 * @internal The listeners installHandlers() falls back to: those the server
 * had, without the Http1Server's own 404 when the application has its own.
 */
export function fallbackListeners<F extends object>(listeners: F[]): F[] {
  return listeners.length > 1 ? listeners.filter((l) => !(FALLBACK in l)) : listeners;
}

/** Creates an HTTP/1.1 server for SockJS (see Http1Server). */
export function createHttp1Server(options?: Http1Options): Http1Server {
  return new Http1Server(options);
}
