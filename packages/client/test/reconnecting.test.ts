// ReconnectingSockJS with a fake SockJS class, fake timers and a fixed
// random: backoff and jitter, the cap, maxRetries, go-away codes, close()
// while waiting, online/visible, and the events.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  backoffDelay,
  ReconnectingSockJS,
  type SockJSConstructor,
  type SockJSLike,
  shouldRetry,
  type Timers,
} from '../src/reconnecting.ts';

/** A SockJS stand-in the test opens and drops by hand. */
class FakeSock extends EventTarget implements SockJSLike {
  static made: FakeSock[] = [];
  readyState: 0 | 1 | 2 | 3 = 0;
  transport: string | null = null;
  sent: string[] = [];
  readonly url: string;
  constructor(url: string) {
    super();
    this.url = url;
    FakeSock.made.push(this);
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(code = 1000, reason = 'Normal closure'): void {
    this.drop(code, reason, true);
  }
  open(): void {
    this.readyState = 1;
    this.transport = 'websocket';
    this.dispatchEvent(new Event('open'));
  }
  message(data: string): void {
    this.dispatchEvent(Object.assign(new Event('message'), { data }));
  }
  drop(code: number, reason = 'x', wasClean = false): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.transport = null;
    this.dispatchEvent(Object.assign(new Event('close'), { code, reason, wasClean }));
  }
}

/** Timers that run only when the test says so. */
function fakeTimers() {
  const pending = new Map<number, { fn: () => void; ms: number }>();
  let next = 1;
  const timers: Timers = {
    setTimeout(fn, ms) {
      pending.set(next, { fn, ms });
      return next++;
    },
    clearTimeout(h) {
      pending.delete(h as number);
    },
  };
  return {
    timers,
    pending,
    /** Runs every pending timer; returns their delays. */
    fire(): number[] {
      const due = [...pending.values()];
      pending.clear();
      for (const t of due) t.fn();
      return due.map((t) => t.ms);
    },
  };
}

function make(options: Record<string, unknown> = {}) {
  FakeSock.made = [];
  const clock = fakeTimers();
  const events: string[] = [];
  const sock = new ReconnectingSockJS('http://h/echo', null, {
    SockJS: FakeSock as unknown as SockJSConstructor,
    timers: clock.timers,
    random: () => 0.5,
    ...options,
  });
  for (const type of ['open', 'reconnecting', 'reconnected', 'close', 'error', 'message'])
    sock.addEventListener(type, (ev) => {
      const e = ev as unknown as Record<string, unknown>;
      if (type === 'reconnecting') events.push(`${type}:${e.attempt}:${e.delay}:${e.code}`);
      else if (type === 'reconnected') events.push(`${type}:${e.attempt}`);
      else if (type === 'close') events.push(`${type}:${e.code}:${e.wasClean}`);
      else if (type === 'message') events.push(`${type}:${e.data}`);
      else events.push(type);
    });
  const last = () => FakeSock.made.at(-1)!;
  return { sock, clock, events, last };
}

test('backoffDelay: full jitter below min(cap, base × 2^(n-1))', () => {
  assert.equal(
    backoffDelay(1, () => 0.999, 1000, 30_000),
    999,
  );
  assert.equal(
    backoffDelay(3, () => 0.5, 1000, 30_000),
    2000,
  );
  assert.equal(
    backoffDelay(20, () => 0.5, 1000, 30_000),
    15_000,
  );
  assert.equal(
    backoffDelay(4, () => 0, 1000, 30_000),
    0,
  );
  assert.equal(shouldRetry(3000), false);
  assert.equal(shouldRetry(1008), false);
  assert.equal(shouldRetry(1006), true);
  assert.equal(shouldRetry(2011), true);
  assert.equal(shouldRetry(4001, [4001]), false);
});

