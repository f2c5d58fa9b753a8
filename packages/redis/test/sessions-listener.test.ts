// RedisSessions on a real Redis, when the node it hands messages to throws:
// node-redis would take that error for its own (it drops what it read after
// the message and reports the connection broken, and this node would end
// every exchange with the others). The error is thrown on by itself instead,
// and the messages after it arrive.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ClusterNode } from '@sockjs-ts/server';
import { createClient } from 'redis';
import { startRedis, type TestRedis } from '../../../test/helpers/redis.ts';
import { eventually } from '../../../test/helpers/timing.ts';
import { RedisSessions } from '../src/index.ts';

let redis: TestRedis;
let client: ReturnType<typeof createClient>;

before(async () => {
  redis = await startRedis();
  client = createClient({ url: redis.url });
  client.on('error', () => {});
  await client.connect();
});

after(async () => {
  client.destroy();
  await redis.stop();
});

test('a message the node throws on: thrown on by itself, the next ones arrive, no reset', async () => {
  const received: string[] = [];
  let resets = 0;
  const node: ClusterNode = {
    receive(_from, text) {
      received.push(text);
      if (text === 'boom') throw new Error('the node failed on a message');
    },
    reset() {
      resets++;
    },
    sessionIds: () => [],
  };
  const sessions = new RedisSessions({ client, prefix: 'test:listener:' });
  sessions.start(node);
  await eventually(() => sessions.available, 'subscribed');
  const thrown: unknown[] = [];
  process.setUncaughtExceptionCaptureCallback((err) => thrown.push(err));
  try {
    const channel = `test:listener:node:${sessions.nodeId}`;
    // One pipeline: the three arrive in one read of the subscriber's socket.
    await Promise.all(['before', 'boom', 'after'].map((m) => client.publish(channel, `peer ${m}`)));
    await eventually(() => received.length === 3, 'every message received');
    assert.deepEqual(received, ['before', 'boom', 'after']);
    await eventually(() => thrown.length === 1, 'the error thrown on');
    assert.match((thrown[0] as Error).message, /failed on a message/);
  } finally {
    process.setUncaughtExceptionCaptureCallback(null);
  }
  assert.equal(resets, 0);
  assert.equal(sessions.stats().resets, 0);
  assert.equal(sessions.available, true);
  await sessions.close();
});
