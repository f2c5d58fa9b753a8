// Starting and stopping servers in tests: every test server listens on
// 127.0.0.1 through `listen`, remembers its sockets (`trackSockets`) and is
// stopped with `stopHttp`.

import http from 'node:http';
import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Http1Server, SockJSServer } from '../../packages/server/src/index.js';

type AnyServer = http.Server | Http1Server | net.Server;

/** Listens on 127.0.0.1 (an ephemeral port unless given); resolves with the port. */
export async function listen(server: AnyServer, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

const SOCKETS = Symbol('test sockets');
type Tracked = AnyServer & { [SOCKETS]?: Set<net.Socket> };

/** Remembers a server's sockets, so that stopHttp can cut them. */
export function trackSockets(server: AnyServer): void {
  const sockets = new Set<net.Socket>();
  (server as Tracked)[SOCKETS] = sockets;
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
}

/** Closes the server and cuts every connection (and SockJS session) at once. */
export function stopHttp(server: AnyServer, sockjs: SockJSServer[] = []): Promise<void> {
  for (const s of sockjs) void s.close(undefined, undefined, 0);
  return new Promise((resolve) => {
    server.close(() => resolve());
    if (server instanceof http.Server) server.closeAllConnections();
    for (const socket of (server as Tracked)[SOCKETS] ?? []) socket.destroy();
  });
}
