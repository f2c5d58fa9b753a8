// Fastify 5. The onRequest hook runs before Fastify reads the body (SockJS
// reads its own); reply.hijack() tells Fastify the response is taken, so it
// neither answers nor waits for one.
import { createServer } from '@sockjs-ts/server';
import Fastify from 'fastify';

export async function start(port = 8080, host = '127.0.0.1') {
  const sockjs = createServer({ prefix: '/echo' });
  sockjs.on('connection', (conn) => conn.on('data', (message) => conn.write(message)));

  const app = Fastify();
  app.addHook('onRequest', (request, reply, done) => {
    if (sockjs.handleRequest(request.raw, reply.raw)) reply.hijack();
    else done();
  });
  app.get('/', async () => 'the rest of the app');
  app.server.on('upgrade', (req, socket, head) => {
    if (!sockjs.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await app.listen({ port, host });
  return { server: app.server, sockjs, close: () => app.close() };
}
