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
import {
  type ClusterNode,
  createServer,
  type SessionCluster,
  type SockJSServer,
} from '../src/index.js';

const owners = new Map<string, string>();
const nodes = new Map<string, ClusterNode>();
/** Every message sent, as `from>to message`. */
const sent: string[] = [];
/** Messages to 'b' held back while set. */
let held: (() => void)[] | null = null;

class MemoryCluster implements SessionCluster {
  readonly available = true;
  constructor(readonly nodeId: string) {}
  start(node: ClusterNode): void {
    nodes.set(this.nodeId, node);
  }
  async claim(id: string): Promise<string> {
    const holder = owners.get(id) ?? this.nodeId;
    owners.set(id, holder);
    return holder;
  }
  async locate(id: string): Promise<string | null> {
    return owners.get(id) ?? null;
  }
  release(id: string): void {
    if (owners.get(id) === this.nodeId) owners.delete(id);
  }
  async send(to: string, message: string): Promise<boolean> {
    sent.push(`${this.nodeId}>${to} ${message}`);
    const deliver = () => nodes.get(to)?.receive(this.nodeId, message);
    if (to === 'b' && held !== null) held.push(deliver);
    else queueMicrotask(deliver);
    return true;
  }
  async alive(ids: readonly string[]): Promise<boolean[]> {
    return ids.map((id) => nodes.has(id));
  }
  async close(): Promise<void> {
    nodes.delete(this.nodeId);
  }
}

const servers: { port: number; http: http.Server; sockjs: SockJSServer }[] = [];

before(async () => {
  for (const name of ['a', 'b']) {
    const sockjs = createServer({ prefix: '/echo', cluster: new MemoryCluster(name) });
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
  await eventually(() => sent.some((m) => m.startsWith('b>a ["a"')), 'the attach');
  const before = sent.length;
  const echoed = await request(a.port, path('p1', 'xhr_send'), {
    method: 'POST',
    body: '["x"]',
  });
  assert.equal(echoed.status, 204);
  assert.equal((await waiting).body, 'a["x"]\n');
  // The next poll goes on through b as the session's receiver.
  const next = request(b.port, path('p1', 'xhr'), { method: 'POST', timeout: 3000 });
  await eventually(() => sent.slice(before).some((m) => m.startsWith('b>a ["a"')), 'the attach');
  assert.deepEqual(
    sent.slice(before).map((m) => m.slice(0, 8)),
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
  await eventually(() => sent.some((m) => m.startsWith('b>a ["a","/echo","p2"')), 'the attach');
  // The owner's frame is on its way to b while the poll's client leaves.
  held = [];
  await request(a.port, path('p2', 'xhr_send'), { method: 'POST', body: '["lost"]' });
  await eventually(() => held !== null && held.length > 0, 'the frame');
  poll.destroy();
  await eventually(() => sent.some((m) => /^b>a \["d",\d+,1\]/.test(m)), "b's detach");
  const release = held;
  held = null;
  for (const deliver of release) deliver();
  const after = await request(a.port, path('p2', 'xhr'), { method: 'POST' });
  assert.equal(after.body, 'c[1002,"Connection interrupted"]\n');
});
