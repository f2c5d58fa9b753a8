// Edges of a session's write path and of its reattach (issue 18: survivors of
// a mutation run on session.ts): the high_water_mark boundary and when
// 'drain' comes, the 1008 close of a client that reads, a resume= request
// for a session already closing or not resumable, and when a reattach counts
// as a resume. Real HTTP and websockets to 127.0.0.1.

import assert from 'node:assert/strict';
import diagnostics_channel from 'node:diagnostics_channel';
import { after, before, describe, test } from 'node:test';
import { startSockjsServer } from '../../../test/helpers/sockjs-server.ts';
import { CHANNELS, type Connection, type SessionResumeMessage } from '../src/index.js';
import {
  arrived,
  dropped,
  idOf,
  RECEIVING_TRANSPORTS,
  type ResumeServer,
  startResumeServer,
  turns,
  turnsUntil,
} from './resume-support.js';
import { post, Stream, sessionPath, stopHttp, WsClient } from './support.js';

type Running = Awaited<ReturnType<typeof startSockjsServer>>;

describe('write() and drain', () => {
  let s: Running;
  before(async () => {
    s = await startSockjsServer({ high_water_mark: 100, max_queue_size: 300 }, [
      { prefix: '/sink', app: () => {} },
    ]);
  });
  after(() => stopHttp(s.http, s.sockjs));

  const countDrains = (conn: Connection) => {
    const drains = { count: 0 };
    conn.on('drain', () => drains.count++);
    return drains;
  };

  test("a write reaching exactly high_water_mark returns false; 'drain' comes once, after it", async () => {
    const path = sessionPath('/sink');
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'o\n');
    const conn = s.connections.at(-1)!;
    const drains = countDrains(conn);
    assert.equal(conn.write('a'), true);
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'a["a"]\n');
    assert.equal(drains.count, 0, "no 'drain' without a false write");
    assert.equal(conn.write('x'.repeat(100)), false);
    assert.equal((await post(s.port, `${path}/xhr`)).body, `a["${'x'.repeat(100)}"]\n`);
    assert.equal(drains.count, 1);
    assert.equal(conn.write('b'), true);
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'a["b"]\n');
    assert.equal(drains.count, 1, "one 'drain' per false write");
    conn.close();
  });

  test("a resumable session's flush emits 'drain' after a false write", async () => {
    const path = sessionPath('/sink');
    assert.equal((await post(s.port, `${path}/xhr?resume=new`)).body, 'o\n');
    const conn = s.connections.at(-1)!;
    const drains = countDrains(conn);
    assert.equal(conn.write('x'.repeat(100)), false);
    assert.equal(
      (await post(s.port, `${path}/xhr?resume=0`)).body,
      `a[0,0,"${'x'.repeat(100)}"]\n`,
    );
    assert.equal(drains.count, 1);
    conn.close();
  });

  test('over max_queue_size, a client that reads gets what was queued, then c[1008]', async () => {
    const ws = new WsClient(`ws://127.0.0.1:${s.port}${sessionPath('/sink')}/websocket`);
    assert.equal(await ws.message(1), 'o');
    const conn = s.connections.at(-1)!;
    conn.write('a'.repeat(200));
    assert.equal(conn.write('b'.repeat(200)), false);
    assert.equal(conn.readyState, 2);
    assert.deepEqual(await ws.closed(), { code: 1008, reason: 'Outbound queue full' });
    assert.deepEqual(ws.messages, [
      'o',
      `a["${'a'.repeat(200)}","${'b'.repeat(200)}"]`,
      'c[1008,"Outbound queue full"]',
    ]);
  });
});

