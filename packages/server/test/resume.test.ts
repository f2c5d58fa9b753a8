// The resume extension (docs/resume.md) on every receiving transport, with
// xhr_send, jsonp_send or the websocket itself for the client's batches:
// real HTTP requests and websockets to 127.0.0.1. What needs a clock (the
// window, the ack timer) is in resume-timers.test.ts.

import assert from 'node:assert/strict';
import diagnostics_channel from 'node:diagnostics_channel';
import { after, before, describe, test } from 'node:test';
import { CHANNELS, type SessionResumeMessage } from '../src/index.js';
import {
  accepted,
  arrived,
  closed,
  dropped,
  idOf,
  infoResume,
  RECEIVING_TRANSPORTS,
  type Receiving,
  ResumePeer,
  type ResumeServer,
  receivingUrl,
  startResumeServer,
} from './resume-support.js';
import { post, sessionPath } from './support.js';

const ANOTHER_CONNECTION = 'c[2010,"Another connection still open"]';
const CANNOT_RESUME = 'c[2012,"Cannot resume"]';
const INTERRUPTED = 'c[1002,"Connection interrupted"]';

let s: ResumeServer;
let off: ResumeServer;
let small: ResumeServer;
const resumes: SessionResumeMessage[] = [];
const onResume = (m: unknown) => resumes.push(m as SessionResumeMessage);

before(async () => {
  s = await startResumeServer();
  off = await startResumeServer({ resume_window: 0 });
  small = await startResumeServer({ max_queue_size: 100 });
  diagnostics_channel.subscribe(CHANNELS.sessionResume, onResume);
});

after(async () => {
  diagnostics_channel.unsubscribe(CHANNELS.sessionResume, onResume);
  await Promise.all([s.stop(), off.stop(), small.stop()]);
});

describe('/info and the option', () => {
  test('/info announces the window, 30000 by default', async () => {
    assert.equal(await infoResume(s.port), 30_000);
  });

  test('resume_window 0: no /info field', async () => {
    assert.equal(await infoResume(off.port), undefined);
  });

  test('the option must be a non-negative number', async () => {
    await assert.rejects(startResumeServer({ resume_window: -1 }), /resume_window/);
  });
});

