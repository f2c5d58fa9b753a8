// The resume extension (docs/resume.md) in any-node mode: two nodes in this
// process on a real Redis, and the requests of one session put on either by
// the test. The owner is the node that got `resume=new`; through the other
// node, `resume=<ack>` and `[seq, ack, ...]` batches are forwarded as they
// came (a websocket reattach too), and the owner's session frees, replays,
// takes over and refuses as on one node.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'redis';
import { request, Stream } from '../../../test/helpers/http-client.ts';
import { listen, stopHttp, trackSockets } from '../../../test/helpers/http-server.ts';
import { startRedis, type TestRedis } from '../../../test/helpers/redis.ts';
import { eventually } from '../../../test/helpers/timing.ts';
import { type RedisSessions, redisSessions } from '../../redis/src/index.ts';
import { type Connection, createServer, type SockJSServer } from '../src/index.js';
import { WsClient } from './support.js';

const TIMEOUT = 5000;

interface Node {
  readonly port: number;
  /** `/echo` echoes; `/sink` only listens. */
  readonly sockjs: SockJSServer;
  readonly cluster: RedisSessions;
  /** The connections of its sessions, by id. */
  readonly connections: Map<string, Connection>;
  /** Stops the HTTP server, the SockJS server and its Redis client. */
  stop(): Promise<void>;
}

let redis: TestRedis;
let owner: Node;
let other: Node;
let counter = 0;
const newId = () => `r${process.pid}x${++counter}`;

async function startNode(): Promise<Node> {
  const client = createClient({ url: redis.url });
  client.on('error', () => {});
  await client.connect();
  const cluster = redisSessions({ client, prefix: 'test:resume:', sessionTtl: 3000 });
  const sockjs = createServer({ prefix: '/echo', heartbeat_delay: 1000, cluster });
  const connections = new Map<string, Connection>();
  sockjs.on('connection', (conn) => {
    connections.set(conn.id, conn);
    conn.on('close', () => connections.delete(conn.id));
    if (conn.prefix === '/echo') conn.on('data', (m: string) => conn.write(m));
  });
  const server = http.createServer();
  trackSockets(server);
  sockjs.installHandlers(server);
  sockjs.installHandlers(server, { prefix: '/sink' });
  const stop = async () => {
    await stopHttp(server, [sockjs]);
    await sockjs.close(undefined, undefined, 0);
    client.destroy();
  };
  return { port: await listen(server), sockjs, cluster, connections, stop };
}

const url = (id: string, transport: string, resume?: string, prefix = '/echo') =>
  `${prefix}/000/${id}/${transport}${resume === undefined ? '' : `?resume=${resume}`}`;

const socketUrl = (node: Node, id: string, resume: string, prefix?: string) =>
  `ws://127.0.0.1:${node.port}${url(id, 'websocket', resume, prefix)}`;

async function poll(node: Node, id: string, resume?: string): Promise<string> {
  const reply = await request(node.port, url(id, 'xhr', resume), {
    method: 'POST',
    timeout: TIMEOUT,
  });
  assert.equal(reply.status, 200);
  return reply.body;
}

async function send(node: Node, id: string, batch: unknown[]): Promise<number> {
  const body = JSON.stringify(batch);
  return (await request(node.port, url(id, 'xhr_send'), { method: 'POST', body, timeout: TIMEOUT }))
    .status;
}

/**
 * A resumable websocket session opened on the owner, its socket dropped, and
 * its client back with `resume=0` on the other node, which forwards it.
 */
async function forwardedSocket(prefix?: string): Promise<{ id: string; socket: WsClient }> {
  const id = newId();
  const first = new WsClient(socketUrl(owner, id, 'new', prefix));
  assert.equal(await first.message(1), 'o');
  first.ws.terminate();
  const socket = new WsClient(socketUrl(other, id, '0', prefix));
  await socket.opened;
  return { id, socket };
}

