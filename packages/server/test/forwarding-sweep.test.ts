// The sweep asks the registry whether the owners of quiet links and waiting
// sends are alive; an answer of "gone" ends what existed when it asked, not
// what this node forwarded to that owner while the answer was on its way
// (those found their owner in the registry after the question). Two servers
// in this process, an in-memory registry whose messages to the owner and
// whose answers to `alive` the test holds back.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { request, Stream } from '../../../test/helpers/http-client.ts';
import { listen, stopHttp, trackSockets } from '../../../test/helpers/http-server.ts';
import { eventually } from '../../../test/helpers/timing.ts';
import { createServer, type SockJSServer } from '../src/index.js';
import { MemoryCluster, Registry } from './memory-cluster.js';

const HEARTBEAT = 2000;
const registry = new Registry();

const servers: { port: number; http: http.Server; sockjs: SockJSServer }[] = [];

before(async () => {
  for (const name of ['a', 'b']) {
    const sockjs = createServer({
      prefix: '/echo',
      cluster: new MemoryCluster(name, registry),
      heartbeat_delay: HEARTBEAT,
    });
    sockjs.on('connection', (conn) => conn.on('data', (m: string) => conn.write(m)));
    const server = http.createServer();
    trackSockets(server);
    sockjs.installHandlers(server);
    servers.push({ port: await listen(server), http: server, sockjs });
  }
});

after(async () => {
  for (const server of servers) await stopHttp(server.http, [server.sockjs]);
});

const path = (id: string, what: string) => `/echo/000/${id}/${what}`;

test('a "gone" verdict ends only the links and sends that existed when the sweep asked', async () => {
  const [a, b] = servers as [(typeof servers)[0], (typeof servers)[0]];
  for (const id of ['s1', 's2']) {
    assert.equal((await request(a.port, path(id, 'xhr'), { method: 'POST' })).body, 'o\n');
  }
  registry.holding.add('a');
  const questions: NonNullable<Registry['questions']> = [];
  registry.questions = questions;
  // Before the question: a stream and a send through b, neither answered.
  const early = new Stream(b.port, path('s1', 'xhr_streaming'), { method: 'POST' });
  const earlySend = request(b.port, path('s1', 'xhr_send'), { method: 'POST', body: '["x"]' });
  await eventually(() => questions.length > 0, 'the sweep asking', 3000);
  const asked = questions[0]!;
  assert.deepEqual(asked.ids, ['a']);
  // While the answer is on its way: another stream and send to the same owner.
  const late = new Stream(b.port, path('s2', 'xhr_streaming'), { method: 'POST' });
  const lateSend = request(b.port, path('s2', 'xhr_send'), { method: 'POST', body: '["y"]' });
  await late.response();
  // Let b post both before the verdict lands.
  await new Promise((resolve) => setImmediate(resolve));
  registry.questions = null;
  asked.answer([false]);
  assert.equal((await earlySend).status, 404);
  await early.waitFor('c[1011,"Session owner unreachable"]\n');
  await early.waitEnd();
  // The owner was alive after all: what came later goes through.
  registry.release();
  assert.equal((await lateSend).status, 204);
  await late.waitFor('a["y"]\n');
  assert.equal(late.ended, false);
  late.abort();
});
