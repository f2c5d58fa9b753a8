// Any-node mode across processes (issue 15): three test servers
// (examples/test-server.js --redis URL --any-node) on one real Redis. (The
// official protocol suite against them through round robin is in
// test/official-suite/, run by `npm run conformance -- --scale`.)
// - The owner SIGKILLed: a forwarded stream of its session gets a non-1000
//   close within the heartbeat, a forwarded send an error at once, and the
//   sessions of the other nodes keep echoing.
// - A receiving node SIGKILLed mid-stream: the owner lets go of the
//   receiver it forwarded to, and the session closes with 1002.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AnyNodeServer, startAnyNodeServers } from '../helpers/any-node.ts';
import { HeartbeatClock, request, Stream } from '../helpers/http-client.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';

const HEARTBEAT = 2000;
const TIMEOUT = 5000;

let redis: TestRedis;
let servers: AnyNodeServer[] = [];
let counter = 0;
const newId = () => `p${process.pid}x${++counter}`;
const url = (id: string, transport: string) => `/echo/000/${id}/${transport}`;

before(async () => {
  redis = await startRedis();
  servers = await startAnyNodeServers(redis.url, 3, HEARTBEAT);
});

after(async () => {
  await Promise.all(servers.map((s) => s.kill('SIGKILL')));
  await redis.stop();
});

describe('any-node mode, three test server processes', () => {
  test('the owner SIGKILLed: its forwarded stream closes non-1000 within the heartbeat', async () => {
    const [owner, b, c] = servers as [AnyNodeServer, AnyNodeServer, AnyNodeServer];
    const id = newId();
    const other = newId();
    const opened = await request(owner.port, url(id, 'xhr'), { method: 'POST', timeout: TIMEOUT });
    assert.equal(opened.body, 'o\n');
    // A session of another node, which must not notice.
    const otherOpened = await request(b.port, url(other, 'xhr'), {
      method: 'POST',
      timeout: TIMEOUT,
    });
    assert.equal(otherOpened.body, 'o\n');
    const stream = new Stream(c.port, url(id, 'xhr_streaming'), { method: 'POST' });
    await stream.response();
    const sent = await request(b.port, url(id, 'xhr_send'), {
      method: 'POST',
      body: '["before"]',
      timeout: TIMEOUT,
    });
    assert.equal(sent.status, 204);
    await stream.waitFor('a["before"]\n');
    // "Within the heartbeat" on the receiving node's own clock: the owner
    // dies right after one of its beats; all of this comes before the next.
    const clock = new HeartbeatClock(c.port, '/echo');
    try {
      const beat = await clock.tick();
      await owner.kill('SIGKILL');
      await stream.waitFor('c[1011,"Session owner unreachable"]\n', 10 * HEARTBEAT);
      await stream.waitEnd(10 * HEARTBEAT);
      // A send for it now: an error at once (the session is gone), no hang.
      const late = await request(b.port, url(id, 'xhr_send'), {
        method: 'POST',
        body: '["after"]',
        timeout: 10 * HEARTBEAT,
      });
      assert.notEqual(late.status, 204);
      assert.equal(clock.beats, beat, 'closed, ended and refused within the heartbeat');
    } finally {
      clock.stop();
    }
    // The other node's session goes on, forwarded through the third node.
    const echo = await request(c.port, url(other, 'xhr_send'), {
      method: 'POST',
      body: '["still here"]',
      timeout: TIMEOUT,
    });
    assert.equal(echo.status, 204);
    const polled = await request(c.port, url(other, 'xhr'), { method: 'POST', timeout: TIMEOUT });
    assert.equal(polled.body, 'a["still here"]\n');
    for (const s of [b, c]) assert.equal(s.errors(), '');
  });

  test('a receiving node SIGKILLed mid-stream: the owner releases its receiver, the session closes 1002', async () => {
    // The owner of the previous test is gone: the other two remain.
    const [, owner, receiving] = servers as [AnyNodeServer, AnyNodeServer, AnyNodeServer];
    const id = newId();
    const opened = await request(owner.port, url(id, 'xhr'), { method: 'POST', timeout: TIMEOUT });
    assert.equal(opened.body, 'o\n');
    const stream = new Stream(receiving.port, url(id, 'eventsource'));
    await stream.response();
    const sent = await request(owner.port, url(id, 'xhr_send'), {
      method: 'POST',
      body: '["one"]',
      timeout: TIMEOUT,
    });
    assert.equal(sent.status, 204);
    await stream.waitFor('data: a["one"]\r\n\r\n');
    await receiving.kill('SIGKILL');
    // The next receiver at the owner does not get 2010 from a dead node's
    // receiver: the session lost its stream, as on one node (1002).
    const next = await request(owner.port, url(id, 'xhr'), { method: 'POST', timeout: HEARTBEAT });
    assert.equal(next.body, 'c[1002,"Connection interrupted"]\n');
    // And the owner goes on serving.
    const fresh = newId();
    const freshOpened = await request(owner.port, url(fresh, 'xhr'), {
      method: 'POST',
      timeout: TIMEOUT,
    });
    assert.equal(freshOpened.body, 'o\n');
    assert.equal(owner.errors(), '');
  });
});
