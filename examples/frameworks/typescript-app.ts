// A TypeScript app: @sockjs-ts/server ships its types, strict mode included.
// node:http here; every recipe above reads the same in TypeScript.
import http from 'node:http';
import { type Connection, createServer, type SockJSServer } from '@sockjs-ts/server';

export interface EchoApp {
  server: http.Server;
  sockjs: SockJSServer;
}

export async function start(port = 8080, host = '127.0.0.1'): Promise<EchoApp> {
  const sockjs = createServer({ prefix: '/echo', heartbeat_delay: 25_000 });
  sockjs.on('connection', (conn: Connection) => {
    conn.on('data', (message: string) => conn.write(message));
  });

  const server = http.createServer((req, res) => {
    if (sockjs.handleRequest(req, res)) return;
    res.end('the rest of the app');
  });
  server.on('upgrade', (req, socket, head) => {
    if (!sockjs.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return { server, sockjs };
}
