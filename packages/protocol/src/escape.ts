// JSON escaping for SockJS frames.
//
// JSON.stringify already escapes U+0000-U+001F, quotes, backslashes and lone
// surrogates. What it leaves raw are characters that some browsers, proxies or
// JavaScript parsers mangle: the zero-width and line/paragraph separators, the
// invisible formatting block and the specials block. SockJS escapes those as
// lowercase \uXXXX. The server also escapes paired surrogates (as sockjs-node
// does) so that every frame is pure ASCII apart from harmless BMP text.

const SERVER_ESCAPABLE = /[\ud800-\udfff\u200c-\u200f\u2028-\u202f\u2060-\u206f\ufff0-\uffff]/g;

// The client escapes what the server does plus the characters that old
// browsers' JSON.parse or XHR decoding normalised or dropped (C1 controls,
// soft hyphen, Arabic and Syriac format characters, Khmer vowels, BOM).
const CLIENT_ESCAPABLE =
  /[\u007f-\u009f\u00ad\u0600-\u0604\u070f\u17b4\u17b5\ud800-\udfff\u200c-\u200f\u2028-\u202f\u2060-\u206f\ufeff\ufff0-\uffff]/g;

// Anything outside printable ASCII means the slow path may be needed.
const NON_ASCII = /[^\x20-\x7e]/;

// The server's table has no character below U+0100, so V8 answers this test
// on a one-byte string without scanning it; NON_ASCII would scan all of it
// (2.6 us for 4 KiB of ASCII, measured, against 40 ns; bench/micro/escape.js).
const HAS_SERVER_ESCAPABLE = new RegExp(SERVER_ESCAPABLE.source);

function toUnicodeEscape(ch: string): string {
  return '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0');
}

/** JSON-encodes a value and escapes the characters in the server's table. */
export function serverStringify(value: unknown): string {
  const json = JSON.stringify(value);
  return HAS_SERVER_ESCAPABLE.test(json) ? json.replace(SERVER_ESCAPABLE, toUnicodeEscape) : json;
}

// Printable ASCII other than '"' and '\\': a string made only of these is its
// own JSON encoding between quotes. V8 (Node 20) scans for it two to three
// times faster than JSON.stringify encodes the same string
// (bench/micro/escape.js, which also weighs PLAIN_CHECK_FROM).
const NOT_PLAIN = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;
const PLAIN_CHECK_FROM = 64;

/**
 * True when serverStringify escapes something in `text` that JSON.stringify
 * leaves raw: JSON text without a backslash is then the server's own.
 */
export function hasServerEscapable(text: string): boolean {
  return HAS_SERVER_ESCAPABLE.test(text);
}

/**
 * A string as a JSON string literal, escaped as serverStringify does. Long
 * plain-ASCII strings skip JSON.stringify; the JSON value is the same.
 */
export function serverQuote(text: string): string {
  if (text.length >= PLAIN_CHECK_FROM && !NOT_PLAIN.test(text)) return '"' + text + '"';
  return serverStringify(text);
}

/** JSON-encodes a value and escapes the characters in the client's table. */
export function clientStringify(value: unknown): string {
  const json = JSON.stringify(value);
  return NON_ASCII.test(json) ? json.replace(CLIENT_ESCAPABLE, toUnicodeEscape) : json;
}