describe('a throwing drain listener', () => {
  let s: Running;
  before(async () => {
    s = await startSockjsServer({ high_water_mark: 100 }, [{ prefix: '/sink', app: () => {} }]);
  });
  after(() => stopHttp(s.http, s.sockjs));

  test('its error is thrown on, and the other sessions written to with it are flushed', async () => {
    const thrower = new WsClient(`ws://127.0.0.1:${s.port}${sessionPath('/sink')}/websocket`);
    assert.equal(await thrower.message(1), 'o');
    const throwing = s.connections.at(-1)!;
    const other = new WsClient(`ws://127.0.0.1:${s.port}${sessionPath('/sink')}/websocket`);
    assert.equal(await other.message(1), 'o');
    const calm = s.connections.at(-1)!;
    const boom = new Error('drain listener failed');
    throwing.on('drain', () => {
      throw boom;
    });
    const thrown: unknown[] = [];
    // Before node:test's own handler, which would fail the test instead.
    process.setUncaughtExceptionCaptureCallback((err) => thrown.push(err));
    try {
      assert.equal(throwing.write('x'.repeat(100)), false);
      calm.write('after');
      assert.equal(await other.message(2), 'a["after"]');
      await turns(5);
      assert.deepEqual(thrown, [boom]);
    } finally {
      process.setUncaughtExceptionCaptureCallback(null);
    }
    throwing.close();
    calm.close();
    await Promise.all([thrower.closed(), other.closed()]);
  });
});

