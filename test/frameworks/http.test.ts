// Plain node:http: the recipe of examples/frameworks/http.js (installHandlers)
// and the handler a user writes by hand, in this process, over real sockets,
// with the official sockjs-client.

import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createServer } from '@sockjs-ts/server';
import { start } from '../../examples/frameworks/http.js';
import { listen } from '../helpers/http-server.ts';
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

async function byHand(): Promise<Running> {
  const sockjs = createServer({ prefix: '/echo' });
  sockjs.on('connection', (conn) => conn.on('data', (message) => conn.write(message)));
  const server = http.createServer(
    (req, res) => sockjs.handleRequest(req, res) || res.end(APP_HOME),
  );
  server.on(
    'upgrade',
    (req, socket, head) => sockjs.handleUpgrade(req, socket, head) || socket.destroy(),
  );
  await listen(server);
  return { server, sockjs: sockjs as unknown as Running['sockjs'] };
}

for (const [name, startApp] of [
  ['the recipe (installHandlers)', async () => (await start(0)) as unknown as Running],
  ['by hand: handleRequest(req, res) || res.end(...)', byHand],
] as const) {
  describe(`node:http, ${name}`, () => {
    let running: Running;
    let target: Target;
    before(async () => {
      running = await startApp();
      target = targetOf(running, '/echo');
    });
    after(() => stop(running));

    for (const transport of NODE_TRANSPORTS) {
      test(`sockjs-client echoes over ${transport}`, () => echoesOver(target, transport));
    }

    test('xhr_send to an open and to an unknown session: answered, and the app keeps serving', () =>
      sendsLeaveItServing(target, uncaught, true));
  });
}
