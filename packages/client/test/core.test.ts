// Unit tests for the SockJS object with a fake environment and fake
// transports: validation, /info, selection, fallback, timeouts, frames.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SockJS as Core } from '../src/core.ts';
import { discover } from '../src/info.ts';
import type { Env, HttpRequest, TransportContext, TransportFactory } from '../src/types.ts';

interface Scripted {
  ctx?: TransportContext;
  sent: string[];
  closed: boolean;
}

/** A transport driven by the test through the returned record. */
function fakeTransport(name: string, roundTrips = 1, enabled = true) {
  const runs: Scripted[] = [];
  const factory: TransportFactory = {
    name,
    roundTrips,
    enabled: () => enabled,
    create(ctx) {
      const run: Scripted = { ctx, sent: [], closed: false };
      runs.push(run);
      return {
        send: (m) => run.sent.push(m),
        close: () => {
          run.closed = true;
        },
      };
    },
  };
  return { factory, runs };
}

let infoRequests: string[] = [];
let infoBody = '{"websocket":true,"cookie_needed":false,"origins":["*:*"],"entropy":1}';
const fakeHttp: HttpRequest = (_method, url, _body, onData, onEnd) => {
  infoRequests.push(url);
  let live = true;
  setTimeout(() => {
    if (!live) return;
    onData(infoBody);
    onEnd(200);
  }, 1);
  return () => {
    live = false;
  };
};
const env: Env = {
  pageUrl: () => undefined,
  http: () => fakeHttp,
  hasWebSocket: () => true,
  webSocket: () => null,
};

function makeClass(transports: TransportFactory[]) {
  return class extends Core {
    protected static override env = env;
    protected static override discover = discover;
    protected static override transports = transports;
  };
}

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await tick();
  }
}
function closeEvent(sock: Core): Promise<{ code: number; reason: string; wasClean: boolean }> {
  return new Promise((resolve) => {
    sock.addEventListener('close', (e) => {
      const { code, reason, wasClean } = e as unknown as Record<string, never>;
      resolve({ code, reason, wasClean });
    });
  });
}

test('validates the URL like sockjs-client', () => {
  const { factory } = fakeTransport('a');
  const S = makeClass([factory]);
  for (const bad of ['ftp://h/x', 'http://h/x#frag', 'relative/path', 'ws://h/x'])
    assert.throws(() => new S(bad), { name: 'SyntaxError' }, bad);
  const s = new S('http://h:1/echo///?token=1');
  assert.equal(s.url, 'http://h:1/echo?token=1');
  s.close();
});

test('close() and send() validate like a WebSocket', () => {
  const { factory } = fakeTransport('a');
  const S = makeClass([factory]);
  const s = new S('http://h/echo');
  assert.equal(s.readyState, S.CONNECTING);
  assert.equal(s.CONNECTING, 0);
  assert.equal(S.CLOSED, 3);
  assert.throws(() => s.send('x'), { name: 'InvalidStateError' });
  for (const code of [1001, 1006, 2000, 2999, 5000])
    assert.throws(() => s.close(code), { name: 'InvalidAccessError' }, String(code));
  assert.throws(() => s.close(1000, 'x'.repeat(124)), { name: 'SyntaxError' });
  // 62 two-byte characters are 124 bytes.
  assert.throws(() => s.close(1000, 'é'.repeat(62)), { name: 'SyntaxError' });
  s.close(4000, 'x'.repeat(123));
  assert.equal(s.readyState, S.CLOSING);
  s.close(); // a no-op once closing
});