test('drops: reconnecting with growing delays, then reconnected; open only once', () => {
  const { sock, clock, events, last } = make({ minDelay: 100, maxDelay: 350 });
  last().open();
  assert.equal(sock.readyState, sock.OPEN);
  last().message('a');
  last().drop(1006);
  assert.equal(sock.readyState, sock.CONNECTING);
  assert.throws(() => sock.send('x'), { name: 'InvalidStateError' });
  assert.deepEqual(clock.fire(), [50]);
  last().drop(1002); // the next session could not connect either
  assert.deepEqual(clock.fire(), [100]);
  last().drop(2000);
  assert.deepEqual(clock.fire(), [175], 'capped at maxDelay (350 × 0.5)');
  last().open();
  last().message('b');
  sock.send('out');
  assert.deepEqual(last().sent, ['out']);
  assert.deepEqual(events, [
    'open',
    'message:a',
    'reconnecting:1:50:1006',
    'reconnecting:2:100:1002',
    'reconnecting:3:175:2000',
    'reconnected:3',
    'message:b',
  ]);
  assert.equal(FakeSock.made.length, 4);
  // Attempts start again at 1 after an open.
  last().drop(2011);
  assert.equal(events.at(-1), 'reconnecting:1:50:2011');
});

test('go-away codes and maxRetries end it; the app close() too', () => {
  for (const code of [3000, 1008]) {
    const { sock, clock, events, last } = make();
    last().open();
    last().drop(code, 'Go away!', true);
    assert.equal(clock.pending.size, 0);
    assert.equal(sock.readyState, sock.CLOSED);
    assert.deepEqual(events, ['open', `close:${code}:true`]);
  }
  const limited = make({ maxRetries: 2 });
  limited.last().drop(1006);
  limited.clock.fire();
  limited.last().drop(1006);
  limited.clock.fire();
  limited.last().drop(1006);
  assert.deepEqual(limited.events, [
    'reconnecting:1:500:1006',
    'reconnecting:2:1000:1006',
    'error',
    'close:1006:false',
  ]);
  const app = make();
  app.last().open();
  app.sock.close(4000, 'bye');
  assert.equal(app.clock.pending.size, 0);
  assert.deepEqual(app.events, ['open', 'close:4000:true']);
  assert.throws(() => app.sock.close(1006), { name: 'InvalidAccessError' });
});

test('close() while waiting cancels the wait', () => {
  const { sock, clock, events, last } = make();
  last().open();
  last().drop(1006);
  sock.close();
  assert.equal(clock.pending.size, 0);
  assert.equal(FakeSock.made.length, 1);
  assert.deepEqual(events, ['open', 'reconnecting:1:500:1006', 'close:1000:true']);
});

test('in a browser, online or a visible page ends the wait at once', () => {
  const g = globalThis as unknown as Record<string, unknown>;
  const target = new EventTarget();
  const saved = { add: g.addEventListener, remove: g.removeEventListener, doc: g.document };
  g.addEventListener = target.addEventListener.bind(target);
  g.removeEventListener = target.removeEventListener.bind(target);
  g.document = { visibilityState: 'hidden' };
  try {
    const { sock, clock, last } = make({ minDelay: 60_000 });
    last().open();
    last().drop(1006);
    target.dispatchEvent(new Event('visibilitychange'));
    assert.equal(FakeSock.made.length, 1, 'still hidden: keeps waiting');
    (g.document as { visibilityState: string }).visibilityState = 'visible';
    target.dispatchEvent(new Event('visibilitychange'));
    assert.equal(FakeSock.made.length, 2);
    assert.equal(clock.pending.size, 0);
    last().drop(1006);
    target.dispatchEvent(new Event('online'));
    assert.equal(FakeSock.made.length, 3);
    // Online while connected does nothing.
    last().open();
    target.dispatchEvent(new Event('online'));
    assert.equal(FakeSock.made.length, 3);
    sock.close();
    last().drop(1006);
    target.dispatchEvent(new Event('online'));
    assert.equal(FakeSock.made.length, 3, 'listeners gone after close');
  } finally {
    g.addEventListener = saved.add;
    g.removeEventListener = saved.remove;
    g.document = saved.doc;
    if (saved.doc === undefined) delete g.document;
    if (saved.add === undefined) delete g.addEventListener;
    if (saved.remove === undefined) delete g.removeEventListener;
  }
});
