// Close codes and reasons are wire protocol: apps and sockjs-client compare
// them, so each value is pinned here, and the application-code rule at each
// of its boundaries.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CloseCode, CloseReason, isApplicationCloseCode } from '../src/index.js';

test('the close codes SockJS puts in c[...] frames and close events', () => {
  assert.deepEqual(
    [
      CloseCode.Normal,
      CloseCode.GoingAway,
      CloseCode.ProtocolError,
      CloseCode.Abnormal,
      CloseCode.MessageTooBig,
      CloseCode.AllTransportsFailed,
      CloseCode.AnotherConnectionOpen,
      CloseCode.CannotResume,
      CloseCode.GoAway,
    ],
    [1000, 1001, 1002, 1006, 1009, 2000, 2010, 2012, 3000],
  );
});

test('the reasons, as sockjs-node and sockjs-client spell them', () => {
  assert.deepEqual(
    [
      CloseReason.Normal,
      CloseReason.GoingAway,
      CloseReason.Interrupted,
      CloseReason.AnotherConnectionOpen,
      CloseReason.BrokenFraming,
      CloseReason.MessageTooBig,
      CloseReason.AllTransportsFailed,
      CloseReason.CannotResume,
    ],
    [
      'Normal closure',
      'Server shutting down',
      'Connection interrupted',
      'Another connection still open',
      'Broken framing.',
      'Message too big',
      'All transports failed',
      'Cannot resume',
    ],
  );
});

test('an application may close with 1000 or 3000-4999, nothing else', () => {
  for (const code of [1000, 3000, 3001, 4000, 4998, 4999]) {
    assert.equal(isApplicationCloseCode(code), true, String(code));
  }
  for (const code of [0, 999, 1001, 1006, 2000, 2999, 5000, Number.NaN]) {
    assert.equal(isApplicationCloseCode(code), false, String(code));
  }
});