test('GETs /info (query kept), opens the first enabled transport, relays frames', async () => {
  infoRequests = [];
  const off = fakeTransport('off', 1, false);
  const a = fakeTransport('a');
  const S = makeClass([off.factory, a.factory]);
  const s = new S('http://h/echo?k=v', null, { server: '007', sessionId: 4 });
  const events: string[] = [];
  s.onopen = () => events.push('onopen');
  s.addEventListener('open', () => events.push('open'));
  s.onmessage = (e) => events.push('m:' + e.data);
  s.addEventListener('heartbeat', () => events.push('h'));
  await until(() => a.runs.length === 1);
  assert.deepEqual(infoRequests, ['http://h/echo/info?k=v']);
  assert.equal(off.runs.length, 0);
  const ctx = a.runs[0]!.ctx!;
  assert.match(ctx.url, /^http:\/\/h\/echo\/007\/[0-9a-v]{4}\?k=v$/);
  ctx.onFrame('o');
  assert.equal(s.readyState, S.OPEN);
  assert.equal(s.transport, 'a');
  ctx.onFrame('h');
  ctx.onFrame('a["x","\\u2028"]');
  ctx.onFrame('not a frame');
  ctx.onFrame('');
  ctx.onFrame('ox');
  s.send('hi');
  assert.deepEqual(a.runs[0]!.sent, ['hi']);
  assert.deepEqual(events, ['onopen', 'open', 'h', 'm:x', 'm:\u2028']);
  const done = closeEvent(s);
  ctx.onFrame('c[3000,"Go away!"]');
  assert.deepEqual(await done, { code: 3000, reason: 'Go away!', wasClean: true });
  assert.equal(s.readyState, S.CLOSED);
  assert.equal(a.runs[0]!.closed, true);
});

test('a hostile server cannot make frame handling throw', async () => {
  const a = fakeTransport('a');
  const S = makeClass([a.factory]);
  const s = new S('http://h/echo');
  const got: string[] = [];
  s.onmessage = (e) => got.push(e.data);
  await until(() => a.runs.length === 1);
  const ctx = a.runs[0]!.ctx!;
  ctx.onFrame('o');
  ctx.onFrame('a[{"toString":null},7,[1]]');
  assert.deepEqual(got, ['{"toString":null}', '7', '[1]']);
  // A close frame without an integer code is no frame: the socket stays open.
  ctx.onFrame('c[{"toString":null},"x"]');
  ctx.onFrame('c');
  assert.equal(s.readyState, S.OPEN);
  const done = closeEvent(s);
  ctx.onFrame('c[4000,{"valueOf":null}]');
  const ev = await done;
  assert.deepEqual(ev, { code: 4000, reason: '{"valueOf":null}', wasClean: true });
  assert.equal(s.readyState, S.CLOSED);
});

test('falls back on failure; a failed attempt can no longer touch the socket', async () => {
  const a = fakeTransport('a');
  const b = fakeTransport('b');
  const S = makeClass([a.factory, b.factory]);
  const s = new S('http://h/echo', null, { transports: ['a', 'b'] });
  await until(() => a.runs.length === 1);
  const first = a.runs[0]!.ctx!;
  first.onClose(1006, 'broken');
  assert.equal(a.runs[0]!.closed, true);
  assert.equal(b.runs.length, 1);
  // Late calls from the failed attempt are ignored.
  first.onFrame('o');
  first.onClose(1006, 'again');
  assert.equal(s.readyState, S.CONNECTING);
  b.runs[0]!.ctx!.onFrame('o');
  assert.equal(s.transport, 'b');
  const done = closeEvent(s);
  s.close();
  assert.deepEqual(await done, { code: 1000, reason: 'Normal closure', wasClean: true });
});

test('the allow-list filters transports; none left gives 2000', async () => {
  const a = fakeTransport('a');
  const S = makeClass([a.factory]);
  const s = new S('http://h/echo', null, { transports: 'nope' });
  const errors: Event[] = [];
  s.onerror = (e) => errors.push(e);
  assert.deepEqual(await closeEvent(s), {
    code: 2000,
    reason: 'All transports failed',
    wasClean: false,
  });
  assert.equal(errors.length, 1);
  assert.equal(a.runs.length, 0);
});

