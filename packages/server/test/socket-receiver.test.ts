// The wire helpers of src/receivers/socket-receiver.ts, found untested at
// their boundaries by the mutation run (docs/testing.md, group `websocket`):
// which close codes may go in a WebSocket close frame, how a close reason is
// cut to 123 bytes of UTF-8 without splitting a character, and how a
// message's bytes are read whatever shape `ws` delivers them in.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  decodeUtf8Message,
  wireCloseCode,
  wireCloseReason,
} from '../src/receivers/socket-receiver.js';

describe('wireCloseCode', () => {
  test("RFC 6455's codes and the application range pass; anything else is 1000", () => {
    const expected: [number, number][] = [
      [999, 1000],
      [1000, 1000],
      [1001, 1001],
      [1002, 1002],
      [1003, 1003],
      [1004, 1000],
      [1005, 1000],
      [1006, 1000],
      [1007, 1007],
      [1008, 1008],
      [1009, 1009],
      [1010, 1010],
      [1011, 1011],
      [1012, 1000],
      [2010, 1000],
      [2999, 1000],
      [3000, 3000],
      [4000, 4000],
      [4999, 4999],
      [5000, 1000],
    ];
    assert.deepEqual(
      expected.map(([code]) => [code, wireCloseCode(code)]),
      expected,
    );
  });
});

describe('wireCloseReason', () => {
  test('up to 123 bytes it is kept as it is', () => {
    assert.equal(wireCloseReason('a'.repeat(123)), 'a'.repeat(123));
    const mixed = `${'é'.repeat(61)}a`; // 122 + 1 bytes
    assert.equal(wireCloseReason(mixed), mixed);
    assert.equal(wireCloseReason(''), '');
  });

  test('past 123 bytes it is cut to fit, never inside a character', () => {
    assert.equal(wireCloseReason('a'.repeat(124)), 'a'.repeat(123));
    assert.equal(wireCloseReason('é'.repeat(62)), 'é'.repeat(61)); // 124 bytes: 122
    assert.equal(wireCloseReason('é'.repeat(130)), 'é'.repeat(61));
    const cut = wireCloseReason(`a${'€'.repeat(60)}`); // 1 + 180 bytes
    assert.equal(cut, `a${'€'.repeat(40)}`); // 121 bytes: a 41st euro would need 124
  });
});

describe('decodeUtf8Message', () => {
  const text = 'héllo, wörld €';
  const bytes = Buffer.from(text, 'utf8');

  test('a Buffer', () => {
    assert.equal(decodeUtf8Message(bytes), text);
  });

  test('fragments, split inside a character', () => {
    assert.equal(decodeUtf8Message([bytes.subarray(0, 2), bytes.subarray(2)]), text);
  });

  test('an ArrayBuffer', () => {
    const copy = new Uint8Array(bytes).buffer;
    assert.equal(decodeUtf8Message(copy), text);
  });
});
