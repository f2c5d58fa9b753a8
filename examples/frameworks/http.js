// Plain node:http. installHandlers serves the prefix and hands every other
// request and upgrade to the listeners the server already had.
import http from 'node:http';
import { createServer } from '@sockjs-ts/server';

export async function start(port = 8080, host = '127.0.0.1') {
  const sockjs = createServer({ prefix: '/echo' });
  sockjs.on('connection', (conn) => conn.on('data', (message) => conn.write(message)));

  const server = http.createServer((_req, res) => res.end('the rest of the app'));
  sockjs.installHandlers(server);
  await new Promise((resolve) => server.listen(port, host, resolve));
  return { server, sockjs };
}
