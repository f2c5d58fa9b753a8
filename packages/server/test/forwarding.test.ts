// Any-node forwarding (forwarding.ts) over the cluster seam alone: two
// servers in this process share an in-memory SessionCluster, no Redis. The
// requests go over real HTTP; what the registry says (gone, unreachable) is
// set by the test.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { HeartbeatClock, request } from '../../../test/helpers/http-client.ts';
import { listen, stopHttp, trackSockets } from '../../../test/helpers/http-server.ts';
import { createServer, type SockJSServer } from '../src/index.js';
import { MemoryCluster, Registry } from './memory-cluster.js';

const HEARTBEAT = 400;
let registry: Registry;
const nodes: { port: number; http: http.Server; sockjs: SockJSServer }[] = [];
let counter = 0;
const newId = () => `f${++counter}`;

const poll = (port: number, id: string) =>
  request(port, `/echo/000/${id}/xhr`, { method: 'POST', timeout: 3000 });
const send = (port: number, id: string, body: string) =>
  request(port, `/echo/000/${id}/xhr_send`, { method: 'POST', body, timeout: 3000 });

before(async () => {
  registry = new Registry();
  for (const name of ['a', 'b']) {
    const sockjs = createServer({
      prefix: '/echo',
      heartbeat_delay: HEARTBEAT,
      cluster: new MemoryCluster(name, registry),
    });
    sockjs.on('connection', (conn) => conn.on('data', (m: string) => conn.write(m)));
    const server = http.createServer();
    trackSockets(server);
    sockjs.installHandlers(server);
    nodes.push({ port: await listen(server), http: server, sockjs });
  }
});

after(async () => {
  for (const node of nodes) await stopHttp(node.http, [node.sockjs]);
});

describe('forwarding over any SessionCluster', () => {
  test('a session opened on one node is served through the other', async () => {
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const id = newId();
    assert.equal((await poll(a.port, id)).body, 'o\n');
    assert.equal(registry.owners.get(id), 'a');
    assert.equal((await send(b.port, id, '["x","y"]')).status, 204);
    assert.equal((await poll(b.port, id)).body, 'a["x","y"]\n');
    // A broken body is answered where it arrived, as on one node.
    const broken = await send(b.port, id, '["x"');
    assert.equal(broken.status, 500);
    assert.equal(broken.body, 'Broken JSON encoding.');
  });

  test('a forwarded plain batch stays plain, whatever its messages hold', async () => {
    // Forwarded, a batch that starts with a number travels as a resumable
    // one ([seq, ack, ...]); digits anywhere else must not make it one.
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const id = newId();
    assert.equal((await poll(a.port, id)).body, 'o\n');
    assert.equal((await send(b.port, id, '["a1"]')).status, 204);
    assert.equal((await send(b.port, id, '["x",[2]]')).status, 204);
    assert.equal((await poll(b.port, id)).body, 'a["a1","x","[2]"]\n');
  });

  test("the owner's own requests do not ask the registry", async () => {
    const [a] = nodes as [(typeof nodes)[0]];
    const id = newId();
    assert.equal((await poll(a.port, id)).body, 'o\n');
    const asked = registry.asked;
    assert.equal((await send(a.port, id, '["x"]')).status, 204);
    assert.equal((await poll(a.port, id)).body, 'a["x"]\n');
    assert.equal(registry.asked, asked);
  });

  test('the owner gone: a forwarded poll gets a close, a forwarded send 404', async () => {
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const id = newId();
    assert.equal((await poll(a.port, id)).body, 'o\n');
    registry.gone.add('a');
    try {
      assert.equal((await poll(b.port, id)).body, 'c[1011,"Session owner unreachable"]\n');
      assert.equal((await send(b.port, id, '["x"]')).status, 404);
    } finally {
      registry.gone.delete('a');
    }
  });

  test('the owner dies while a forwarded poll waits: the poll closes within the heartbeat', async () => {
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const id = newId();
    assert.equal((await poll(a.port, id)).body, 'o\n');
    // "Within the heartbeat" on b's own clock: right after one of its beats
    // the owner dies; the close must come before the next one.
    const clock = new HeartbeatClock(b.port, '/echo');
    try {
      const beat = await clock.tick();
      const waiting = poll(b.port, id);
      // Once the poll reached b, a dies; b's sweep finds it gone.
      await new Promise((resolve) => setImmediate(resolve));
      registry.gone.add('a');
      const reply = await waiting;
      assert.equal(reply.body, 'c[1011,"Session owner unreachable"]\n');
      assert.equal(clock.beats, beat, 'noticed within the heartbeat');
    } finally {
      clock.stop();
      registry.gone.delete('a');
    }
  });

  test('the registry unreachable: 503 for forwarded requests, the owner serves its own', async () => {
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const id = newId();
    assert.equal((await poll(a.port, id)).body, 'o\n');
    registry.available = false;
    try {
      assert.equal((await send(b.port, id, '["x"]')).status, 503);
      assert.equal((await poll(b.port, id)).status, 503);
      assert.equal((await send(a.port, id, '["mine"]')).status, 204);
      assert.equal((await poll(a.port, id)).body, 'a["mine"]\n');
    } finally {
      registry.available = true;
    }
  });

  test('a session that ends gives its id back', async () => {
    const [a] = nodes as [(typeof nodes)[0]];
    const id = newId();
    assert.equal((await poll(a.port, id)).body, 'o\n');
    assert.equal(registry.owners.get(id), 'a');
    const closing = nodes[0]!.sockjs;
    // Closing every session of the node ends them; their claims go.
    await closing.close(undefined, undefined, 0);
    assert.equal(registry.owners.has(id), false);
  });
});
