// The protocol's two stateless escaping fast paths
// (packages/protocol/src/escape.ts), against what they replace:
//
// - serverStringify tests JSON for the server's table with a regular
//   expression that has no character below U+0100, which V8 answers on a
//   one-byte string without scanning it; a test for "anything not printable
//   ASCII" scans all of it (the comment quotes 2.6 us for 4 KiB of ASCII
//   against 40 ns);
// - serverQuote scans a long string for plain ASCII and, when it is, quotes it
//   without JSON.stringify (the comment quotes about three times faster),
//   from 64 code units on (PLAIN_CHECK_FROM).
//
// The expressions are copied here from escape.ts, which does not export them.
//
// usage: npm run build && node bench/micro/escape.js

import { serverQuote, serverStringify } from '@sockjs-ts/protocol';
import { compare, header } from './lib.js';

const HAS_SERVER_ESCAPABLE = /[\ud800-\udfff\u200c-\u200f\u2028-\u202f\u2060-\u206f\ufff0-\uffff]/;
const NON_ASCII = /[^\x20-\x7e]/;

header("the server table's test on JSON text: table vs non-ASCII scan");
for (const [name, text] of [
  ['4 KiB ASCII', JSON.stringify('x'.repeat(4096))],
  ['64 B ASCII', JSON.stringify('x'.repeat(64))],
]) {
  compare(
    name,
    [
      ['table', () => (HAS_SERVER_ESCAPABLE.test(text) ? 'y' : 'n')],
      ['non-ASCII scan', () => (NON_ASCII.test(text) ? 'y' : 'n')],
    ],
    100_000,
  );
}

header('a plain-ASCII string as a JSON literal: serverQuote vs serverStringify');
for (const [name, text] of [
  ['4 KiB', 'x'.repeat(4096)],
  ['256 B', 'x'.repeat(256)],
  ['64 B', 'x'.repeat(64)],
  ['63 B (below PLAIN_CHECK_FROM: both stringify)', 'x'.repeat(63)],
]) {
  if (serverQuote(text) !== serverStringify(text)) throw new Error('disagree');
  compare(
    name,
    [
      ['serverQuote', () => serverQuote(text)],
      ['serverStringify', () => serverStringify(text)],
    ],
    50_000,
  );
}

// PLAIN_CHECK_FROM itself: below 64 code units serverQuote skips the scan.
// Against scanning every length, that wins on short text that is not plain
// (JSON objects: their quotes make them so) and loses on short plain text.
const NOT_PLAIN = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;
const scanAlways = (t) => (!NOT_PLAIN.test(t) ? '"' + t + '"' : serverStringify(t));
header('below 64 code units: serverQuote (no scan) vs scanning every length');
for (const [name, text] of [
  ['16 B plain', 'x'.repeat(16)],
  ['16 B JSON object', '{"a":1,"bc":"d"}'],
  ['48 B plain', 'x'.repeat(48)],
  ['48 B JSON object', JSON.stringify({ type: 'chat', room: 7, text: 'hello world' })],
]) {
  compare(
    name,
    [
      ['serverQuote', () => serverQuote(text)],
      ['scan always', () => scanAlways(text)],
    ],
    100_000,
  );
}