describe('resume= requests', () => {
  let s: ResumeServer;
  const resumes: SessionResumeMessage[] = [];
  const onResume = (m: unknown) => resumes.push(m as SessionResumeMessage);
  before(async () => {
    s = await startResumeServer({ max_message_size: 50 });
    diagnostics_channel.subscribe(CHANNELS.sessionResume, onResume);
  });
  after(async () => {
    diagnostics_channel.unsubscribe(CHANNELS.sessionResume, onResume);
    await s.stop();
  });

  const websocket = RECEIVING_TRANSPORTS.find((t) => t.name === 'websocket')!;
  const resumesOf = (path: string) => resumes.filter((m) => m.id === idOf(path));

  /** A resumable websocket session on /sink that got `m1`, then dropped; `m2` written since. */
  async function droppedAfterOne(): Promise<{ path: string; conn: Connection }> {
    const path = sessionPath('/sink');
    const rx = websocket.open(s.port, path, 'new');
    assert.equal(await rx.frame(1), 'o');
    const conn = s.connections.at(-1)!;
    conn.write('m1');
    assert.equal(await rx.frame(2), 'a[0,0,"m1"]');
    await dropped(s, rx);
    conn.write('m2');
    return { path, conn };
  }

  test('a session closed while its client was away: the reattach gets what it missed, then the close frame', async () => {
    const { path, conn } = await droppedAfterOne();
    conn.close(3000, 'Go away!');
    const rx = websocket.open(s.port, path, '1');
    await rx.ended();
    assert.deepEqual(rx.frames(), ['a[1,0,"m2"]', 'c[3000,"Go away!"]']);
    assert.deepEqual(resumesOf(path), [], 'a closed session does not resume');
  });

  test('a session closed while its client was away: the close frame, even for an ack it does not hold', async () => {
    const { path, conn } = await droppedAfterOne();
    conn.close(3000, 'Go away!');
    const rx = websocket.open(s.port, path, '7');
    await rx.ended();
    assert.equal(rx.frames().at(-1), 'c[3000,"Go away!"]');
  });

  // A hang guard: a reattach that throws leaves its request unanswered.
  test('resume= for a plain session: 2012 while it is open, its close frame once it is closed', {
    timeout: 5000,
  }, async () => {
    const open = sessionPath('/sink');
    assert.equal((await post(s.port, `${open}/xhr`)).body, 'o\n');
    assert.equal((await post(s.port, `${open}/xhr?resume=0`)).body, 'c[2012,"Cannot resume"]\n');
    const closing = sessionPath('/sink');
    assert.equal((await post(s.port, `${closing}/xhr`)).body, 'o\n');
    s.connections.at(-1)!.close(3000, 'Go away!');
    assert.equal((await post(s.port, `${closing}/xhr?resume=0`)).body, 'c[3000,"Go away!"]\n');
  });

  test('a reattach after a drop is a resume, with nothing to replay too', async () => {
    const path = sessionPath('/sink');
    const first = websocket.open(s.port, path, 'new');
    assert.equal(await first.frame(1), 'o');
    await dropped(s, first);
    const again = websocket.open(s.port, path, '0');
    await turnsUntil(() => resumesOf(path).length > 0, 'the resume');
    assert.deepEqual(
      resumesOf(path).map(({ ack, replayed, takeover }) => ({ ack, replayed, takeover })),
      [{ ack: 0, replayed: 0, takeover: false }],
    );
    again.close!();
    await again.ended();
  });

  test('a reattach that takes over a receiver the server still holds is a resume, with nothing to replay too', async () => {
    const path = sessionPath('/sink');
    const first = new Stream(s.port, `${path}/xhr_streaming?resume=new`, { method: 'POST' });
    await first.waitFor(/\no\n$/);
    const again = new Stream(s.port, `${path}/xhr_streaming?resume=0`, { method: 'POST' });
    await first.waitEnd();
    assert.deepEqual(
      resumesOf(path).map(({ ack, replayed, takeover }) => ({ ack, replayed, takeover })),
      [{ ack: 0, replayed: 0, takeover: true }],
    );
    s.connections.at(-1)!.close();
    await again.waitEnd();
  });

  test('a poll after a poll that finished is no resume when nothing is replayed', async () => {
    const path = sessionPath('/sink');
    assert.equal((await post(s.port, `${path}/xhr?resume=new`)).body, 'o\n');
    const conn = s.connections.at(-1)!;
    const poll = post(s.port, `${path}/xhr?resume=0`);
    await arrived(s, `${path}/xhr?resume=0`);
    conn.write('m1');
    assert.equal((await poll).body, 'a[0,0,"m1"]\n');
    assert.deepEqual(resumesOf(path), []);
    conn.close();
  });

  for (const name of ['xhr_streaming', 'eventsource'] as const) {
    test(`${name}: an HTTP send is confirmed by the next frame, with no ack-only frame of its own`, async () => {
      const transport = RECEIVING_TRANSPORTS.find((t) => t.name === name)!;
      const path = sessionPath('/sink');
      const rx = transport.open(s.port, path, 'new');
      assert.equal(await rx.frame(1), 'o');
      const conn = s.connections.at(-1)!;
      // As many messages as make an ack due on a websocket at once.
      const batch = JSON.stringify([0, 0, ...Array.from({ length: 32 }, (_, i) => `m${i}`)]);
      assert.equal(await transport.send(s.port, path, batch), 204);
      conn.write('after');
      assert.equal(await rx.frame(2), 'a[0,32,"after"]');
      rx.drop();
    });
  }

  test('a batch with a message over max_message_size in a resumable session: 413; one of exactly that size: 204', async () => {
    const path = sessionPath('/sink');
    assert.equal((await post(s.port, `${path}/xhr?resume=new`)).body, 'o\n');
    const fits = await post(s.port, `${path}/xhr_send`, JSON.stringify([0, 0, 'x'.repeat(50)]));
    assert.equal(fits.status, 204);
    const send = await post(s.port, `${path}/xhr_send`, JSON.stringify([1, 0, 'x'.repeat(51)]));
    assert.equal(send.status, 413);
  });

  test('a batch that makes an ack due, answered by echoes: the echoes carry the ack, no ack-only frame follows', async () => {
    const path = sessionPath('/echo');
    const rx = websocket.open(s.port, path, 'new');
    assert.equal(await rx.frame(1), 'o');
    const batch = Array.from({ length: 32 }, (_, i) => `m${i}`);
    rx.sendText!(JSON.stringify([0, 0, ...batch]));
    assert.equal(await rx.frame(2), `a${JSON.stringify([0, 32, ...batch])}`);
    rx.sendText!('[32,32,"next"]');
    assert.equal(await rx.frame(3), 'a[32,33,"next"]');
    rx.drop();
  });

  test('an ack that falls due while the socket is gone waits for the reattach', {
    timeout: 10_000,
  }, async () => {
    const path = sessionPath('/sink');
    const rx = websocket.open(s.port, path, 'new');
    assert.equal(await rx.frame(1), 'o');
    const conn = s.connections.at(-1)!;
    const got = new Promise((resolve) => conn.once('data', resolve));
    rx.sendText!('[0,0,"one"]');
    assert.equal(await got, 'one');
    // Its ack is due RESUME_ACK_AFTER (1 s) from now, with no socket to take it.
    await dropped(s, rx);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const back = websocket.open(s.port, path, '0');
    conn.write('two');
    assert.equal(await back.frame(1), 'a[0,1,"two"]');
    back.drop();
  });
});
