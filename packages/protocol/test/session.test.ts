import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ReadyState, SessionState } from '../src/index.js';

const timings = { heartbeatDelay: 100, disconnectDelay: 500 };
const T0 = 1_000_000;

describe('SessionState', () => {
  test('starts connecting and expires after disconnectDelay if nobody attaches', () => {
    const s = new SessionState(timings, T0);
    assert.equal(s.readyState, ReadyState.CONNECTING);
    assert.equal(s.nextDeadline(), T0 + 500);
    assert.equal(s.tick(T0 + 499), null);
    assert.equal(s.tick(T0 + 500), 'expire');
    assert.equal(s.readyState, ReadyState.CLOSED);
    assert.equal(s.nextDeadline(), Number.POSITIVE_INFINITY);
  });

  test('the first receiver opens the session', () => {
    const s = new SessionState(timings, T0);
    assert.equal(s.attach(T0 + 10), 'opened');
    assert.equal(s.readyState, ReadyState.OPEN);
    assert.equal(s.hasReceiver, true);
    assert.equal(s.expireAt, Number.POSITIVE_INFINITY);
    assert.equal(s.heartbeatAt, T0 + 110);
  });

  test('a second receiver while one is attached is busy and changes nothing', () => {
    const s = new SessionState(timings, T0);
    s.attach(T0);
    assert.equal(s.attach(T0 + 50), 'busy');
    assert.equal(s.readyState, ReadyState.OPEN);
    assert.equal(s.hasReceiver, true);
    assert.equal(s.heartbeatAt, T0 + 100);
    assert.equal(s.closeFrame, null);
  });

  test('a later receiver after a clean detach is attached', () => {
    const s = new SessionState(timings, T0);
    s.attach(T0);
    assert.equal(s.detach(T0 + 20, false), false);
    assert.equal(s.hasReceiver, false);
    assert.equal(s.expireAt, T0 + 520);
    assert.equal(s.heartbeatAt, Number.POSITIVE_INFINITY);
    assert.equal(s.attach(T0 + 30), 'attached');
    assert.equal(s.readyState, ReadyState.OPEN);
  });

  test('an aborted receiver closes the session with 1002', () => {
    const s = new SessionState(timings, T0);
    s.attach(T0);
    assert.equal(s.detach(T0 + 5, true), true);
    assert.equal(s.readyState, ReadyState.CLOSING);
    assert.equal(s.closeCode, 1002);
    assert.equal(s.closeReason, 'Connection interrupted');
    assert.equal(s.closeFrame, 'c[1002,"Connection interrupted"]');
    assert.equal(s.attach(T0 + 6), 'closed');
  });

  test('detach without a receiver does nothing', () => {
    const s = new SessionState(timings, T0);
    assert.equal(s.detach(T0, true), false);
    assert.equal(s.readyState, ReadyState.CONNECTING);
  });

  test('heartbeats fall due every heartbeatDelay while attached', () => {
    const s = new SessionState(timings, T0);
    s.attach(T0);
    assert.equal(s.nextDeadline(), T0 + 100);
    assert.equal(s.tick(T0 + 99), null);
    assert.equal(s.tick(T0 + 100), 'heartbeat');
    assert.equal(s.nextDeadline(), T0 + 200);
    assert.equal(s.tick(T0 + 150), null);
    assert.equal(s.tick(T0 + 200), 'heartbeat');
  });

  test('sending a frame pushes the heartbeat back', () => {
    const s = new SessionState(timings, T0);
    s.attach(T0);
    s.sent(T0 + 80);
    assert.equal(s.tick(T0 + 100), null);
    assert.equal(s.nextDeadline(), T0 + 180);
    assert.equal(s.tick(T0 + 180), 'heartbeat');
  });

  test('frames only note the time: the deadline moves once, when it comes due', () => {
    const s = new SessionState(timings, T0);
    s.attach(T0);
    for (let t = 10; t <= 90; t += 10) s.sent(T0 + t);
    assert.equal(s.nextDeadline(), T0 + 100, 'sending does not reschedule');
    assert.equal(s.tick(T0 + 100), null);
    assert.equal(s.nextDeadline(), T0 + 190);
    assert.equal(s.tick(T0 + 189), null);
    assert.equal(s.tick(T0 + 190), 'heartbeat');
    assert.equal(s.nextDeadline(), T0 + 290);
  });

  test('no heartbeat and no expiry timer are due without a receiver until disconnectDelay', () => {
    const s = new SessionState(timings, T0);
    s.attach(T0);
    s.detach(T0 + 50, false);
    s.sent(T0 + 60); // no receiver: no heartbeat clock
    assert.equal(s.heartbeatAt, Number.POSITIVE_INFINITY);
    assert.equal(s.tick(T0 + 549), null);
    assert.equal(s.tick(T0 + 550), 'expire');
  });

  test('the outbox holds messages until drained, and stops taking them once closing', () => {
    const s = new SessionState(timings, T0);
    assert.equal(s.enqueue('a'), true);
    assert.equal(s.enqueue('b'), true);
    assert.equal(s.queued, 2);
    assert.deepEqual(s.drain(), ['a', 'b']);
    assert.equal(s.queued, 0);
    assert.deepEqual(s.drain(), []);
    s.close(3000, 'Go away!');
    assert.equal(s.enqueue('c'), false);
    assert.equal(s.queued, 0);
  });

  test('close makes the frame once; every later receiver gets "closed"', () => {
    const s = new SessionState(timings, T0);
    s.attach(T0);
    assert.equal(s.close(3000, 'Go away!'), true);
    assert.equal(s.close(1000, 'again'), false);
    assert.equal(s.closeFrame, 'c[3000,"Go away!"]');
    s.detach(T0 + 1, false);
    for (let i = 0; i < 3; i++) {
      assert.equal(s.attach(T0 + 2 + i), 'closed');
      assert.equal(s.closeFrame, 'c[3000,"Go away!"]');
    }
    assert.equal(s.tick(T0 + 1 + 500), 'expire');
  });

  test('a closed session with a receiver still attached answers busy to a second one', () => {
    const s = new SessionState(timings, T0);
    s.attach(T0);
    s.close(3000, 'x');
    assert.equal(s.attach(T0 + 1), 'busy');
  });

  test('close before any receiver: the first receiver gets the close frame', () => {
    const s = new SessionState(timings, T0);
    s.close(3000, 'Go away!');
    assert.equal(s.attach(T0 + 1), 'closed');
    assert.equal(s.closeFrame, 'c[3000,"Go away!"]');
  });

  test('expiry wins over a heartbeat due at the same time', () => {
    const s = new SessionState({ heartbeatDelay: 100, disconnectDelay: 100 }, T0);
    assert.equal(s.tick(T0 + 100), 'expire');
    assert.equal(s.tick(T0 + 1000), null);
  });
});

