// Any-node mode (issue 15): three nodes in this process on one real Redis,
// and the requests of one session spread over them round robin by the test
// itself, so every hop is known: the owner is the node that got the first
// receiving request, and every other request of the session lands on
// another node and is forwarded.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'redis';
import { type RedisSessions, redisSessions } from '../../packages/redis/src/index.ts';
import { createServer, type SockJSServer } from '../../packages/server/src/index.ts';
import { HeartbeatClock, request, Stream } from '../helpers/http-client.ts';
import { listen, stopHttp, trackSockets } from '../helpers/http-server.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { eventually } from '../helpers/timing.ts';

const PREFIX = '/echo';
const HEARTBEAT = 1000;
const RESPONSE_LIMIT = 4096;
const TIMEOUT = 5000;

interface Node {
  readonly http: http.Server;
  readonly port: number;
  readonly sockjs: SockJSServer;
  readonly cluster: RedisSessions;
  readonly redis: { destroy(): void };
}

let redis: TestRedis;
const nodes: Node[] = [];
let counter = 0;

const newId = () => `s${process.pid}x${++counter}`;
const url = (id: string, transport: string) => `${PREFIX}/000/${id}/${transport}`;

function poll(node: Node, id: string, transport = 'xhr') {
  return request(node.port, url(id, transport), { method: 'POST', timeout: TIMEOUT });
}

function send(node: Node, id: string, messages: string[]) {
  return request(node.port, url(id, 'xhr_send'), {
    method: 'POST',
    body: JSON.stringify(messages),
    timeout: TIMEOUT,
  });
}

/** Polls `id` round robin from node `start` until `count` messages came; returns them. */
async function collect(id: string, count: number, start: number): Promise<string[]> {
  const got: string[] = [];
  for (let i = 0; got.length < count; i++) {
    assert.ok(i < 50, `only ${got.length} of ${count} messages came`);
    const reply = await poll(nodes[(start + i) % nodes.length]!, id);
    assert.equal(reply.status, 200);
    if (reply.body.startsWith('a')) got.push(...(JSON.parse(reply.body.slice(1)) as string[]));
    else assert.equal(reply.body, 'h\n');
  }
  return got;
}

async function startNode(): Promise<Node> {
  const client = createClient({ url: redis.url });
  client.on('error', () => {});
  await client.connect();
  const cluster = redisSessions({ client, prefix: 'test:any-node:', sessionTtl: 3000 });
  const sockjs = createServer({
    prefix: PREFIX,
    heartbeat_delay: HEARTBEAT,
    response_limit: RESPONSE_LIMIT,
    cluster,
  });
  sockjs.on('connection', (conn) => {
    conn.on('data', (m: string) => conn.write(m));
  });
  const server = http.createServer();
  trackSockets(server);
  sockjs.installHandlers(server);
  const port = await listen(server);
  return { http: server, port, sockjs, cluster, redis: client };
}

before(async () => {
  redis = await startRedis();
  for (let i = 0; i < 3; i++) nodes.push(await startNode());
  await eventually(() => nodes.every((n) => n.cluster.available), 'nodes subscribed');
});

after(async () => {
  for (const node of nodes) {
    await stopHttp(node.http, [node.sockjs]);
    await node.sockjs.close(undefined, undefined, 0);
    node.redis.destroy();
  }
  await redis.stop();
});

