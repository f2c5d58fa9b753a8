// The wire cache must never change a byte on the wire: every form it hands
// out is the one the server makes without it, for the edge-case messages of
// test/helpers/edge-cases.ts and for random ones, and a different message
// never gets a stale form. The byte-level reading of `["..."]` websocket
// payloads must give exactly what JSON.parse gives, and give up (null) on
// anything it cannot read the same way; payloads are placed at every offset
// modulo 4, since the scan reads aligned 32-bit words.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  clientStringify,
  FrameError,
  messageFrame,
  parseSendPayload,
  parseWebSocketPayload,
  serverStringify,
} from '@sockjs-ts/protocol';
import fc from 'fast-check';
import { EDGE_CASES, edgeCaseValue } from '../../../test/helpers/edge-cases.ts';
import { seeds } from '../../../test/helpers/seeds.ts';
import { plainSingleMessage, Slab, WireCache } from '../src/wire-cache.js';

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

const edgeValues = EDGE_CASES.map(edgeCaseValue);
const utf8 = (text: string) => Buffer.from(text, 'utf8');

/** How clients encode one message: sockjs-client, JSON.stringify, by hand. */
const encodings: ((m: string) => string)[] = [
  (m) => clientStringify([m]),
  (m) => JSON.stringify([m]),
  (m) => ` [ ${JSON.stringify(m)} ] `,
  (m) =>
    `["${m
      .split('')
      .map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
      .join('')}"]`,
  (m) => `["${m}"]`,
];

/**
 * What the server does with a payload a SockJS websocket client sent: the
 * byte reading, or the JSON decoder for what it leaves. Null for broken JSON.
 */
function receiveWebSocket(cache: WireCache, payload: Buffer): string[] | null {
  const plain = plainSingleMessage(payload);
  if (plain !== null) {
    cache.receivedPlain(plain, payload);
    return [plain];
  }
  const text = payload.toString('utf8');
  try {
    const messages = parseWebSocketPayload(text);
    cache.receivedText(messages, text);
    return messages;
  } catch (err) {
    assert.ok(err instanceof FrameError);
    return null;
  }
}

/** Checks every form `cache` gives for `message` against the uncached encoding. */
function assertExact(cache: WireCache, message: string, label: string): void {
  const frame = messageFrame([message]);
  assert.equal(cache.messageFrame([message]), frame, `${label}: frame`);
  assert.equal(cache.messageFrame([message]), frame, `${label}: frame again`);
  assert.equal(cache.messageFrame([message, message]), messageFrame([message, message]), label);
  assert.equal(frame, `a${serverStringify([message])}`, `${label}: protocol`);
  const bytes = cache.echoFrame(message);
  if (bytes !== null) assert.ok(bytes.equals(utf8(frame)), `${label}: echo bytes`);
}

describe('WireCache: what a client sent', () => {
  test('every edge case, sent every way, is framed as without the cache', () => {
    for (const [i, value] of edgeValues.entries()) {
      for (const [e, encode] of encodings.entries()) {
        const label = `${EDGE_CASES[i]!.name}, encoding ${e}`;
        for (const via of ['websocket', 'send'] as const) {
          const cache = new WireCache();
          const text = encode(value);
          let got: string[] | null;
          if (via === 'websocket') got = receiveWebSocket(cache, utf8(text));
          else {
            try {
              got = parseSendPayload(text);
              cache.receivedText(got, text);
            } catch {
              got = null;
            }
          }
          // Only the hand-made raw encoding may be broken or decode to another string.
          if (e !== encodings.length - 1) assert.deepEqual(got, [value], label);
          for (const m of got ?? []) assertExact(cache, m, `${label} via ${via}`);
        }
      }
    }
  });

  test('a plain literal is reused; one with escapes or characters the server escapes is not', () => {
    const cache = new WireCache();
    const literal = `"${'x'.repeat(70)}é日"`;
    cache.receivedText(parseWebSocketPayload(`[${literal}]`), `[${literal}]`);
    assert.equal(cache.messageFrame([`${'x'.repeat(70)}é日`]), `a[${literal}]`);

    const escaped = `["${'x'.repeat(70)}\\u00e9\\/"]`;
    const [m] = parseWebSocketPayload(escaped);
    cache.receivedText([m!], escaped);
    assert.equal(cache.messageFrame([m!]), `a["${'x'.repeat(70)}é/"]`);

    const separator = `["${'y'.repeat(70)}\u2028"]`;
    const [s] = parseSendPayload(separator);
    cache.receivedText([s!], separator);
    assert.equal(cache.messageFrame([s!]), `a["${'y'.repeat(70)}\\u2028"]`);
  });

  test('a different message never gets the last one’s forms', () => {
    const cache = new WireCache();
    const first = 'p'.repeat(5000);
    const payload = utf8(`["${first}"]`);
    assert.deepEqual(receiveWebSocket(cache, payload), [first]);
    const frame = cache.echoFrame(first);
    assert.ok(frame?.equals(utf8(`a["${first}"]`)));
    // Same length, one character apart, and a prefix.
    for (const other of [`${'p'.repeat(4999)}q`, 'p'.repeat(4999), `${first}p`]) {
      assert.equal(cache.echoFrame(other), null);
      assertExact(cache, other, `${other.length} units`);
    }
    // A message that came by xhr_send has no bytes: its echo is encoded anew.
    cache.receivedText(['abc'], '["abc"]');
    assert.equal(cache.echoFrame('abc'), null);
    assert.equal(cache.echoFrame(first), null);
    assertExact(cache, 'abc', 'abc');
    assertExact(cache, first, 'first, after abc');
  });

  test('a batch uses the literal for each item equal to the last message', () => {
    const cache = new WireCache();
    cache.receivedText(['same'], '["same"]');
    assert.equal(cache.messageFrame(['same', 'other', 'same']), 'a["same","other","same"]');
    assert.equal(cache.messageFrame([]), 'a[]');
  });

  test('random messages, random encodings: frames are the server’s own', () => {
    const plainChar = fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 });
    const anyChar = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
    const message = fc.string({
      unit: fc.oneof({ weight: 20, arbitrary: plainChar }, { weight: 1, arbitrary: anyChar }),
      maxLength: 200,
    });
    const cache = new WireCache();
    const all = seeds();
    for (const seed of all) {
      fc.assert(
        fc.property(message, message, fc.nat(encodings.length - 1), (m, other, e) => {
          const got = receiveWebSocket(cache, utf8(encodings[e]!(m)));
          for (const g of got ?? []) assertExact(cache, g, 'received');
          assertExact(cache, other, 'other');
        }),
        { numRuns: Math.ceil(1000 / all.length), seed },
      );
    }
  });
});

