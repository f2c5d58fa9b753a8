import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clientStringify, hasServerEscapable, serverQuote, serverStringify } from '../src/index.js';

const hex4 = (code: number) => code.toString(16).padStart(4, '0');
const escaped = (code: number) => `"\\u${hex4(code)}"`;

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let c = from; c <= to; c++) out.push(c);
  return out;
}

// JSON's own short escapes for five of the control characters.
const SHORT: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };

const SERVER_RANGES = [
  [0x200c, 0x200f],
  [0x2028, 0x202f],
  [0x2060, 0x206f],
  [0xfff0, 0xffff],
  [0xd800, 0xdfff],
] as const;

describe('server escaping table', () => {
  test('U+0000-001F are escaped (lowercase \\u00xx, or JSON short forms)', () => {
    for (const c of range(0, 0x1f)) {
      const want = SHORT[c] !== undefined ? `"${SHORT[c]}"` : escaped(c);
      assert.equal(serverStringify(String.fromCharCode(c)), want, `U+${hex4(c)}`);
    }
  });

  test('U+200C-200F, U+2028-202F, U+2060-206F, U+FFF0-FFFF and surrogates become lowercase \\uXXXX', () => {
    for (const [from, to] of SERVER_RANGES) {
      for (const c of range(from, to)) {
        assert.equal(serverStringify(String.fromCharCode(c)), escaped(c), `U+${hex4(c)}`);
      }
    }
  });

  test('paired surrogates are escaped as two lowercase escapes', () => {
    assert.equal(serverStringify('\ud83d\ude00'), '"\\ud83d\\ude00"');
  });

  test('neighbours of the ranges stay raw', () => {
    for (const c of [0x20, 0x7f, 0xad, 0x200b, 0x2010, 0x2027, 0x2030, 0x205f, 0x2070, 0xffef]) {
      const ch = String.fromCharCode(c);
      assert.equal(serverStringify(ch), `"${ch}"`, `U+${hex4(c)}`);
    }
    assert.equal(serverStringify('é日本'), '"é日本"');
  });

  test('ASCII takes the fast path unchanged', () => {
    assert.equal(serverStringify(['a', 'b"\\']), '["a","b\\"\\\\"]');
  });

  test('everything round-trips through JSON.parse', () => {
    let all = '';
    for (let c = 0; c <= 0xffff; c++) all += String.fromCharCode(c);
    const json = serverStringify([all]);
    assert.deepEqual(JSON.parse(json), [all]);
    // Nothing in the server table survives raw.
    assert.doesNotMatch(
      json,
      /[\u0000-\u001f\u200c-\u200f\u2028-\u202f\u2060-\u206f\ud800-\udfff\ufff0-\uffff]/,
    );
  });
});

describe('client escaping table', () => {
  test('covers the server table plus the characters old browsers mangled', () => {
    for (const [from, to] of SERVER_RANGES) {
      for (const c of range(from, to)) {
        assert.equal(clientStringify(String.fromCharCode(c)), escaped(c), `U+${hex4(c)}`);
      }
    }
    const extra = [
      ...range(0x7f, 0x9f),
      0xad,
      ...range(0x600, 0x604),
      0x70f,
      0x17b4,
      0x17b5,
      0xfeff,
    ];
    for (const c of extra) {
      assert.equal(clientStringify(String.fromCharCode(c)), escaped(c), `U+${hex4(c)}`);
      // The server leaves these raw.
      assert.equal(serverStringify(String.fromCharCode(c)), `"${String.fromCharCode(c)}"`);
    }
  });

  test('round-trips through JSON.parse', () => {
    let all = '';
    for (let c = 0; c <= 0xffff; c++) all += String.fromCharCode(c);
    assert.deepEqual(JSON.parse(clientStringify([all])), [all]);
  });
});

describe('serverQuote: the plain-ASCII fast path gives what serverStringify gives', () => {
  test('short and long strings, plain or not', () => {
    const cases = [
      '',
      'plain',
      'a"b',
      'x'.repeat(63),
      'x'.repeat(64),
      'y'.repeat(200),
      'q'.repeat(100) + '"' + 'q'.repeat(10),
      'b'.repeat(100) + '\\',
      'é'.repeat(100),
      '"'.repeat(80),
      'z'.repeat(70) + '\u2028',
      '\u0001'.repeat(64),
    ];
    for (const text of cases) {
      assert.equal(serverQuote(text), serverStringify(text), JSON.stringify(text));
      assert.equal(JSON.parse(serverQuote(text)), text);
    }
  });
});

describe('hasServerEscapable', () => {
  test('true exactly when the server table has a character of the text', () => {
    for (const text of ['\u2028', 'a\u200cb', '\ud800', 'x'.repeat(100) + '\uffff'])
      assert.equal(hasServerEscapable(text), true, JSON.stringify(text));
    for (const text of ['', 'plain', '"\\\n', 'é日本', '\u00ad', '\u0600', '\ufeff'])
      assert.equal(hasServerEscapable(text), false, JSON.stringify(text));
  });
});