describe('any-node mode over three nodes, requests round robin', () => {
  test('xhr-polling: open on one node, send on the next, poll on the third', async () => {
    const [a, b, c] = nodes as [Node, Node, Node];
    const id = newId();
    assert.equal((await poll(a, id)).body, 'o\n');
    const sent = await send(b, id, ['hello', 'wörld']);
    assert.equal(sent.status, 204);
    assert.equal((await poll(c, id)).body, 'a["hello","wörld"]\n');
    // And the other way round: the owner's own requests still work.
    assert.equal((await send(c, id, ['x'])).status, 204);
    assert.equal((await poll(a, id)).body, 'a["x"]\n');
  });

  test('consecutive sends on different nodes arrive in order, once', async () => {
    const id = newId();
    assert.equal((await poll(nodes[0]!, id)).body, 'o\n');
    const expected: string[] = [];
    for (let i = 0; i < 30; i++) {
      expected.push(`m${i}`);
      assert.equal((await send(nodes[i % 3]!, id, [`m${i}`])).status, 204);
    }
    assert.deepEqual(await collect(id, expected.length, 1), expected);
  });

  for (const [transport, path, method, frame] of [
    ['xhr-streaming', 'xhr_streaming', 'POST', (f: string) => `${f}\n`],
    ['eventsource', 'eventsource', 'GET', (f: string) => `data: ${f}\r\n\r\n`],
    [
      'htmlfile',
      'htmlfile?c=cb',
      'GET',
      (f: string) => `<script>\np(${JSON.stringify(f)});\n</script>\r\n`,
    ],
  ] as const) {
    test(`${transport}: a stream on a node that is not the owner carries the session`, async () => {
      const [a, b, c] = nodes as [Node, Node, Node];
      const id = newId();
      const opened = new Stream(a.port, url(id, path), { method });
      await opened.waitFor(frame('o'));
      opened.abort();
      // The aborted stream closed that session (1002): open another on a poll.
      const id2 = newId();
      assert.equal((await poll(a, id2)).body, 'o\n');
      const stream = new Stream(b.port, url(id2, path), { method });
      await stream.response();
      assert.equal(stream.status, 200);
      assert.equal((await send(c, id2, ['one'])).status, 204);
      await stream.waitFor(frame('a["one"]'));
      assert.equal((await send(a, id2, ['two'])).status, 204);
      // Heartbeats come through too.
      await stream.waitFor(frame('a["two"]') + frame('h'), HEARTBEAT * 3);
      // A second receiver through the third node: 2010, the stream untouched.
      const busy = await poll(c, id2);
      assert.equal(busy.body, 'c[2010,"Another connection still open"]\n');
      assert.equal((await send(b, id2, ['three'])).status, 204);
      await stream.waitFor(frame('a["three"]'));
      stream.abort();
    });
  }

  test('jsonp-polling and jsonp_send through non-owners', async () => {
    const [a, b, c] = nodes as [Node, Node, Node];
    const id = newId();
    assert.equal((await poll(a, id)).body, 'o\n');
    const sent = await request(b.port, url(id, 'jsonp_send'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `d=${encodeURIComponent('["j1"]')}`,
      timeout: TIMEOUT,
    });
    assert.equal(sent.status, 200);
    assert.equal(sent.body, 'ok');
    const reply = await request(c.port, url(id, 'jsonp?c=cb'), { timeout: TIMEOUT });
    assert.equal(reply.body, '/**/cb("a[\\"j1\\"]");\r\n');
  });

  test('response_limit ends a forwarded stream; the rest comes on the next, in order', async () => {
    const [a, b] = nodes as [Node, Node, Node];
    const id = newId();
    assert.equal((await poll(a, id)).body, 'o\n');
    const expected: string[] = [];
    const payload = 'p'.repeat(200);
    const first = new Stream(b.port, url(id, 'xhr_streaming'), { method: 'POST' });
    await first.response();
    for (let i = 0; i < 40; i++) {
      expected.push(`${i}${payload}`);
      assert.equal((await send(nodes[i % 3]!, id, [`${i}${payload}`])).status, 204);
    }
    await first.waitEnd();
    const got: string[] = [];
    const take = (text: string) => {
      for (const line of text.split('\n')) {
        if (line.startsWith('a[')) got.push(...(JSON.parse(line.slice(1)) as string[]));
      }
    };
    take(first.text);
    assert.ok(got.length < expected.length, 'the first stream ended at the limit');
    for (let round = 0; got.length < expected.length; round++) {
      assert.ok(round < 20, `only ${got.length} of ${expected.length} messages came`);
      const next = new Stream(nodes[round % 2 === 0 ? 2 : 0]!.port, url(id, 'xhr_streaming'), {
        method: 'POST',
      });
      await next.waitFor(/a\[/);
      next.abort();
      take(next.text);
    }
    assert.deepEqual(got, expected);
  });

  test('an unknown session: 404 on xhr_send through a non-owner, a new session on a poll', async () => {
    const id = newId();
    const reply = await send(nodes[1]!, id, ['x']);
    assert.equal(reply.status, 404);
    assert.equal((await poll(nodes[2]!, id)).body, 'o\n');
    // That poll made node 2 the owner: node 0 forwards to it.
    assert.equal((await send(nodes[0]!, id, ['y'])).status, 204);
    assert.equal((await poll(nodes[1]!, id)).body, 'a["y"]\n');
  });

  test('a forwarded message too big: 413 and the session closes with 1009', async () => {
    const id = newId();
    assert.equal((await poll(nodes[0]!, id)).body, 'o\n');
    const big = 'x'.repeat(1024 * 1024 + 1);
    const reply = await send(nodes[1]!, id, [big]);
    assert.equal(reply.status, 413);
    assert.equal((await poll(nodes[2]!, id)).body, 'c[1009,"Message too big"]\n');
  });

  test('Redis down: forwarded requests get 503 at once, the owner serves its own, then it recovers', async () => {
    const [a, b] = nodes as [Node, Node, Node];
    const id = newId();
    assert.equal((await poll(a, id)).body, 'o\n');
    // "At once" on b's own clock (a session of b's, which needs no Redis):
    // both answers come before its next heartbeat.
    const clock = new HeartbeatClock(b.port, PREFIX);
    try {
      await clock.tick();
      await redis.kill();
      await eventually(() => nodes.every((n) => !n.cluster.available), 'nodes see Redis gone');
      const beat = await clock.tick();
      const forwarded = await send(b, id, ['lost']);
      assert.equal(forwarded.status, 503);
      const poll503 = await poll(b, id);
      assert.equal(poll503.status, 503);
      assert.equal(clock.beats, beat, 'fails fast');
    } finally {
      clock.stop();
    }
    // The owner's own requests do not need Redis.
    assert.equal((await send(a, id, ['kept'])).status, 204);
    assert.equal((await poll(a, id)).body, 'a["kept"]\n');
    await redis.restart();
    await eventually(() => nodes.every((n) => n.cluster.available), 'nodes back on Redis', 15_000);
    // Redis came back empty: the owner claimed its session again before
    // forwarding resumed, so another node forwards to it instead of making
    // a second session with its id.
    assert.equal((await send(b, id, ['after'])).status, 204);
    assert.equal((await poll(nodes[2]!, id)).body, 'a["after"]\n');
    const id2 = newId();
    assert.equal((await poll(a, id2)).body, 'o\n');
    assert.equal((await send(b, id2, ['again'])).status, 204);
    assert.equal((await poll(nodes[2]!, id2)).body, 'a["again"]\n');
  });
});
