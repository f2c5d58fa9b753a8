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

  test('postpone leaves an item in place when its deadline moves later, and moves it earlier', async () => {
    const clock = new FakeClock();
    const wheel = new TimerWheel<Item>(10, clock.now);
    const later = new Item();
    const earlier = new Item();
    const gone = new Item();
    wheel.postpone(later, 1020);
    wheel.postpone(later, 1060); // stays in slot 1020
    wheel.postpone(earlier, 1060);
    wheel.postpone(earlier, 1030); // moves to slot 1030
    wheel.postpone(gone, 1020);
    wheel.postpone(gone, Number.POSITIVE_INFINITY);
    assert.equal(wheel.size, 2);
    clock.t = 1020;
    await waitUntil(() => later.fired.length > 0);
    assert.deepEqual(later.fired, [1020], 'called at the earlier deadline');
    assert.deepEqual(earlier.fired, []);
    clock.t = 1030;
    await waitUntil(() => earlier.fired.length > 0);
    assert.deepEqual(earlier.fired, [1030]);
    assert.deepEqual(gone.fired, []);
    assert.equal(wheel.size, 0);
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

// The wheel's promise is one timer for many deadlines, armed for the earliest
// slot. These tests replace the global setTimeout/clearTimeout (which the
// wheel calls) with a ledger of live timers, so what the wheel arms, replaces
// and leaves behind is checked exactly, with no real time passing.
class TimerLedger {
  t = 1000;
  readonly live = new Map<number, { at: number; fn: () => void }>();
  private nextId = 1;
  private saved: { set: typeof setTimeout; clear: typeof clearTimeout } | null = null;
  readonly now = () => this.t;

  install(): void {
    this.saved = { set: globalThis.setTimeout, clear: globalThis.clearTimeout };
    const fakeSet = (fn: () => void, ms: number) => {
      const id = this.nextId++;
      // Node runs a delay it cannot hold (over 2^31 - 1, or Infinity) after 1 ms.
      const delay = Number.isFinite(ms) && ms <= 2 ** 31 - 1 ? ms : 1;
      this.live.set(id, { at: this.t + delay, fn });
      return { id, unref: () => {}, hasRef: () => false };
    };
    const fakeClear = (timer: { id: number } | null | undefined) => {
      if (timer) this.live.delete(timer.id);
    };
    globalThis.setTimeout = fakeSet as unknown as typeof setTimeout;
    globalThis.clearTimeout = fakeClear as unknown as typeof clearTimeout;
  }

  uninstall(): void {
    if (this.saved === null) return;
    globalThis.setTimeout = this.saved.set;
    globalThis.clearTimeout = this.saved.clear;
  }

  /** When each live timer is due, earliest first. */
  armed(): number[] {
    return [...this.live.values()].map((timer) => timer.at).sort((a, b) => a - b);
  }

  /** Moves the clock to `to`, running every timer due by then in order (at most 100). */
  advance(to: number): void {
    for (let n = 0; n < 100; n++) {
      const due = [...this.live.entries()]
        .filter(([, timer]) => timer.at <= to)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      this.live.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
    }
    this.t = to;
  }
}

describe('TimerWheel keeps one timer, for the earliest slot', () => {
  const withLedger = (body: (ledger: TimerLedger) => void) => () => {
    const ledger = new TimerLedger();
    ledger.install();
    try {
      body(ledger);
    } finally {
      ledger.uninstall();
    }
  };

  test(
    'a later deadline scheduled after an earlier one leaves the timer on the earlier slot',
    withLedger((ledger) => {
      const wheel = new TimerWheel<Item>(10, ledger.now);
      const early = new Item();
      const late = new Item();
      wheel.schedule(early, 1020);
      wheel.schedule(late, 3000);
      assert.deepEqual(ledger.armed(), [1020]);
      ledger.advance(1020);
      assert.deepEqual(early.fired, [1020], 'the earlier item fires on time');
      assert.deepEqual(late.fired, []);
      assert.deepEqual(ledger.armed(), [3000], 'then the timer moves to the next slot');
      ledger.advance(3000);
      assert.deepEqual(late.fired, [3000]);
      assert.deepEqual(ledger.armed(), [], 'nothing left, no timer');
    }),
  );

  test(
    'after a fire the timer goes to the earliest remaining slot, whatever order they came in',
    withLedger((ledger) => {
      const wheel = new TimerWheel<Item>(10, ledger.now);
      const first = new Item();
      const second = new Item();
      const third = new Item();
      wheel.schedule(first, 1020);
      wheel.schedule(second, 1500);
      wheel.schedule(third, 3000);
      ledger.advance(1020);
      assert.deepEqual(ledger.armed(), [1500]);
      ledger.advance(1500);
      assert.deepEqual(second.fired, [1500]);
      assert.deepEqual(ledger.armed(), [3000]);
    }),
  );

  test(
    'an earlier deadline replaces the timer instead of adding one',
    withLedger((ledger) => {
      const wheel = new TimerWheel<Item>(10, ledger.now);
      wheel.schedule(new Item(), 3000);
      wheel.schedule(new Item(), 2000);
      wheel.schedule(new Item(), 1020);
      assert.deepEqual(ledger.armed(), [1020]);
    }),
  );

  test(
    'a slot emptied by cancel gets no timer of its own',
    withLedger((ledger) => {
      const wheel = new TimerWheel<Item>(10, ledger.now);
      const early = new Item();
      const cancelled = new Item();
      wheel.schedule(early, 1020);
      wheel.schedule(cancelled, 1500);
      wheel.cancel(cancelled);
      ledger.advance(1020);
      assert.deepEqual(early.fired, [1020]);
      assert.deepEqual(ledger.armed(), [], 'nothing is due any more: no timer, no wake-ups');
      ledger.advance(5000);
      assert.deepEqual(cancelled.fired, []);
    }),
  );

  test(
    'clear() stops the timer',
    withLedger((ledger) => {
      const wheel = new TimerWheel<Item>(10, ledger.now);
      wheel.schedule(new Item(), 1020);
      wheel.clear();
      assert.deepEqual(ledger.armed(), []);
    }),
  );
});
