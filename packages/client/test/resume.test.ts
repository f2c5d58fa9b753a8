// Resume's client side (src/resume.ts) on a scripted transport: the query of
// each receiving request, numbered batches (dedupe, a gap, acks), ack-only
// batches, and a drop (buffering, the reattach, the resend, 2012). The
// end-to-end checks over real sockets are test/client/resume*.test.ts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SockJS as Core } from '../src/core.ts';
import { resumable } from '../src/resume.ts';
import type { Discover, Env, TransportContext, TransportFactory } from '../src/types.ts';

interface Run {
  ctx: TransportContext;
  batches: string[];
  /** Answers the oldest batch in flight. */
  answer(ok: boolean): void;
  closed: boolean;
}

const env: Env = { pageUrl: () => undefined, hasWebSocket: () => false, webSocket: () => null };

/** A SockJS class over one scripted transport `name`, against a server with a `window` ms resume window. */
function scripted(name: string, window = 5000) {
  const runs: Run[] = [];
  const factory: TransportFactory = {
    name,
    roundTrips: 1,
    enabled: () => true,
    create(ctx) {
      const answers: ((ok: boolean) => void)[] = [];
      const run: Run = {
        ctx,
        batches: [],
        answer: (ok) => answers.shift()?.(ok),
        closed: false,
      };
      runs.push(run);
      return {
        send: () => assert.fail('a resumable session sends batches only'),
        sendBatch(body, done) {
          run.batches.push(body);
          answers.push(done);
        },
        close() {
          run.closed = true;
        },
      };
    },
  };
  const discover: Discover = (_http, _url, _env, _options, done) => {
    setTimeout(() =>
      done(
        {
          websocket: false,
          cookie_needed: false,
          sameOrigin: true,
          nullOrigin: false,
          resume: window,
        },
        1,
      ),
    );
    return () => {};
  };
  const SockJS = class extends Core {
    protected static override env = env;
    protected static override discover = discover;
    protected static override transports = [resumable(factory)];
  };
  return { SockJS, runs };
}

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await tick();
  }
}

/** Opens a session on the scripted transport; returns it, its runs and what it dispatched. */
async function openSession(name = 'xhr-streaming', options = {}, window?: number) {
  const { SockJS, runs } = scripted(name, window);
  const sock = new SockJS('http://h/echo', null, {
    resume: true,
    minDelay: 20,
    maxDelay: 20,
    ...options,
  } as object);
  const got: string[] = [];
  const events: { type: string; attempt?: number; code?: number; wasClean?: boolean }[] = [];
  sock.addEventListener('message', (e) => got.push(e.data));
  for (const type of ['open', 'resuming', 'resumed', 'close'])
    sock.addEventListener(type, (e) => {
      const { attempt, code, wasClean } = e as unknown as Record<string, never>;
      events.push({ type, attempt, code, wasClean });
    });
  await until(() => runs.length === 1);
  runs[0]!.ctx.onFrame('o');
  return { sock, runs, got, events };
}

test('receiving requests ask resume=new, then resume=<messages received>', async () => {
  const { SockJS, runs } = scripted('xhr-streaming');
  const sock = new SockJS('http://h/echo', null, { resume: true });
  await until(() => runs.length === 1);
  const ctx = runs[0]!.ctx;
  assert.equal(ctx.resumeQuery?.(), 'resume=new');
  ctx.onFrame('o');
  ctx.onFrame('a[0,0,"a","b"]');
  assert.equal(ctx.resumeQuery?.(), 'resume=2');
  sock.close();
});

test('without the option, or against a server without resume, the transport is the plain one', async () => {
  for (const [resume, window] of [
    [false, 5000],
    [true, 0],
  ] as const) {
    const { SockJS, runs } = scripted('xhr-streaming', window);
    const sock = new SockJS('http://h/echo', null, { resume });
    await until(() => runs.length === 1);
    assert.equal(runs[0]!.ctx.resumeQuery, undefined);
    sock.close();
  }
});

