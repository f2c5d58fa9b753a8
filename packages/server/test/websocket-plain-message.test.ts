// The byte-level reading of `["..."]` websocket payloads must give exactly
// what JSON.parse gives, and give up (null) on anything it cannot read the
// same way. Payloads are placed at every offset modulo 4, since the scan
// reads aligned 32-bit words.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  echoFrameFor,
  plainSingleMessage,
  rememberEcho,
} from '../src/transports/websocket-plain-message.js';

/** `text`'s UTF-8 bytes in a Buffer that starts `offset` bytes into its memory. */
function at(offset: number, bytes: Buffer): Buffer {
  const memory = Buffer.alloc(bytes.length + 8, 0x41);
  bytes.copy(memory, offset);
  return memory.subarray(offset, offset + bytes.length);
}

/** What the JSON.parse path makes of the same bytes: a lone message or null. */
function viaJsonParse(bytes: Buffer): string | null {
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return Array.isArray(value) && value.length === 1 && typeof value[0] === 'string'
      ? value[0]
      : null;
  } catch {
    return null;
  }
}

// A tiny deterministic generator, so that a failure can be replayed.
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

describe('plainSingleMessage', () => {
  test('plain literals of every length class are read at every alignment', () => {
    const bodies = [
      '',
      'a',
      'x'.repeat(61),
      'x'.repeat(64),
      'y'.repeat(67),
      'z'.repeat(4096),
      `é€😀${'m'.repeat(300)}ü`,
      '\u2028 and \u00ad and \ufeff',
      "'<>&/{}[]~ \u007f",
    ];
    for (const body of bodies) {
      for (let offset = 0; offset < 4; offset++) {
        const bytes = at(offset, Buffer.from(`["${body}"]`));
        assert.equal(plainSingleMessage(bytes), body, `${body.slice(0, 16)} at ${offset}`);
      }
    }
  });

  test('each of the bytes that JSON.parse reads differently is found at every position', () => {
    const lengths = [5, 63, 64, 65, 66, 67, 130, 4096];
    const specials = [0x00, 0x01, 0x09, 0x0a, 0x0d, 0x1f, 0x22, 0x5c];
    for (const length of lengths) {
      for (const special of specials) {
        for (let pos = 0; pos < length; pos++) {
          // Positions near both ends and a stride through the middle.
          if (pos > 9 && pos < length - 9 && pos % 29 !== 0) continue;
          const body = Buffer.alloc(length, 0x78);
          body[pos] = special;
          const bytes = at(pos & 3, Buffer.concat([Buffer.from('["'), body, Buffer.from('"]')]));
          assert.equal(
            plainSingleMessage(bytes),
            null,
            `0x${special.toString(16)} at ${pos}/${length}`,
          );
        }
      }
    }
  });

  test('whatever it reads agrees with JSON.parse, over random bytes', () => {
    const next = random(20261122);
    // Mostly printable ASCII, sometimes anything, including invalid UTF-8.
    const pick = () => (next() < 0.9 ? 0x20 + Math.floor(next() * 95) : Math.floor(next() * 256));
    let read = 0;
    for (let round = 0; round < 20_000; round++) {
      const length = Math.floor(next() * (round % 10 === 0 ? 600 : 90));
      const body = Buffer.alloc(length);
      for (let i = 0; i < length; i++) body[i] = pick();
      // Keep many bodies free of quotes and backslashes, so that the control
      // byte test is what decides.
      if (round % 2 === 0)
        for (let i = 0; i < length; i++) if (body[i] === 0x22 || body[i] === 0x5c) body[i] = 0x2e;
      const bytes = at(round & 3, Buffer.concat([Buffer.from('["'), body, Buffer.from('"]')]));
      const fast = plainSingleMessage(bytes);
      if (fast === null) continue;
      read++;
      assert.equal(fast, viaJsonParse(bytes), `round ${round}: ${body.toString('hex')}`);
    }
    assert.ok(read > 1000, `only ${read} payloads were read from their bytes`);
  });

  test('anything but one lone string is left to JSON.parse', () => {
    const others = [
      '',
      '[]',
      '"x"',
      '["x","y"]',
      '[ "x"]',
      '["x" ]',
      '["x"',
      'x"]',
      '[""]x',
      '[1]',
    ];
    for (const text of others) assert.equal(plainSingleMessage(Buffer.from(text)), null, text);
    // `[""]` is four bytes and an empty message.
    assert.equal(plainSingleMessage(Buffer.from('[""]')), '');
  });
});

describe('echo frames', () => {
  test('a frame stays as it was made while later frames are made, across slabs', () => {
    const made: [Buffer, string][] = [];
    for (let i = 0; i < 200; i++) {
      const size = [10, 4096, 9000, 16_000, 20_000][i % 5]!;
      const message = `${i}`.padEnd(size, String.fromCharCode(0x61 + (i % 26)));
      const payload = Buffer.from(`["${message}"]`);
      const read = plainSingleMessage(payload);
      assert.equal(read, message);
      rememberEcho(message, payload);
      const frame = echoFrameFor(message)!;
      assert.equal(echoFrameFor(message), frame, 'the same frame for every socket');
      made.push([frame, `a["${message}"]`]);
    }
    for (const [frame, text] of made) assert.equal(frame.toString(), text);
    assert.equal(echoFrameFor('something else'), null);
  });
});