for (const t of RECEIVING_TRANSPORTS) {
  /** A plain round trip: `o`, then `["x"]` comes back as `a["x"]`. */
  async function plainRoundTrip(port: number, path: string, resume?: string): Promise<void> {
    const rx = t.open(port, path, resume);
    assert.equal(await rx.frame(1), 'o');
    assert.ok(accepted(await t.send(port, path, '["x"]', rx)));
    const next: Receiving = t.polling ? t.open(port, path) : rx;
    assert.equal(await next.frame(t.polling ? 1 : 2), 'a["x"]');
    rx.drop();
    next.drop();
  }

  describe(`${t.name}`, () => {
    test('resume=new: o, then [seq, ack, ...] batches both ways', async () => {
      const peer = await ResumePeer.open(t, s.port, sessionPath('/echo'));
      assert.ok(accepted(await peer.send('hello', 'wörld')));
      assert.equal(await peer.nextFrame(), 'a[0,2,"hello","wörld"]');
      peer.received.push('hello', 'wörld');
      assert.ok(accepted(await peer.send('again')));
      assert.equal(await peer.nextFrame(), 'a[2,3,"again"]');
      peer.rx.drop();
    });

    test('a batch sent twice is delivered once; one beyond the next expected closes with 1002', async () => {
      const peer = await ResumePeer.open(t, s.port, sessionPath('/echo'));
      assert.ok(accepted(await peer.send('a')));
      assert.ok(accepted(await peer.sendRaw('[0,0,"a"]')));
      assert.ok(accepted(await peer.send('b')));
      assert.deepEqual(await peer.receive(2), ['a', 'b']);
      assert.ok(accepted(await peer.send('c')));
      // A second delivery of "a" would have been echoed as the third message.
      assert.deepEqual(await peer.receive(3), ['a', 'b', 'c']);
      const gap = await peer.sendRaw(JSON.stringify([peer.seq + 5, peer.ack, 'x']));
      if (t.name !== 'websocket') assert.equal(gap, 404);
      assert.equal(await peer.nextFrame(), INTERRUPTED);
    });

    test('after a drop, a reattach replays what was lost in flight, then what was written meanwhile', async () => {
      const path = sessionPath('/echo');
      const peer = await ResumePeer.open(t, s.port, path);
      const conn = await s.connection(idOf(path));
      assert.ok(accepted(await peer.send('one')));
      assert.deepEqual(await peer.receive(1), ['one']);
      // "lost" reaches the client's side but never its application.
      const rx = t.polling ? peer.reattach() : peer.rx;
      const seen = rx.frames().length;
      conn.write('lost');
      assert.equal(await rx.frame(seen + 1), 'a[1,1,"lost"]');
      if (!t.polling) await dropped(s, rx);
      conn.write('meanwhile');
      const before = s.sockjs[0]!.stats().resumes;
      const again = peer.reattach('1');
      assert.equal(await again.frame(1), 'a[1,1,"lost","meanwhile"]');
      assert.equal(conn.readyState, 1);
      assert.equal(s.sockjs[0]!.stats().resumes, before + 1);
      const event = resumes.find((m) => m.id === idOf(path));
      assert.deepEqual(
        event && { ack: event.ack, replayed: event.replayed, prefix: event.prefix },
        { ack: 1, replayed: 1, prefix: '/echo' },
      );
      // The same connection goes on, both ways.
      peer.received.push('lost', 'meanwhile');
      assert.ok(accepted(await peer.send('two')));
      assert.deepEqual(await peer.receive(4), ['one', 'lost', 'meanwhile', 'two']);
      peer.rx.drop();
    });

    test('a reattach takes over from a receiver the server still holds; without resume= a second one gets 2010', async () => {
      const path = sessionPath('/sink');
      const peer = await ResumePeer.open(t, s.port, path);
      const conn = await s.connection(idOf(path));
      const stale = t.polling ? peer.reattach() : peer.rx;
      if (t.polling) await arrived(s, receivingUrl(t, path, '0'));
      if (t.name !== 'websocket') {
        // A websocket without resume= is a session of its own, as in plain SockJS.
        const second = t.open(s.port, path);
        assert.equal(await second.frame(1), ANOTHER_CONNECTION);
        await second.ended();
      }
      const taker = peer.reattach('0');
      await stale.ended();
      assert.ok(!stale.frames().some((f) => f.startsWith('c')), `${stale.frames()}`);
      conn.write('after');
      assert.equal(await taker.frame(1), 'a[0,0,"after"]');
      assert.equal(conn.readyState, 1);
      taker.drop();
    });

    test('2012 for a session the server does not know, and no session is made', async () => {
      const path = sessionPath('/echo');
      const before = s.sockjs[0]!.stats();
      const rx = t.open(s.port, path, '0');
      assert.equal(await rx.frame(1), CANNOT_RESUME);
      await rx.ended();
      assert.deepEqual(rx.frames(), [CANNOT_RESUME]);
      assert.equal((await post(s.port, `${path}/xhr_send`, '[0,0,"x"]')).status, 404);
      const after = s.sockjs[0]!.stats();
      assert.equal(after.resumesRefused, before.resumesRefused + 1);
      assert.equal(after.sessionsOpened, before.sessionsOpened);
      assert.ok(!s.connections.some((c) => c.id === idOf(path)));
    });

    test('2012 for a session that no longer holds the ack asked for, which then closes', async () => {
      const path = sessionPath('/echo');
      await ResumePeer.open(t, s.port, path);
      const conn = await s.connection(idOf(path));
      const rx = t.open(s.port, path, '7');
      assert.equal(await rx.frame(1), CANNOT_RESUME);
      await closed(conn);
    });

    test('plain sessions are unaffected: no resume=, plain frames', async () => {
      await plainRoundTrip(s.port, sessionPath('/echo'));
    });

    test('resume_window 0: resume= is ignored, the session is plain', async () => {
      await plainRoundTrip(off.port, sessionPath('/echo'), 'new');
      await plainRoundTrip(off.port, sessionPath('/echo'), '0');
    });

    test('max_queue_size counts the messages the client has not confirmed', async () => {
      const held = await ResumePeer.open(t, small.port, sessionPath('/sink'));
      const heldConn = await small.connection(idOf(held.path));
      heldConn.write('x'.repeat(60));
      await held.receive(1);
      // 60 queued + 60 unconfirmed > 100.
      heldConn.write('y'.repeat(60));
      await closed(heldConn);

      const plainPath = sessionPath('/sink');
      const plain = t.open(small.port, plainPath);
      assert.equal(await plain.frame(1), 'o');
      const plainConn = await small.connection(idOf(plainPath));
      plainConn.write('x'.repeat(60));
      const next = t.polling ? t.open(small.port, plainPath) : plain;
      assert.equal(await next.frame(t.polling ? 1 : 2), `a["${'x'.repeat(60)}"]`);
      plainConn.write('y'.repeat(60));
      assert.equal(plainConn.readyState, 1);
      held.rx.drop();
      plain.drop();
      next.drop();
    });
  });
}

describe('websocket acks', () => {
  const websocket = RECEIVING_TRANSPORTS.find((t) => t.name === 'websocket')!;

  test('32 unconfirmed client messages get an ack-only frame at once', async () => {
    const peer = await ResumePeer.open(websocket, s.port, sessionPath('/sink'));
    const messages = Array.from({ length: 32 }, (_, i) => `m${i}`);
    await peer.send(...messages);
    assert.equal(await peer.nextFrame(), 'a[0,32]');
    peer.rx.drop();
  });

  test('when messages are queued, the ack goes with them instead of alone', async () => {
    const peer = await ResumePeer.open(websocket, s.port, sessionPath('/echo'));
    const messages = Array.from({ length: 40 }, (_, i) => `m${i}`);
    await peer.send(...messages);
    assert.equal(await peer.nextFrame(), `a[0,40,${messages.map((m) => `"${m}"`).join(',')}]`);
    peer.rx.drop();
  });

  test('a close frame from the client ends a resumable websocket session at once', async () => {
    const path = sessionPath('/sink');
    const peer = await ResumePeer.open(websocket, s.port, path);
    const conn = await s.connection(idOf(path));
    peer.rx.close?.();
    await closed(conn);
  });
});
