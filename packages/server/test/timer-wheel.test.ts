import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Scheduled, TimerWheel } from '../src/timer-wheel.js';

class Item implements Scheduled {
  readonly fired: number[] = [];
  onDeadline(now: number): void {
    this.fired.push(now);
  }
}

// The wheel decides what is due from its clock; its real timer only wakes it
// up. A fake clock makes "not yet due" certain however slow the machine is.
class FakeClock {
  t = 1000;
  readonly now = () => this.t;
}

async function waitUntil(check: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail('condition not met in time');
    await sleep(5);
  }
}

describe('TimerWheel', () => {
  test('fires items once their slot has passed, with the real clock', async () => {
    const wheel = new TimerWheel<Item>(10);
    const a = new Item();
    const b = new Item();
    const start = Date.now();
    wheel.schedule(a, start + 30);
    wheel.schedule(b, start + 31);
    assert.equal(wheel.size, 2);
    await waitUntil(() => a.fired.length === 1 && b.fired.length === 1);
    assert.ok(a.fired[0]! >= start + 30, 'not early');
    assert.equal(wheel.size, 0);
    await sleep(30);
    assert.equal(a.fired.length, 1, 'once');
  });

  test('never fires early, and rounds deadlines up to the resolution', async () => {
    const clock = new FakeClock();
    const wheel = new TimerWheel<Item>(50, clock.now);
    const a = new Item();
    wheel.schedule(a, 1001); // slot 1050: the real timer is set for 50 ms
    clock.t = 1049;
    await sleep(80);
    assert.deepEqual(a.fired, [], 'the timer ran, but the slot was not due yet');
    clock.t = 1050;
    await waitUntil(() => a.fired.length > 0);
    assert.deepEqual(a.fired, [1050]);
    wheel.clear();
  });

  test('rescheduling moves an item; Infinity and cancel remove it', async () => {
    const clock = new FakeClock();
    const wheel = new TimerWheel<Item>(10, clock.now);
    const a = new Item();
    const b = new Item();
    const c = new Item();
    wheel.schedule(a, 1020);
    wheel.schedule(a, 1060);
    wheel.schedule(b, 1020);
    wheel.schedule(b, Number.POSITIVE_INFINITY);
    wheel.schedule(c, 1020);
    wheel.cancel(c);
    assert.equal(wheel.size, 1);
    clock.t = 1040;
    await sleep(40);
    assert.deepEqual(a.fired, []);
    clock.t = 1060;
    await waitUntil(() => a.fired.length > 0);
    assert.deepEqual(a.fired, [1060]);
    assert.deepEqual(b.fired, []);
    assert.deepEqual(c.fired, []);
    wheel.clear();
  });

  test('an earlier deadline re-arms the timer; later ones wait; clear forgets them', async () => {
    const clock = new FakeClock();
    const wheel = new TimerWheel<Item>(10, clock.now);
    const late = new Item();
    const early = new Item();
    wheel.schedule(late, 3000);
    wheel.schedule(early, 1020);
    clock.t = 1020;
    await waitUntil(() => early.fired.length > 0);
    assert.equal(late.fired.length, 0);
    assert.equal(wheel.size, 1);
    wheel.clear();
    assert.equal(wheel.size, 0);
    clock.t = 5000;
    await sleep(50);
    assert.equal(late.fired.length, 0, 'clear forgets every deadline');
  });

  test('several items in one slot fire together', async () => {
    const clock = new FakeClock();
    const wheel = new TimerWheel<Item>(50, clock.now);
    const items = [new Item(), new Item(), new Item()];
    wheel.schedule(items[0]!, 1010);
    wheel.schedule(items[1]!, 1030);
    wheel.schedule(items[2]!, 1050);
    clock.t = 1050;
    await waitUntil(() => items.every((i) => i.fired.length === 1));
    assert.deepEqual(
      items.map((i) => i.fired[0]),
      [1050, 1050, 1050],
    );
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
    await waitUntil(() => count >= 3);
    await sleep(50);
    assert.equal(count, 3);
    assert.equal(wheel.size, 0);
  });

  test('its timer does not keep the process alive', () => {
    const wheel = new TimerWheel<Item>(10);
    wheel.schedule(new Item(), Date.now() + 60_000);
    const timer = (wheel as unknown as { timer: NodeJS.Timeout }).timer;
    assert.equal(timer.hasRef(), false);
    wheel.clear();
  });
});