describe('WireCache: broadcast frames', () => {
  test('the last frame is reused only for the same message', () => {
    const cache = new WireCache();
    for (const value of [...edgeValues, ...[...edgeValues].reverse(), edgeValues[0]!]) {
      assert.equal(cache.messageFrame([value]), messageFrame([value]));
      assert.equal(cache.messageFrame([value]), messageFrame([value]));
    }
  });
});

describe('WireCache: socket data', () => {
  test('a text goes as one shared Buffer from its second socket on', () => {
    const cache = new WireCache();
    for (const value of edgeValues) {
      const first = cache.socketData(value);
      assert.equal(first, value);
      const second = cache.socketData(value);
      assert.ok(Buffer.isBuffer(second));
      assert.ok(second.equals(utf8(value)));
      assert.equal(cache.socketData(value), second);
      // The same text built anew is the same value: the same bytes.
      assert.equal(cache.socketData(value.split('').join('')), second);
    }
    const text = 's'.repeat(600);
    cache.socketData(text);
    const other = `${'s'.repeat(599)}t`;
    assert.equal(cache.socketData(other), other);
  });

  test('only valid UTF-8 is remembered for a raw websocket echo', () => {
    const cache = new WireCache();
    const text = `${'v'.repeat(600)}\ufffd`;
    // Bytes that decoded to U+FFFD: the text is encoded anew.
    cache.receivedRaw(text, Buffer.concat([utf8('v'.repeat(600)), Buffer.from([0xc3])]));
    assert.equal(cache.socketData(text), text);
    const good = utf8(`${'w'.repeat(600)}ü`);
    const known = good.toString('utf8');
    cache.receivedRaw(known, good);
    assert.equal(cache.socketData(known), good);
    const short = utf8('short');
    cache.receivedRaw('short', short);
    assert.equal(cache.socketData('short'), short);
    assert.equal(cache.socketData('shorT'), 'shorT');
  });
});

describe('Slab', () => {
  test('pieces never overlap, start 8-byte aligned, and keep what was written', () => {
    const slab = new Slab();
    const made: [Buffer, number][] = [];
    for (let i = 0; i < 300; i++) {
      const size = [1, 7, 10, 4097, 9000, 16_384, 16_385, 20_000][i % 8]!;
      const piece = slab.take(size);
      assert.equal(piece.length, size);
      if (size <= 16_384) assert.equal(piece.byteOffset % 8, 0);
      piece.fill(i & 0xff);
      made.push([piece, i & 0xff]);
    }
    for (const [piece, fill] of made) assert.ok(piece.every((b) => b === fill));
  });

  test('echo frames stay as they were made while later ones are made, across slabs', () => {
    const cache = new WireCache();
    const made: [Buffer, string][] = [];
    for (let i = 0; i < 200; i++) {
      const size = [10, 4096, 9000, 16_000, 20_000][i % 5]!;
      const message = `${i}`.padEnd(size, String.fromCharCode(0x61 + (i % 26)));
      const payload = utf8(`["${message}"]`);
      assert.deepEqual(receiveWebSocket(cache, payload), [message]);
      const frame = cache.echoFrame(message)!;
      assert.equal(cache.echoFrame(message), frame, 'the same frame for every socket');
      made.push([frame, `a["${message}"]`]);
    }
    for (const [frame, text] of made) assert.equal(frame.toString(), text);
    assert.equal(cache.echoFrame('something else'), null);
  });
});
