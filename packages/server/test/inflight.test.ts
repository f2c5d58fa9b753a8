// InFlight, the list of responses and sockets a graceful shutdown waits
// for: what it counts, when drain() resolves, what it cuts.

import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { InFlight } from '../src/inflight.js';

class Item extends EventEmitter {
  destroyed = 0;
  constructor(readonly name: string) {
    super();
  }
  destroy(): void {
    this.destroyed++;
    this.emit('close');
  }
}

test('counts what is tracked until it closes or is deleted, each once', () => {
  const inflight = new InFlight();
  const [a, b, c] = [new Item('a'), new Item('b'), new Item('c')];
  inflight.track(a);
  inflight.track(b);
  inflight.add(c);
  inflight.add(c);
  assert.equal(inflight.size, 3);
  b.emit('close');
  assert.equal(inflight.size, 2);
  b.emit('close');
  inflight.delete(b);
  assert.equal(inflight.size, 2);
  inflight.delete(c);
  inflight.delete(c);
  assert.equal(inflight.size, 1);
  a.emit('close');
  assert.equal(inflight.size, 0);
  // Tracked again after it left: counted again.
  inflight.add(a);
  assert.equal(inflight.size, 1);
});

test('an item tracked by one list is not removed by another', () => {
  const one = new InFlight();
  const other = new InFlight();
  const item = new Item('x');
  one.add(item);
  other.delete(item);
  assert.equal(one.size, 1);
  one.delete(item);
  assert.equal(one.size, 0);
});

test('removal from the head, the middle and the tail keeps the rest', async () => {
  const inflight = new InFlight();
  const items = Array.from({ length: 6 }, (_, i) => new Item(`i${i}`));
  for (const item of items) inflight.add(item);
  // Added last is first in the list: remove the head, one in the middle, the tail.
  for (const i of [5, 2, 0]) inflight.delete(items[i]!);
  assert.equal(inflight.size, 3);
  await Promise.all([inflight.drain(0), new Promise((resolve) => setTimeout(resolve, 20))]);
  assert.deepEqual(
    items.map((item) => item.destroyed),
    [0, 1, 0, 1, 1, 0],
  );
});

test('drain() resolves at once when nothing is in flight, else when the last one closes', async () => {
  const inflight = new InFlight();
  await inflight.drain(60_000);
  const [a, b] = [new Item('a'), new Item('b')];
  inflight.track(a);
  inflight.track(b);
  let drained = false;
  const draining = inflight.drain(60_000).then(() => {
    drained = true;
  });
  a.emit('close');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(drained, false);
  b.emit('close');
  await draining;
  assert.equal(a.destroyed + b.destroyed, 0);
});

test('drain() cuts what is still in flight after the timeout, and only that', async () => {
  const inflight = new InFlight();
  const items = [new Item('a'), new Item('b'), new Item('c')];
  for (const item of items) inflight.track(item);
  items[1]!.emit('close');
  // drain()'s timer does not keep the process alive; this one does.
  await Promise.all([inflight.drain(20), new Promise((resolve) => setTimeout(resolve, 40))]);
  assert.deepEqual(
    items.map((item) => item.destroyed),
    [1, 0, 1],
  );
  assert.equal(inflight.size, 0);
});
