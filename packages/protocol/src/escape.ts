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
// (2.6 us for 4 KiB of ASCII, measured, against 40 ns).
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
// own JSON encoding between quotes. V8 (Node 20) scans for it about three
// times faster than JSON.stringify encodes the same string.
const NOT_PLAIN = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;
const PLAIN_CHECK_FROM = 64;

// The JSON literal a client sent for the last message it sent alone, when
// that literal is what the server would send. Echoing or relaying a message
// is what SockJS applications do most, and reusing the literal saves encoding
// the message again: Node 20's JSON.stringify takes ~3 ns and the plain-ASCII scan
// ~1 ns per character, against nothing here. One entry, so at most one
// message is kept alive.
let knownMessage: string | null = null;
let knownLiteral = '';

/**
 * @internal Called by the payload decoders: `literal` is JSON text that
 * JSON.parse turned into `message`.
 */
export function rememberLiteral(message: string, literal: string): void {
  // Without a backslash the literal holds no escapes, so it is exactly what
  // serverStringify would make of the message, once nothing in it needs the
  // server's escaping: frames stay byte for byte the server's own.
  if (literal.indexOf('\\') !== -1 || HAS_SERVER_ESCAPABLE.test(literal)) return;
  knownMessage = message;
  knownLiteral = literal;
}

/**
 * @internal Called for a message a client sent as `["..."]` whose literal holds
 * no quote, backslash or control character: its literal is the message
 * between quotes. False when the server escapes something in it (nothing is
 * remembered then).
 */
export function rememberPlainMessage(message: string): boolean {
  if (HAS_SERVER_ESCAPABLE.test(message)) return false;
  knownMessage = message;
  knownLiteral = '"' + message + '"';
  return true;
}

/**
 * A string as a JSON string literal, escaped as serverStringify does. Long
 * plain-ASCII strings skip JSON.stringify, and the message a client just sent
 * reuses the client's own literal; the JSON value is the same.
 */
export function serverQuote(text: string): string {
  if (text === knownMessage) return knownLiteral;
  if (text.length >= PLAIN_CHECK_FROM && !NOT_PLAIN.test(text)) return '"' + text + '"';
  return serverStringify(text);
}

/** JSON-encodes a value and escapes the characters in the client's table. */
export function clientStringify(value: unknown): string {
  const json = JSON.stringify(value);
  return NON_ASCII.test(json) ? json.replace(CLIENT_ESCAPABLE, toUnicodeEscape) : json;
}