test('numbered batches: what came before is dropped, a gap closes with 1002', async () => {
  const { sock, runs, got, events } = await openSession();
  const ctx = runs[0]!.ctx;
  ctx.onFrame('a[0,0,"m0","m1"]');
  ctx.onFrame('a[1,0,"m1","m2"]');
  ctx.onFrame('a[3,0]');
  assert.deepEqual(got, ['m0', 'm1', 'm2']);
  ctx.onFrame('a[5,0,"m5"]');
  await until(() => events.some((e) => e.type === 'close'));
  assert.deepEqual(got, ['m0', 'm1', 'm2']);
  assert.deepEqual(events.at(-1), {
    type: 'close',
    attempt: undefined,
    code: 1002,
    wasClean: false,
  });
  assert.equal(sock.readyState, sock.CLOSED);
});

test('sends: one batch in flight, [seq, ack, ...], numbered on', async () => {
  const { sock, runs } = await openSession();
  const run = runs[0]!;
  run.ctx.onFrame('a[0,0,"x"]');
  sock.send('a');
  sock.send('b');
  sock.send('c');
  assert.deepEqual(run.batches, ['[0,1,"a"]']);
  assert.ok(sock.bufferedAmount > 0);
  run.answer(true);
  assert.deepEqual(run.batches, ['[0,1,"a"]', '[1,1,"b","c"]']);
  assert.equal(sock.bufferedAmount, 0);
  sock.close();
});

test('ack-only batches: after 32 unconfirmed messages on streaming transports, never on polling ones', async () => {
  for (const name of ['xhr-streaming', 'xhr-polling']) {
    const { sock, runs } = await openSession(name);
    const run = runs[0]!;
    const messages = Array.from({ length: 32 }, (_, i) => `"m${i}"`).join(',');
    run.ctx.onFrame(`a[0,0,${messages}]`);
    assert.deepEqual(run.batches, name === 'xhr-streaming' ? ['[0,32]'] : []);
    sock.close();
  }
});

test('a drop: resuming, OPEN, send() buffered; the same transport again with resume=<ack> and the unconfirmed resent in one batch; resumed at its first frame', async () => {
  const { sock, runs, got, events } = await openSession();
  const first = runs[0]!;
  first.ctx.onFrame('a[0,0,"s0","s1"]');
  sock.send('c0');
  sock.send('c1');
  first.answer(true); // c0 confirmed by the 204
  first.ctx.onFrame('a[2,1]'); // c1 not confirmed yet
  first.ctx.onClose(1006, 'Connection broken');
  assert.deepEqual(
    events.map((e) => e.type),
    ['open', 'resuming'],
  );
  assert.equal(events[1]!.attempt, 1);
  assert.equal(sock.readyState, sock.OPEN);
  sock.send('c2');
  assert.equal(sock.bufferedAmount, 4);
  await until(() => runs.length === 2);
  const second = runs[1]!;
  assert.equal(second.ctx.url, first.ctx.url);
  assert.equal(second.ctx.resumeQuery?.(), 'resume=2');
  assert.deepEqual(second.batches, ['[1,2,"c1","c2"]']);
  assert.equal(sock.bufferedAmount, 0);
  second.ctx.onFrame('a[1,3,"s1","s2"]');
  assert.deepEqual(
    events.map((e) => e.type),
    ['open', 'resuming', 'resumed'],
  );
  assert.deepEqual(got, ['s0', 's1', 's2']);
  sock.close();
});

test('an open frame on a reattach, or a window that passes, closes with 2012 "Cannot resume"', async () => {
  const reopened = await openSession();
  reopened.runs[0]!.ctx.onClose(1006, 'Connection broken');
  await until(() => reopened.runs.length === 2);
  reopened.runs[1]!.ctx.onFrame('o');
  await until(() => reopened.events.some((e) => e.type === 'close'));
  assert.deepEqual(reopened.events.at(-1), {
    type: 'close',
    attempt: undefined,
    code: 2012,
    wasClean: false,
  });

  const late = await openSession('xhr-streaming', { heartbeatTimeout: 30 }, 100);
  late.runs[0]!.ctx.onClose(1006, 'Connection broken');
  await until(() => late.events.some((e) => e.type === 'close'));
  const close = late.events.at(-1)!;
  assert.equal(close.code, 2012);
  assert.ok(late.events.filter((e) => e.type === 'resuming').length >= 2);
  assert.ok(!late.events.some((e) => e.type === 'resumed'));
});