describe('SessionState: mutation-found edges', () => {
  test('no close reason before a close', () => {
    const s = new SessionState(timings, T0);
    assert.equal(s.closeReason, '');
    assert.equal(s.closeCode, 0);
    assert.equal(s.closeFrame, null);
  });

  test('detach without a receiver changes nothing', () => {
    const s = new SessionState(timings, T0);
    assert.equal(s.attach(T0), 'opened');
    assert.equal(s.detach(T0 + 10, false), false);
    assert.equal(s.nextDeadline(), T0 + 10 + 500);
    assert.equal(s.detach(T0 + 200, true), false);
    assert.equal(s.readyState, ReadyState.OPEN);
    assert.equal(s.nextDeadline(), T0 + 10 + 500);
  });

  test('an aborted receiver of a session already closing does not close it again', () => {
    const s = new SessionState(timings, T0);
    s.attach(T0);
    assert.equal(s.close(3000, 'Go away!'), true);
    assert.equal(s.detach(T0 + 1, true), false);
    assert.equal(s.closeCode, 3000);
    assert.equal(s.closeReason, 'Go away!');
  });

  test('the heartbeat deadline moves only when it comes due, not on each frame', () => {
    const s = new SessionState(timings, T0);
    s.attach(T0);
    s.sent(T0 + 50);
    // An early tick (for another deadline) leaves the heartbeat where it was.
    assert.equal(s.tick(T0 + 60), null);
    assert.equal(s.heartbeatAt, T0 + 100);
    // Due: the frame at +50 pushes it to a delay after that frame.
    assert.equal(s.tick(T0 + 100), null);
    assert.equal(s.heartbeatAt, T0 + 150);
    assert.equal(s.tick(T0 + 150), 'heartbeat');
  });
});
