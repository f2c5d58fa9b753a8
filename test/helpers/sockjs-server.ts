// Our SockJS server in tests: one HTTP server on 127.0.0.1 with a SockJS
// server per service under its prefix.

import http from 'node:http';
import {
  type Connection,
  createHttp1Server,
  createServer,
  type Http1Server,
  type ServerOptions,
  type SockJSServer,
} from '../../packages/server/src/index.js';
import { listen, trackSockets } from './http-server.ts';
import { withDeadline } from './timing.ts';

/**
 * SOCKJS_TEST_HTTP1=1 runs the tests that use startSockjsServer() on the
 * server's own HTTP/1.1 layer (createHttp1Server) instead of node:http;
 * scripts/test.js runs the HTTP-level suites both ways.
 */
export const HTTP1 = process.env.SOCKJS_TEST_HTTP1 === '1';

/** A SockJS service: its prefix and the application run on each connection. */
export interface SockjsService {
  readonly prefix: string;
  readonly app: (conn: Connection) => void;
}

/** An echo at /echo: every message goes back to its sender. */
export const ECHO_SERVICE: SockjsService = {
  prefix: '/echo',
  app: (conn) => conn.on('data', (m) => conn.write(m)),
};

export interface RunningSockjs {
  readonly http: http.Server | Http1Server;
  readonly port: number;
  readonly base: string;
  /** One SockJS server per service, in the order given. */
  readonly sockjs: SockJSServer[];
  /** Every connection the services emitted, in order. */
  readonly connections: Connection[];
  /** Resolves with the connection of session `id` once it opens. */
  connection(id: string, ms?: number): Promise<Connection>;
}

/**
 * An HTTP server (node:http, or the HTTP/1.1 layer under SOCKJS_TEST_HTTP1)
 * with one SockJS server per service, all taking `options`. Other URLs get a
 * 404 from a plain 'request' listener installed before SockJS.
 */
export async function startSockjsServer(
  options: ServerOptions,
  services: readonly SockjsService[],
): Promise<RunningSockjs> {
  const server: http.Server | Http1Server = HTTP1 ? createHttp1Server() : http.createServer();
  server.removeAllListeners('request');
  server.on('request', (_req: unknown, res: http.ServerResponse) => {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not sockjs\n');
  });
  trackSockets(server);
  const connections: Connection[] = [];
  const waiting = new Map<string, (c: Connection) => void>();
  const sockjs = services.map(({ prefix, app }) => {
    const service = createServer(options);
    service.on('connection', (conn) => {
      connections.push(conn);
      app(conn);
      waiting.get(conn.id)?.(conn);
    });
    service.installHandlers(server, { prefix });
    return service;
  });
  const port = await listen(server);
  return {
    http: server,
    port,
    base: `http://127.0.0.1:${port}`,
    sockjs,
    connections,
    connection(id, ms = 5000) {
      const known = connections.find((c) => c.id === id);
      if (known) return Promise.resolve(known);
      return withDeadline(
        new Promise<Connection>((resolve) => waiting.set(id, resolve)),
        ms,
        `connection ${id}`,
      );
    },
  };
}
