// Express 5, SockJS mounted at /echo. Express strips the mount path off
// req.url; SockJS reads the whole URL (req.originalUrl), so the prefix is the
// full path. The upgrade event never goes through Express: it is the HTTP
// server's, and handleUpgrade needs the prefix to know its URLs.
import http from 'node:http';
import { createServer } from '@sockjs-ts/server';
import express from 'express';

export async function start(port = 8080, host = '127.0.0.1') {
  const sockjs = createServer({ prefix: '/echo' });
  sockjs.on('connection', (conn) => conn.on('data', (message) => conn.write(message)));

  const app = express();
  app.use('/echo', (req, res, next) => sockjs.handleRequest(req, res) || next());
  app.get('/', (_req, res) => res.send('the rest of the app'));

  const server = http.createServer(app);
  server.on('upgrade', (req, socket, head) => {
    if (!sockjs.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise((resolve) => server.listen(port, host, resolve));
  return { server, sockjs };
}
