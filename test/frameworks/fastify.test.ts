// Fastify 5: the recipe of examples/frameworks/fastify.js (an onRequest hook
// that hijacks the reply) and the naive hooks a user writes first, in this
// process, over real sockets, with the official sockjs-client.

import { after, before, describe, test } from 'node:test';
import { createServer } from '@sockjs-ts/server';
import Fastify, { type FastifyInstance } from 'fastify';
import { start } from '../../examples/frameworks/fastify.js';
import {
  APP_HOME,
  echoesOver,
  NODE_TRANSPORTS,
  type Running,
  recordUncaught,
  sendsLeaveItServing,
  stop,
  type Target,
  targetOf,
} from './recipe-checks.ts';

const uncaught = recordUncaught();

type SockJS = ReturnType<typeof createServer>;
type Wiring = (app: FastifyInstance, sockjs: SockJS) => void;

const NAIVE: Record<string, Wiring> = {
  // Never calls done() for a request SockJS took: Fastify waits for nothing.
  'handleRequest(req, res) || done()': (app, sockjs) => {
    app.addHook('onRequest', (request, reply, done) => {
      sockjs.handleRequest(request.raw, reply.raw) || done();
    });
  },
  // Fastify goes on to route (and answer 404) what SockJS is still serving.
  'an async hook that returns': (app, sockjs) => {
    app.addHook('onRequest', async (request, reply) => {
      sockjs.handleRequest(request.raw, reply.raw);
    });
  },
};

async function naive(wiring: Wiring): Promise<Running> {
  const sockjs = createServer({ prefix: '/echo' });
  sockjs.on('connection', (conn) => conn.on('data', (message) => conn.write(message)));
  const app = Fastify();
  wiring(app, sockjs);
  app.get('/', async () => APP_HOME);
  app.server.on('upgrade', (req, socket, head) => {
    if (!sockjs.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    server: app.server,
    sockjs: sockjs as unknown as Running['sockjs'],
    close: () => app.close(),
  };
}

describe('Fastify, the recipe', () => {
  let running: Running;
  let target: Target;
  before(async () => {
    running = (await start(0)) as unknown as Running;
    target = targetOf(running, '/echo');
  });
  after(() => stop(running));

  for (const transport of NODE_TRANSPORTS) {
    test(`sockjs-client echoes over ${transport}`, () => echoesOver(target, transport));
  }

  test('xhr_send to an open and to an unknown session: answered, and the app keeps serving', () =>
    sendsLeaveItServing(target, uncaught, true));
});

for (const [name, wiring] of Object.entries(NAIVE)) {
  describe(`Fastify, naive: ${name}`, () => {
    let running: Running;
    let target: Target;
    before(async () => {
      running = await naive(wiring);
      target = targetOf(running, '/echo');
    });
    after(() => stop(running));

    test('xhr_send to an open and to an unknown session, polls: the process keeps serving', () =>
      sendsLeaveItServing(target, uncaught, false));
  });
}