test('an attempt that never opens times out after max(timeout, rto * roundTrips)', async (t) => {
  // On a mocked clock: /info answers 1 ms after it is asked (fakeHttp), so
  // the RTT is 1 ms and the rto 300 + 1 = 301 ms.
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const settle = async () => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  for (const [timeout, roundTrips, waits] of [
    [700, 2, 700], // rto * 2 = 602 < timeout
    [100, 2, 602], // rto * 2 wins
    [100, 3, 903],
  ] as const) {
    const slow = fakeTransport('slow', roundTrips);
    const fast = fakeTransport('fast');
    const S = makeClass([slow.factory, fast.factory]);
    const s = new S('http://h/echo', null, { timeout });
    t.mock.timers.tick(1);
    await settle();
    assert.equal(slow.runs.length, 1, 'the first attempt starts once /info answered');
    t.mock.timers.tick(waits - 1);
    await settle();
    assert.equal(fast.runs.length, 0, `still waiting at ${waits - 1} ms (timeout ${timeout})`);
    assert.equal(slow.runs[0]!.closed, false);
    t.mock.timers.tick(1);
    await settle();
    assert.equal(fast.runs.length, 1, `the next attempt at ${waits} ms (timeout ${timeout})`);
    assert.equal(slow.runs[0]!.closed, true);
    s.close();
  }
});

test('close() while /info is pending aborts it and opens nothing', async () => {
  const a = fakeTransport('a');
  const S = makeClass([a.factory]);
  const s = new S('http://h/echo');
  const done = closeEvent(s);
  s.close(3001, 'bye');
  assert.deepEqual(await done, { code: 3001, reason: 'bye', wasClean: true });
  await tick(20);
  assert.equal(a.runs.length, 0);
});

test('a second open frame means the server lost the session: 1006', async () => {
  const a = fakeTransport('a');
  const S = makeClass([a.factory]);
  const s = new S('http://h/echo');
  await until(() => a.runs.length === 1);
  const ctx = a.runs[0]!.ctx!;
  ctx.onFrame('o');
  const done = closeEvent(s);
  ctx.onFrame('o');
  assert.deepEqual(await done, { code: 1006, reason: 'Server lost session', wasClean: false });
});

test('a transport dropping after open closes with its code; a bad /info gives 1002', async () => {
  const a = fakeTransport('a');
  const S = makeClass([a.factory]);
  const s = new S('http://h/echo');
  await until(() => a.runs.length === 1);
  a.runs[0]!.ctx!.onFrame('o');
  const done = closeEvent(s);
  a.runs[0]!.ctx!.onClose(1006, 'Connection broken');
  assert.deepEqual(await done, { code: 1006, reason: 'Connection broken', wasClean: false });

  infoBody = 'not json';
  try {
    const t = new S('http://h/echo');
    assert.deepEqual(await closeEvent(t), {
      code: 1002,
      reason: 'Cannot connect to server',
      wasClean: false,
    });
  } finally {
    infoBody = '{"websocket":true}';
  }
});

test('/info decides: websocket false disables websocket, base_url moves the sessions', async () => {
  const ws = fakeTransport('websocket');
  const a = fakeTransport('a');
  ws.factory.enabled = (facts) => facts.websocket;
  const S = makeClass([ws.factory, a.factory]);
  infoBody = '{"websocket":false,"base_url":"http://other/sock","origins":[{"toString":null}]}';
  try {
    const s = new S('http://h/echo');
    await until(() => a.runs.length === 1);
    assert.equal(ws.runs.length, 0);
    assert.match(a.runs[0]!.ctx!.url, /^http:\/\/other\/sock\/[0-9]{3}\/[0-9a-v]{8}$/);
    s.close();
  } finally {
    infoBody = '{"websocket":true}';
  }
});

test('without /info (WebSocket-only builds), close() before the first attempt opens nothing', async () => {
  const a = fakeTransport('a');
  class WithoutInfo extends Core {
    protected static override env = env;
    protected static override transports = [a.factory];
  }
  const s = new WithoutInfo('http://h/echo');
  s.close();
  await tick(20);
  assert.equal(a.runs.length, 0);
  const t = new WithoutInfo('http://h/echo');
  await until(() => a.runs.length === 1);
  t.close();
});

test('an empty allow-list allows every transport, as in sockjs-client', async () => {
  for (const transports of [[], '']) {
    const a = fakeTransport('a');
    const S = makeClass([a.factory]);
    const s = new S('http://h/echo', null, { transports });
    await until(() => a.runs.length === 1);
    s.close();
  }
});
