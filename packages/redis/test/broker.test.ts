// RedisBroker against a real redis-server: delivery between processes'
// brokers in publish order, no loss across a Redis restart, and losses it
// cannot avoid reported as gaps.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'redis';
import { startRedis, type TestRedis } from '../../../test/helpers/redis.ts';
import { eventually, sleep } from '../../../test/helpers/timing.ts';
import { type GapEvent, RedisBroker, type StreamClient } from '../src/index.ts';

/** A server's side of the broker: records what the broker delivers. */
class RecordingNode {
  readonly got: { channel: string | null; message: string }[] = [];
  deliver(channel: string | null, message: string): void {
    this.got.push({ channel, message });
  }
  messages(): string[] {
    return this.got.map((d) => d.message);
  }
}

async function connectedClient(url: string): Promise<StreamClient> {
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  return client;
}

let redis: TestRedis;
const opened: { close(): Promise<void> }[] = [];

before(async () => {
  redis = await startRedis();
});
after(async () => {
  for (const o of opened.reverse()) await o.close().catch(() => {});
  await redis.stop();
});

/** A broker on its own client, started for a RecordingNode; closed after the suite. */
async function broker(
  key: string,
  options: Partial<ConstructorParameters<typeof RedisBroker>[0]> = {},
): Promise<{ broker: RedisBroker; node: RecordingNode; client: StreamClient }> {
  const client = await connectedClient(redis.url);
  const b = new RedisBroker({ client, key, ...options });
  const node = new RecordingNode();
  b.start(node);
  opened.push({ close: async () => client.destroy() });
  opened.push(b);
  // Started readers take the stream's end as their starting point: let them.
  await sleep(100);
  return { broker: b, node, client };
}

const numbered = (n: number, from = 1) =>
  Array.from({ length: n }, (_, i) => `message ${from + i}`);

describe('RedisBroker', () => {
  test('publishes reach the other brokers in order, once, and not the publisher', async () => {
    const a = await broker('t:order');
    const b = await broker('t:order');
    const c = await broker('t:order');
    for (const m of numbered(1000)) a.broker.publish('room', m);
    b.broker.publish(null, 'to everyone');
    await eventually(
      () => b.node.got.length === 1000 && c.node.got.length === 1001,
      'every publish delivered',
    );
    // Order holds per publisher; a's and b's publishes interleave as Redis took them.
    assert.deepEqual(b.node.messages(), numbered(1000));
    const fromA = c.node.got.filter((d) => d.channel === 'room').map((d) => d.message);
    assert.deepEqual(fromA, numbered(1000));
    assert.deepEqual(
      c.node.got.filter((d) => d.channel === null),
      [{ channel: null, message: 'to everyone' }],
    );
    assert.deepEqual(a.node.got, [{ channel: null, message: 'to everyone' }]);
    assert.equal(a.broker.stats().sent, 1000);
    assert.equal(c.broker.stats().gaps, 0);
  });

  test('a Redis restart during a publish stream loses nothing', async () => {
    const a = await broker('t:restart');
    const b = await broker('t:restart');
    let n = 0;
    const stream = setInterval(() => a.broker.publish('room', `message ${++n}`), 5);
    await sleep(300);
    await redis.kill();
    await sleep(5000);
    await redis.restart();
    await sleep(500);
    clearInterval(stream);
    const published = n;
    assert.ok(published > 500, `published ${published}`);
    await eventually(() => b.node.got.length >= published, 'every publish delivered', 20_000);
    assert.deepEqual(b.node.messages(), numbered(published));
    const stats = b.broker.stats();
    assert.equal(stats.gaps, 0);
    assert.equal(stats.delivered, published);
    assert.equal(a.broker.stats().pending, 0);
    assert.ok(a.broker.stats().errors + stats.errors > 0, 'the outage was noticed');
  });

  test('publishes beyond maxPending while Redis is down are dropped and seen as a gap', async () => {
    const a = await broker('t:overflow', { maxPending: 10 });
    const b = await broker('t:overflow');
    const gaps: GapEvent[] = [];
    b.broker.on('gap', (g) => gaps.push(g));
    let dropped = 0;
    a.broker.on('dropped', (count) => {
      dropped += count;
    });
    a.broker.publish('room', 'before');
    await eventually(() => b.node.got.length === 1, 'the first publish delivered');
    await redis.kill();
    await eventually(() => !a.client.isReady, 'the publisher noticed');
    for (const m of numbered(50)) a.broker.publish('room', m);
    assert.equal(a.broker.stats().pending, 10);
    assert.equal(dropped, 40);
    await redis.restart();
    await eventually(() => b.node.got.length === 11, 'the kept publishes delivered', 20_000);
    assert.deepEqual(b.node.messages(), ['before', ...numbered(10, 41)]);
    assert.deepEqual(gaps, [{ publisher: a.broker.id, missed: 40 }]);
    assert.equal(b.broker.stats().missed, 40);
  });

  test('options are checked', () => {
    const client = {} as StreamClient;
    assert.throws(() => new RedisBroker({ client, maxLength: 0 }), /maxLength/);
    assert.throws(() => new RedisBroker({ client, maxPending: 1.5 }), /maxPending/);
  });
});
