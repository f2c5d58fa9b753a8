// Liveness: a session that receives nothing for heartbeatTimeout closes with
// 2011, on a fake transport (the end-to-end checks are in test/client/liveness.test.ts).

import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { SockJS as Core, HEARTBEAT_TIMEOUT } from '../src/core.ts';
import type { Env, TransportContext, TransportFactory } from '../src/types.ts';

function fake(name: string) {
  const runs: TransportContext[] = [];
  const factory: TransportFactory = {
    name,
    roundTrips: 1,
    enabled: () => true,
    create(ctx) {
      runs.push(ctx);
      return { send() {}, close() {} };
    },
  };
  return { factory, runs };
}

const env: Env = { pageUrl: () => undefined, hasWebSocket: () => true, webSocket: () => null };

function open(name: string, heartbeatTimeout?: number) {
  const t = fake(name);
  const S = class extends Core {
    protected static override env = env;
    protected static override transports = [t.factory];
  };
  const sock = new S('http://h/echo', null, { heartbeatTimeout });
  const closed = new Promise<{ code: number; reason: string; wasClean: boolean; at: number }>(
    (resolve) =>
      sock.addEventListener('close', (e) => {
        const { code, reason, wasClean } = e as unknown as Record<string, never>;
        resolve({ code, reason, wasClean, at: Date.now() });
      }),
  );
  return { sock, runs: t.runs, closed };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function ctxOf(runs: TransportContext[]): Promise<TransportContext> {
  while (runs.length === 0) await sleep(2);
  return runs[0]!;
}

// The two tests below run on node:test's mocked clock: setTimeout and
// Date.now() move only when the test ticks, so the figures are exact.

/** Ticks the mocked clock by `ms`, then runs what is due at once (the close event's 0 ms hop). */
function advance(t: TestContext, ms: number): void {
  t.mock.timers.tick(ms);
  t.mock.timers.tick(0);
}

test('an HTTP transport that goes quiet after o closes with 2011, not clean, after exactly heartbeatTimeout', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const { sock, runs, closed } = open('xhr-streaming', 150);
  advance(t, 0);
  const ctx = runs[0]!;
  const errors: string[] = [];
  sock.onerror = () => errors.push('error');
  let closedAt: number | null = null;
  void closed.then((ev) => {
    closedAt = ev.at;
  });
  ctx.onFrame('o');
  advance(t, 149);
  await Promise.resolve();
  assert.equal(closedAt, null, 'closed before heartbeatTimeout');
  assert.equal(sock.readyState, sock.OPEN);
  advance(t, 1);
  const ev = await closed;
  assert.deepEqual(ev, {
    code: HEARTBEAT_TIMEOUT,
    reason: 'Heartbeat timeout',
    wasClean: false,
    at: 150,
  });
  assert.equal(HEARTBEAT_TIMEOUT, 2011);
  assert.deepEqual(errors, ['error']);
});

test('every frame restarts the clock', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const { sock, runs, closed } = open('xhr-polling', 200);
  advance(t, 0);
  const ctx = runs[0]!;
  ctx.onFrame('o');
  // A frame every 199 ms keeps it open well past 200 ms.
  for (let i = 0; i < 6; i++) {
    advance(t, 199);
    ctx.onFrame(i % 2 ? 'h' : 'a["x"]');
  }
  assert.equal(sock.readyState, sock.OPEN);
  const last = Date.now();
  assert.equal(last, 6 * 199);
  advance(t, 199);
  assert.equal(sock.readyState, sock.OPEN);
  advance(t, 1);
  const ev = await closed;
  assert.equal(ev.code, 2011);
  assert.equal(ev.at - last, 200);
});

test('websocket: the clock starts at the first h (sockjs-node 0.3 pings instead)', async () => {
  const { sock, runs, closed } = open('websocket', 100);
  const ctx = await ctxOf(runs);
  ctx.onFrame('o');
  ctx.onFrame('a["no h yet"]');
  await sleep(300);
  assert.equal(sock.readyState, sock.OPEN, 'no clock before the first h');
  ctx.onFrame('h');
  const ev = await closed;
  assert.equal(ev.code, 2011);
});

test('0 turns it off; close() stops the clock', async () => {
  const off = open('xhr-streaming', 0);
  (await ctxOf(off.runs)).onFrame('o');
  await sleep(150);
  assert.equal(off.sock.readyState, off.sock.OPEN);
  off.sock.close();
  assert.equal((await off.closed).code, 1000);
  const on = open('xhr-streaming', 100);
  (await ctxOf(on.runs)).onFrame('o');
  on.sock.close(4000, 'bye');
  assert.equal((await on.closed).code, 4000);
});

test('a close() from onopen leaves no timer behind', async () => {
  const { sock, runs, closed } = open('eventsource', 60_000);
  sock.onopen = () => sock.close();
  (await ctxOf(runs)).onFrame('o');
  assert.equal((await closed).code, 1000);
  // node:test would report the process held open by a 60 s timer (no --test-force-exit here).
});
