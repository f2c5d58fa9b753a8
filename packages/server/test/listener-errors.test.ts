// The app's listeners that throw, on one node and in any-node mode on a
// real Redis. On one node, the server's work that called the listener (the
// rest of a batch, the open frame) is done before the error is thrown on.
// In any-node mode the owner
// runs them inside what node-redis hands it (a forwarded send, a forwarded
// receiver's end); what they throw must come out as it does on one node, an
// uncaught exception of its own, and leave the node in the cluster: node-redis
// takes an error thrown from a message listener for its own, drops what it
// read after it and reports the connection broken, which would end every
// exchange of the node with the others.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { createClient } from 'redis';
import { request } from '../../../test/helpers/http-client.ts';
import { listen, stopHttp, trackSockets } from '../../../test/helpers/http-server.ts';
import { startRedis, type TestRedis } from '../../../test/helpers/redis.ts';
import { eventually } from '../../../test/helpers/timing.ts';
import { type RedisSessions, redisSessions } from '../../redis/src/index.ts';
import { createServer, type SockJSServer } from '../src/index.js';

const TIMEOUT = 5000;
const MAX_MESSAGE = 100;

interface Node {
  readonly port: number;
  readonly sockjs: SockJSServer;
  readonly cluster: RedisSessions;
  stop(): Promise<void>;
}

let redis: TestRedis;
let owner: Node;
let other: Node;
let counter = 0;
const newId = () => `e${process.pid}x${++counter}`;
/** Sessions whose 'close' listener throws. */
const throwOnClose = new Set<string>();

async function startNode(): Promise<Node> {
  const client = createClient({ url: redis.url });
  client.on('error', () => {});
  await client.connect();
  const cluster = redisSessions({ client, prefix: 'test:app-errors:' });
  const sockjs = createServer({
    prefix: '/echo',
    heartbeat_delay: 1000,
    max_message_size: MAX_MESSAGE,
    cluster,
  });
  sockjs.on('connection', (conn) => {
    if (conn.id.startsWith('throw')) {
      conn.write('written first');
      throw new Error(`connection listener: ${conn.id}`);
    }
    conn.on('data', (m: string) => {
      if (m.startsWith('throw')) throw new Error(`data listener: ${m}`);
      conn.write(m);
    });
    conn.on('close', () => {
      if (throwOnClose.has(conn.id)) throw new Error(`close listener: ${conn.id}`);
    });
  });
  const server = http.createServer();
  trackSockets(server);
  sockjs.installHandlers(server);
  const stop = async () => {
    await stopHttp(server, [sockjs]);
    await sockjs.close(undefined, undefined, 0);
    client.destroy();
  };
  return { port: await listen(server), sockjs, cluster, stop };
}

async function poll(node: Node, id: string): Promise<string> {
  const reply = await request(node.port, `/echo/000/${id}/xhr`, {
    method: 'POST',
    timeout: TIMEOUT,
  });
  assert.equal(reply.status, 200);
  return reply.body;
}

async function send(node: Node, id: string, batch: string[]): Promise<number> {
  const body = JSON.stringify(batch);
  const reply = await request(node.port, `/echo/000/${id}/xhr_send`, {
    method: 'POST',
    body,
    timeout: TIMEOUT,
  });
  return reply.status;
}

/** Runs `work` with uncaught exceptions collected instead of failing the test. */
async function collectingUncaught(work: (thrown: unknown[]) => Promise<void>): Promise<void> {
  const thrown: unknown[] = [];
  process.setUncaughtExceptionCaptureCallback((err) => thrown.push(err));
  try {
    await work(thrown);
  } finally {
    process.setUncaughtExceptionCaptureCallback(null);
  }
}

/** Neither node saw its registry connection drop, and both take forwards. */
function bothInCluster(): void {
  assert.equal(owner.cluster.stats().resets, 0, 'the owner ended its exchanges');
  assert.equal(other.cluster.stats().resets, 0, 'the other node ended its exchanges');
  assert.ok(owner.cluster.available && other.cluster.available);
}

/** A new session on the owner echoes through the other node. */
async function forwardingWorks(): Promise<void> {
  const id = newId();
  assert.equal(await poll(owner, id), 'o\n');
  assert.equal(await send(other, id, ['still']), 204);
  assert.equal(await poll(other, id), 'a["still"]\n');
}

before(async () => {
  redis = await startRedis();
  owner = await startNode();
  other = await startNode();
  await eventually(() => owner.cluster.available && other.cluster.available, 'nodes subscribed');
});

after(async () => {
  await Promise.all([owner.stop(), other.stop()]);
  await redis.stop();
});

test('a data listener that throws on a forwarded send: its error is thrown on, the batch’s other messages arrive, the node stays in the cluster', async () => {
  const id = newId();
  assert.equal(await poll(owner, id), 'o\n');
  await collectingUncaught(async (thrown) => {
    assert.equal(await send(other, id, ['before', 'throw once', 'after']), 204);
    assert.equal(await poll(other, id), 'a["before","after"]\n');
    assert.deepEqual(
      thrown.map((e) => (e as Error).message),
      ['data listener: throw once'],
    );
  });
  bothInCluster();
  assert.equal(await send(other, id, ['again']), 204);
  assert.equal(await poll(owner, id), 'a["again"]\n');
  await forwardingWorks();
});

test('the same on one node: a local send goes on past the message whose listener threw', async () => {
  const id = newId();
  assert.equal(await poll(owner, id), 'o\n');
  await collectingUncaught(async (thrown) => {
    assert.equal(await send(owner, id, ['throw here', 'after']), 204);
    assert.equal(await poll(owner, id), 'a["after"]\n');
    assert.deepEqual(
      thrown.map((e) => (e as Error).message),
      ['data listener: throw here'],
    );
  });
});

test('a close listener that throws when a forwarded send ends the session (too big): thrown on, the node stays in the cluster', async () => {
  const id = newId();
  assert.equal(await poll(owner, id), 'o\n');
  throwOnClose.add(id);
  await collectingUncaught(async (thrown) => {
    assert.equal(await send(other, id, ['x'.repeat(MAX_MESSAGE + 1)]), 413);
    assert.equal(await poll(other, id), 'c[1009,"Message too big"]\n');
    assert.deepEqual(
      thrown.map((e) => (e as Error).message),
      [`close listener: ${id}`],
    );
  });
  bothInCluster();
  await forwardingWorks();
});

test('a connection listener that throws: thrown on, and the session opens with what it wrote', async () => {
  const id = `throw${newId()}`;
  await collectingUncaught(async (thrown) => {
    assert.equal(await poll(owner, id), 'o\n');
    assert.equal(await poll(owner, id), 'a["written first"]\n');
    assert.deepEqual(
      thrown.map((e) => (e as Error).message),
      [`connection listener: ${id}`],
    );
  });
});
