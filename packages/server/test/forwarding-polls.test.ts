// A forwarded poll ends with its frame on both nodes: the receiving node
// sends no detach back, and the owner, which ended its side when it sent
// the frame, closes the session as an aborted poll would if that frame
// turns out lost. Two servers in this process, an in-memory registry whose
// messages to one node the test can hold back.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { request } from '../../../test/helpers/http-client.ts';
import { listen, stopHttp, trackSockets } from '../../../test/helpers/http-server.ts';
import { eventually } from '../../../test/helpers/timing.ts';
import { createServer, type SockJSServer } from '../src/index.js';
import { MemoryCluster, Registry } from './memory-cluster.js';

const registry = new Registry();

const servers: { port: number; http: http.Server; sockjs: SockJSServer }[] = [];

before(async () => {
  for (const name of ['a', 'b']) {
    const sockjs = createServer({ prefix: '/echo', cluster: new MemoryCluster(name, registry) });
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

test('a forwarded poll answered with a frame sends nothing back to the owner', async () => {
  const [a, b] = servers as [(typeof servers)[0], (typeof servers)[0]];
  assert.equal((await request(a.port, path('p1', 'xhr'), { method: 'POST' })).body, 'o\n');
  const waiting = request(b.port, path('p1', 'xhr'), { method: 'POST', timeout: 3000 });
  await eventually(() => registry.sent.some((m) => m.startsWith('b>a ["a"')), 'the attach');
  const before = registry.sent.length;
  const echoed = await request(a.port, path('p1', 'xhr_send'), {
    method: 'POST',
    body: '["x"]',
  });
  assert.equal(echoed.status, 204);
  assert.equal((await waiting).body, 'a["x"]\n');
  // The next poll goes on through b as the session's receiver.
  const next = request(b.port, path('p1', 'xhr'), { method: 'POST', timeout: 3000 });
  await eventually(
    () => registry.sent.slice(before).some((m) => m.startsWith('b>a ["a"')),
    'the attach',
  );
  assert.deepEqual(
    registry.sent.slice(before).map((m) => m.slice(0, 8)),
    ['a>b ["M"', 'b>a ["a"'],
  );
  await request(a.port, path('p1', 'xhr_send'), { method: 'POST', body: '["y"]' });
  assert.equal((await next).body, 'a["y"]\n');
});

test('the frame of a forwarded poll whose client went away first: the session closes with 1002', async () => {
  const [a, b] = servers as [(typeof servers)[0], (typeof servers)[0]];
  assert.equal((await request(a.port, path('p2', 'xhr'), { method: 'POST' })).body, 'o\n');
  const poll = http.request({
    port: b.port,
    path: path('p2', 'xhr'),
    method: 'POST',
    agent: false,
  });
  poll.on('error', () => {});
  poll.end();
  await eventually(
    () => registry.sent.some((m) => m.startsWith('b>a ["a","/echo","p2"')),
    'the attach',
  );
  // The owner's frame is on its way to b while the poll's client leaves.
  registry.holding.add('b');
  await request(a.port, path('p2', 'xhr_send'), { method: 'POST', body: '["lost"]' });
  await eventually(() => registry.held.length > 0, 'the frame');
  poll.destroy();
  await eventually(() => registry.sent.some((m) => /^b>a \["d",\d+,1\]/.test(m)), "b's detach");
  registry.release();
  const after = await request(a.port, path('p2', 'xhr'), { method: 'POST' });
  assert.equal(after.body, 'c[1002,"Connection interrupted"]\n');
});
