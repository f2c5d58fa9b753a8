// Koa 3. Koa answers every request when its middleware returns, unless told
// the response is taken: ctx.respond = false.
import http from 'node:http';
import { createServer } from '@sockjs-ts/server';
import Koa from 'koa';

export async function start(port = 8080, host = '127.0.0.1') {
  const sockjs = createServer({ prefix: '/echo' });
  sockjs.on('connection', (conn) => conn.on('data', (message) => conn.write(message)));

  const app = new Koa();
  app.use((ctx, next) => {
    if (!sockjs.handleRequest(ctx.req, ctx.res)) return next();
    ctx.respond = false;
  });
  app.use((ctx) => {
    ctx.body = 'the rest of the app';
  });

  const server = http.createServer(app.callback());
  server.on('upgrade', (req, socket, head) => {
    if (!sockjs.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise((resolve) => server.listen(port, host, resolve));
  return { server, sockjs };
}