/** Sends `batch` to the session on its owner until the answer says it ended (404). */
async function untilEnded(id: string, batch: unknown[]): Promise<void> {
  for (let i = 0; (await send(owner, id, batch)) !== 404; i++) {
    assert.ok(i < 100, 'the session did not end');
  }
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

describe('resume through any-node forwarding, while the owner lives', () => {
  test('xhr-polling: numbered sends and polls with resume=<ack> through the other node; a lost poll is replayed; a resent batch is delivered once', async () => {
    const id = newId();
    assert.equal(await poll(owner, id, 'new'), 'o\n');
    assert.equal(await send(other, id, [0, 0, 'hello']), 204);
    assert.equal(await poll(other, id, '0'), 'a[0,1,"hello"]\n');
    // That answer never reached the client: it asks again from 0.
    assert.equal(await poll(other, id, '0'), 'a[0,1,"hello"]\n');
    assert.equal(await send(other, id, [0, 1, 'hello']), 204);
    assert.equal(await send(owner, id, [1, 1, 'world']), 204);
    assert.equal(await poll(other, id, '1'), 'a[1,2,"world"]\n');
    assert.equal(owner.sockjs.stats().resumes, 1);
  });

  test('xhr-streaming: a reattach through the other node takes over the owner’s stream and replays', async () => {
    const id = newId();
    const first = new Stream(owner.port, url(id, 'xhr_streaming', 'new'), { method: 'POST' });
    await first.waitFor('o\n');
    assert.equal(await send(other, id, [0, 0, 'one']), 204);
    await first.waitFor('a[0,1,"one"]\n');
    const second = new Stream(other.port, url(id, 'xhr_streaming', '0'), { method: 'POST' });
    await second.waitFor('a[0,1,"one"]\n');
    await first.waitEnd();
    assert.ok(!first.text.includes('c['), first.text);
    assert.equal(await send(owner, id, [1, 1, 'two']), 204);
    await second.waitFor('a[1,2,"two"]\n');
    second.abort();
  });

  test('a gap in a forwarded batch closes the session with 1002', async () => {
    const id = newId();
    assert.equal(await poll(owner, id, 'new'), 'o\n');
    assert.equal(await send(other, id, [3, 0, 'x']), 404);
    assert.equal(await poll(other, id, '0'), 'c[1002,"Connection interrupted"]\n');
  });

  test('2012 for an id no node holds, and no node claims it', async () => {
    const id = newId();
    assert.equal(await poll(other, id, '0'), 'c[2012,"Cannot resume"]\n');
    assert.equal(await owner.cluster.locate(id), null);
    assert.equal(await send(owner, id, [0, 0, 'x']), 404);
  });

  test('2012 from the owner for an ack it no longer holds, asked through the other node', async () => {
    const id = newId();
    assert.equal(await poll(owner, id, 'new'), 'o\n');
    assert.equal(await poll(other, id, '9'), 'c[2012,"Cannot resume"]\n');
    assert.equal(await poll(owner, id, '0'), 'c[2012,"Cannot resume"]\n');
  });

  test('websocket: a reattach on the other node is forwarded to the owner: replay, numbered batches, the end', async () => {
    const id = newId();
    const first = new WsClient(socketUrl(owner, id, 'new'));
    assert.equal(await first.message(1), 'o');
    first.ws.send('[0,0,"one"]');
    assert.equal(await first.message(2), 'a[0,1,"one"]');
    first.ws.terminate();
    const second = new WsClient(socketUrl(other, id, '0'));
    assert.equal(await second.message(1), 'a[0,1,"one"]');
    second.ws.send('[0,0,"one"]');
    second.ws.send('[1,1,"two"]');
    assert.equal(await second.message(2), 'a[1,2,"two"]');
    // The client's close frame ends the session at its owner.
    second.ws.close();
    await second.closed();
    await untilEnded(id, [2, 2, 'late']);
  });

  test('websocket: a forwarded socket gets its ack-only frames from the owner', async () => {
    const { socket: second } = await forwardedSocket('/sink');
    second.ws.send(JSON.stringify([0, 0, ...Array.from({ length: 32 }, (_, i) => `m${i}`)]));
    assert.equal(await second.message(1), 'a[0,32]');
    second.ws.terminate();
  });

  test('websocket: a forwarded socket that drops (1006) leaves the session to resume', async () => {
    const { id, socket: second } = await forwardedSocket();
    second.ws.send('[0,0,"one"]');
    assert.equal(await second.message(1), 'a[0,1,"one"]');
    second.ws.terminate();
    // Not a goodbye: the session waits for its client, which comes back.
    const third = new WsClient(socketUrl(owner, id, '1'));
    await third.opened;
    third.ws.send('[1,1,"two"]');
    assert.equal(await third.message(1), 'a[1,2,"two"]');
    third.ws.close();
    await third.closed();
  });

  test('websocket: the owner’s close reaches a forwarded socket as its close frame and close code', async () => {
    const { id, socket: second } = await forwardedSocket('/sink');
    const conn = owner.connections.get(id);
    assert.ok(conn !== undefined);
    conn.write('last');
    conn.close(4001, 'Done here');
    assert.deepEqual(await second.closed(), { code: 4001, reason: 'Done here' });
    assert.deepEqual(second.messages, ['a[0,0,"last"]', 'c[4001,"Done here"]']);
  });

  test('websocket: on a forwarded socket an empty message carries nothing', async () => {
    const { socket: second } = await forwardedSocket();
    second.ws.send('');
    second.ws.send('[0,0,"after the empty one"]');
    assert.equal(await second.message(1), 'a[0,1,"after the empty one"]');
    second.ws.close();
    await second.closed();
  });

  test('websocket: a broken batch on a forwarded socket closes it with 3000 and ends the session', async () => {
    const { id, socket: second } = await forwardedSocket();
    second.ws.send('[0,0,');
    assert.deepEqual(await second.closed(), { code: 3000, reason: 'Broken framing.' });
    assert.deepEqual(second.messages, []);
    // As a client's goodbye, it ends the session at its owner.
    await untilEnded(id, [0, 0, 'late']);
  });

  test('websocket: the owner claims the id before its `o`, so a reattach right after it finds the session', async () => {
    const id = newId();
    // Redis holds every write for a while (reads go on): the claim is slow.
    const admin = createClient({ url: redis.url });
    await admin.connect();
    await admin.sendCommand(['CLIENT', 'PAUSE', '300', 'WRITE']);
    admin.destroy();
    const first = new WsClient(socketUrl(owner, id, 'new'));
    assert.equal(await first.message(1), 'o');
    // Asked on the other node's connection (the owner's is behind its claim).
    assert.equal(await other.cluster.locate(id), owner.cluster.nodeId);
    first.ws.terminate();
    const second = new WsClient(socketUrl(other, id, '0'));
    await second.opened;
    second.ws.send('[0,0,"back"]');
    assert.equal(await second.message(1), 'a[0,1,"back"]');
    second.ws.close();
    await second.closed();
  });

  test('websocket: a resumable handshake that fails gives its claim back', async () => {
    const id = newId();
    // A key that is not 16 bytes of base64: the handshake is refused.
    const reply = await request(owner.port, url(id, 'websocket', 'new'), {
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'short',
      },
      timeout: TIMEOUT,
    });
    assert.equal(reply.status, 400);
    for (let i = 0; (await owner.cluster.locate(id)) !== null; i++) {
      assert.ok(i < 100, 'the claim was not released');
    }
    // The id is free: the other node opens a session under it.
    assert.equal(await poll(other, id, 'new'), 'o\n');
  });

  test('websocket: an id another node holds opens a plain session, not found by id (as on one node)', async () => {
    const id = newId();
    assert.equal(await poll(other, id, 'new'), 'o\n');
    const first = new WsClient(socketUrl(owner, id, 'new'));
    assert.equal(await first.message(1), 'o');
    first.ws.send('["here"]');
    assert.equal(await first.message(2), 'a["here"]');
    first.ws.close();
    await first.closed();
    // The id stays the other node's, with its session.
    assert.equal(await owner.cluster.locate(id), other.cluster.nodeId);
    assert.equal(await poll(other, id, '0'), 'h\n');
  });

  test('websocket: a reattach for an id no node holds gets 2012', async () => {
    const ws = new WsClient(socketUrl(other, newId(), '0'));
    assert.equal(await ws.message(1), 'c[2012,"Cannot resume"]');
    await ws.closed();
  });
});
