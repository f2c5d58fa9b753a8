// The resume extension's clocks (docs/resume.md) on a mocked clock, as in
// timers.test.ts: a dropped resumable session is held for exactly
// resume_window (a websocket session too), and a websocket confirms a client
// message it has not confirmed otherwise after exactly 1 s. Requests and
// sockets are real; time moves only when a test ticks it.

import assert from 'node:assert/strict';
import diagnostics_channel from 'node:diagnostics_channel';
import { after, before, describe, mock, test } from 'node:test';
import { CHANNELS, type SessionCloseMessage } from '../src/index.js';
import {
  dropped,
  idOf,
  RECEIVING_TRANSPORTS,
  ResumePeer,
  type ResumeServer,
  startResumeServer,
  turns,
  turnsUntil,
} from './resume-support.js';
import { sessionPath } from './support.js';

const WINDOW = 10_000;
const ACK_AFTER = 1000;

let s: ResumeServer;
const closes: SessionCloseMessage[] = [];
const onClose = (m: unknown) => closes.push(m as SessionCloseMessage);

before(async () => {
  // Before the server: its timer wheel reads the clock it is made with.
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  s = await startResumeServer({ resume_window: WINDOW });
  diagnostics_channel.subscribe(CHANNELS.sessionClose, onClose);
});

after(async () => {
  diagnostics_channel.unsubscribe(CHANNELS.sessionClose, onClose);
  mock.timers.reset();
  await s.stop();
});

/** Lets the event loop turn a while: what a socket carries on loopback has arrived by then. */
const settle = () => turns(50);

/** The clock is a multiple of the wheel's 50 ms slots, so deadlines fall on exact ticks. */
function assertOnSlot(): void {
  assert.equal(Date.now() % 50, 0, `clock at ${Date.now()}`);
}

// The runner's own clock bounds each test: the mocked one never fails a wait.
const BOUND = { timeout: 30_000 };

describe('a resumable session without a transport is held for exactly resume_window', BOUND, () => {
  for (const t of RECEIVING_TRANSPORTS) {
    test(`${t.name}: open at window - 1, closed at the window as at the drop`, async () => {
      assertOnSlot();
      const path = sessionPath('/sink');
      const peer = await ResumePeer.open(t, s.port, path);
      const conn = await s.connection(idOf(path));
      // A poll ends by itself; a stream or a websocket is cut by its client.
      if (!t.polling) await dropped(s, peer.rx);
      mock.timers.tick(WINDOW - 1);
      assert.equal(conn.readyState, 1);
      mock.timers.tick(1);
      assert.equal(conn.readyState, 3);
      // A cut transport closes the session as a plain one closes at once; a
      // poll that ended, as after disconnect_delay.
      const close = closes.find((m) => m.id === idOf(path));
      assert.equal(close?.code, t.polling ? 1000 : 1002);
    });

    test(`${t.name}: a reattach within the window goes on with the same connection`, async () => {
      assertOnSlot();
      const path = sessionPath('/sink');
      const peer = await ResumePeer.open(t, s.port, path);
      const conn = await s.connection(idOf(path));
      peer.rx.drop();
      mock.timers.tick(WINDOW - 50);
      const rx = peer.reattach('0');
      conn.write('still here');
      assert.equal(await rx.frame(1), 'a[0,0,"still here"]');
      assert.equal(conn.readyState, 1);
      rx.drop();
    });
  }
});

describe('websocket: an ack-only frame once a client message waited 1 s unconfirmed', BOUND, () => {
  const websocket = RECEIVING_TRANSPORTS.find((t) => t.name === 'websocket')!;

  test('counted from the oldest unconfirmed message', async () => {
    const path = sessionPath('/sink');
    const peer = await ResumePeer.open(websocket, s.port, path);
    const conn = await s.connection(idOf(path));
    let data = 0;
    conn.on('data', () => data++);
    await peer.send('first');
    await turnsUntil(() => data === 1, 'the first message');
    mock.timers.tick(ACK_AFTER / 2);
    await peer.send('second');
    await turnsUntil(() => data === 2, 'the second message');
    mock.timers.tick(ACK_AFTER / 2 - 1);
    await settle();
    assert.deepEqual(peer.rx.frames(), ['o']);
    mock.timers.tick(1);
    assert.equal(await peer.nextFrame(), 'a[0,2]');
    // Nothing unconfirmed: no further frame.
    mock.timers.tick(ACK_AFTER * 3);
    await settle();
    assert.deepEqual(peer.rx.frames(), ['o', 'a[0,2]']);
    peer.rx.drop();
  });
});
