import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Scheduled, TimerWheel } from '../src/timer-wheel.js';

class Item implements Scheduled {
  readonly fired: number[] = [];
  constructor(readonly name: string) {}
  onDeadline(now: number): void {
    this.fired.push(now);
  }
}

describe('TimerWheel', () => {
  test('fires items once their slot has passed, in one timer per slot', async () => {
    const wheel = new TimerWheel<Item>(10);
    const a = new Item('a');
    const b = new Item('b');
    const start = Date.now();
    wheel.schedule(a, start + 30);
    wheel.schedule(b, start + 31);
    assert.equal(wheel.size, 2);
    await sleep(80);
    assert.equal(a.fired.length, 1);
    assert.equal(b.fired.length, 1);
    assert.ok(a.fired[0]! >= start + 30, 'not early');
    assert.equal(wheel.size, 0);
  });

  test('never fires early, and rounds deadlines up to the resolution', async () => {
    let now = 1000;
    const wheel = new TimerWheel<Item>(50, () => now);
    const a = new Item('a');
    wheel.schedule(a, 1001); // slot 1050: the real timer is set for 50 ms
    now = 1049;
    await sleep(80);
    assert.deepEqual(a.fired, [], 'the timer ran, but the slot was not due yet');
    now = 1050;
    await sleep(20);
    assert.deepEqual(a.fired, [1050]);
    wheel.clear();
  });

  test('rescheduling moves an item; Infinity and cancel remove it', async () => {
    const wheel = new TimerWheel<Item>(10);
    const a = new Item('a');
    const b = new Item('b');
    const c = new Item('c');
    const t = Date.now();
    wheel.schedule(a, t + 20);
    wheel.schedule(a, t + 60);
    wheel.schedule(b, t + 20);
    wheel.schedule(b, Number.POSITIVE_INFINITY);
    wheel.schedule(c, t + 20);
    wheel.cancel(c);
    assert.equal(wheel.size, 1);
    await sleep(40);
    assert.deepEqual(a.fired, []);
    await sleep(50);
    assert.equal(a.fired.length, 1);
    assert.deepEqual(b.fired, []);
    assert.deepEqual(c.fired, []);
  });

  test('an earlier deadline re-arms the timer; later ones wait', async () => {
    const wheel = new TimerWheel<Item>(10);
    const late = new Item('late');
    const early = new Item('early');
    const t = Date.now();
    wheel.schedule(late, t + 200);
    wheel.schedule(early, t + 20);
    await sleep(60);
    assert.equal(early.fired.length, 1);
    assert.equal(late.fired.length, 0);
    assert.equal(wheel.size, 1);
    wheel.clear();
    assert.equal(wheel.size, 0);
    await sleep(180);
    assert.equal(late.fired.length, 0, 'clear forgets every deadline');
  });

  test('an item may reschedule itself from onDeadline', async () => {
    const wheel = new TimerWheel<Scheduled>(10);
    let count = 0;
    const item: Scheduled = {
      onDeadline(now) {
        count++;
        if (count < 3) wheel.schedule(item, now + 10);
      },
    };
    wheel.schedule(item, Date.now() + 10);
    await sleep(150);
    assert.equal(count, 3);
    assert.equal(wheel.size, 0);
  });

  test('its timer does not keep the process alive', () => {
    const wheel = new TimerWheel<Item>(10);
    wheel.schedule(new Item('x'), Date.now() + 60_000);
    const timer = (wheel as unknown as { timer: NodeJS.Timeout }).timer;
    assert.equal(timer.hasRef(), false);
    wheel.clear();
  });
});
