// The server's wire fast paths, in one place: the last message a client sent
// and the forms it travels in, so that echoing or relaying it (what SockJS
// applications do most) skips encoding it again; the last frame made and the
// last text handed to a socket, so that a broadcast is encoded once
// rather than once per session; the slab its websocket frames are cut from;
// and the reading of the commonest websocket payload from its bytes.
//
// Every entry is keyed by the message's value, never by who sent it: equal
// strings have equal encodings, so a hit is exact whatever its source, and a
// different message always misses. Each entry holds one message, so at most
// a few messages are kept alive. The protocol's decoders and encoders stay
// pure; the server hands decoded messages here where it wants them reused.
//
// Each trick has a script in bench/micro/ that measures it with and without
// (the figures, machine, date and commit are in bench/micro/README.md), and
// test/wire-cache.test.ts checks that every cached form is the one the
// server would make without it.

import { isUtf8 } from 'node:buffer';
import { hasServerEscapable, serverQuote } from '@sockjs-ts/protocol';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const LETTER_A = 0x61;

// Frames are carved from slabs, as Buffer.allocUnsafe does from its pool for
// sizes below 4 KiB: a 4 KiB echo is above that, and a separate allocation
// each (an ArrayBuffer of its own, then the copy) was 5 % of the server's time
// in the 4 KiB websocket echo profile; a frame from the slab takes a third
// to a half of the time of one of its own (bench/micro/sockets.js). A slab is
// never written twice: when it is used up a new one starts, and the old one
// lives as long as a frame cut from it waits in a socket.
const SLAB_SIZE = 64 * 1024;
const SLAB_MAX_FRAME = 16 * 1024;

export class Slab {
  private memory: Buffer | null = null;
  private used = 0;

  /** `size` bytes no one else holds, uninitialised. */
  take(size: number): Buffer {
    if (size > SLAB_MAX_FRAME) return Buffer.allocUnsafeSlow(size);
    let memory = this.memory;
    if (memory === null || this.used + size > SLAB_SIZE) {
      memory = Buffer.allocUnsafeSlow(SLAB_SIZE);
      this.memory = memory;
      this.used = 0;
    }
    const piece = memory.subarray(this.used, this.used + size);
    // The next piece starts 8-byte aligned.
    this.used = (this.used + size + 7) & ~7;
    return piece;
  }
}

/**
 * The last message received and its wire forms, and the last message sent
 * and its wire forms. One instance serves every endpoint (`wireCache`): a
 * broadcast reaches sessions of any endpoint.
 */
export class WireCache {
  // The last message a client sent alone whose JSON literal is exactly what
  // the server would send for it (no escape, nothing in the server's table),
  // and that literal. Reusing it saves JSON.stringify or the plain-ASCII
  // scan, a few nanoseconds a character (bench/micro/frames.js).
  private received: string | null = null;
  private receivedLiteral = '';
  // When it came over the SockJS websocket: its `["..."]` payload until the
  // first echo, then the frame `a["..."]` as bytes, one Buffer for every
  // socket, with no string to flatten or encode again (bench/micro/sockets.js).
  private receivedPayload: Buffer | null = null;
  private receivedFrame: Buffer | null = null;

  // The last single-message frame made. A broadcast writes the same message
  // to every session and each session frames it on its own: this makes that
  // one encoding per broadcast (bench/micro/frames.js).
  private framed: string | null = null;
  private frame = '';

  // The last text given to a socket (a frame, or a raw websocket message),
  // and its UTF-8 bytes: from the second socket on, the text goes out as one
  // shared Buffer instead of being encoded into every socket's write (a
  // 4 KiB frame to 1,000 sockets is 4 MB of encoding). A raw websocket
  // message a client sent comes with its bytes already. Short texts used to
  // go as strings, "not worth the comparison"; measured, sharing them is no
  // slower, so every length is shared (bench/micro/sockets.js).
  private socketText: string | null = null;
  private socketBytes: Buffer | null = null;

  private readonly slab = new Slab();

  /**
   * A client sent `messages`, decoded from the JSON text `text` (a send
   * request's body or a websocket message). Only a lone string sent as
   * exactly `["..."]` is remembered, with its literal.
   */
  receivedText(messages: readonly string[], text: string): void {
    if (messages.length !== 1) return;
    const n = text.length;
    if (
      n < 4 ||
      text.charCodeAt(0) !== OPEN ||
      text.charCodeAt(1) !== QUOTE ||
      text.charCodeAt(n - 2) !== QUOTE ||
      text.charCodeAt(n - 1) !== CLOSE
    )
      return;
    // `["` opens an array whose first item is a string, and it has one item:
    // the text between the brackets is that string's literal. Without a
    // backslash the literal holds no escape, so it is exactly what
    // serverQuote makes of the message once nothing in it needs the server's
    // escaping.
    const literal = text.slice(1, n - 1);
    if (literal.indexOf('\\') !== -1 || hasServerEscapable(literal)) return;
    this.remember(messages[0]!, literal, null);
  }

  /**
   * A SockJS websocket client sent `message` as `payload`, the bytes
   * `["..."]` that plainSingleMessage read it from. Bytes that were not UTF-8
   * (hixie-76 frames are not checked as RFC 6455 ones are) decoded to U+FFFD,
   * which the server escapes: those are never remembered, so they never go
   * back out as they came.
   */
  receivedPlain(message: string, payload: Buffer): void {
    if (hasServerEscapable(message)) return;
    this.remember(message, '"' + message + '"', payload);
  }

  /**
   * A raw websocket client sent `text` as `bytes`: an echo or a relay of that
   * same text goes out as those bytes. Only valid UTF-8 is remembered: bytes
   * that decoded to U+FFFD must never go back out as they came.
   */
  receivedRaw(text: string, bytes: Buffer): void {
    if (!isUtf8(bytes)) return;
    this.socketText = text;
    this.socketBytes = bytes;
  }

  private remember(message: string, literal: string, payload: Buffer | null): void {
    this.received = message;
    this.receivedLiteral = literal;
    this.receivedPayload = payload;
    this.receivedFrame = null;
  }

  /** `message` as a JSON string literal, escaped as serverStringify does. */
  private quote(message: string): string {
    return message === this.received ? this.receivedLiteral : serverQuote(message);
  }

  /** The `a[...]` frame of a batch of messages, as protocol's messageFrame makes it. */
  messageFrame(batch: readonly string[]): string {
    if (batch.length === 1) {
      const message = batch[0]!;
      if (message === this.framed) return this.frame;
      const frame = 'a[' + this.quote(message) + ']';
      this.framed = message;
      this.frame = frame;
      return frame;
    }
    let frame = 'a[';
    for (let i = 0; i < batch.length; i++) {
      if (i > 0) frame += ',';
      frame += this.quote(batch[i]!);
    }
    return frame + ']';
  }

  /**
   * The frame `a["..."]` for `message` as UTF-8 bytes, when it is the message
   * a SockJS websocket client just sent (receivedPlain), or null.
   */
  echoFrame(message: string): Buffer | null {
    if (message !== this.received) return null;
    const payload = this.receivedPayload;
    if (this.receivedFrame === null && payload !== null) {
      const frame = this.slab.take(payload.length + 1);
      frame[0] = LETTER_A;
      payload.copy(frame, 1);
      this.receivedFrame = frame;
      this.receivedPayload = null;
    }
    return this.receivedFrame;
  }

  /** What goes to a socket's `send` for `text`: itself, or its UTF-8 bytes if known. */
  socketData(text: string): string | Buffer {
    if (text === this.socketText) {
      if (this.socketBytes === null) this.socketBytes = Buffer.from(text, 'utf8');
      return this.socketBytes;
    }
    this.socketText = text;
    this.socketBytes = null;
    return text;
  }
}

/** The cache every endpoint of this process shares. */
export const wireCache = new WireCache();

// The common case of a SockJS websocket message, read from its bytes: one
// string sent alone, `["..."]`, whose literal holds no escape. Such a literal
// is its own value, so the message is the UTF-8 text between the quotes and
// JSON.parse has nothing to add. Deciding that takes one scan of the bytes for
// the three things that would make JSON.parse answer differently: a quote (the
// string ends early), a backslash (an escape) and a control character below
// U+0020 (invalid JSON). Everything else, including any UTF-8 sequence, stands
// for itself inside a JSON string.
//
// For a 4 KiB message the scan takes about two thirds of the time of
// decoding the text and JSON.parse, and half for a short one
// (bench/micro/plain-message.js). Frames that fail the scan take the
// JSON.parse path unchanged, so the two paths cannot disagree on anything but
// speed.

// Below this many bytes a plain byte loop is as fast as setting up the
// word-wise scan.
const WORDWISE_FROM = 64;

function plainByte(c: number): boolean {
  return c >= 0x20 && c !== QUOTE && c !== BACKSLASH;
}

/** True when no byte in [start, end) is below 0x20, four bytes at a time. */
function noControlBytes(bytes: Uint8Array, start: number, end: number): boolean {
  let i = start;
  // Up to the first offset a 32-bit view may start at.
  while (i < end && ((bytes.byteOffset + i) & 3) !== 0) {
    if (bytes[i]! < 0x20) return false;
    i++;
  }
  const words = (end - i) >> 2;
  if (words > 0) {
    const view = new Int32Array(bytes.buffer, bytes.byteOffset + i, words);
    // Per byte b, (b - 0x20) & ~b has its top bit set exactly when b < 0x20
    // (a byte of 0x80 or more has its own top bit clear in ~b, and a borrow
    // only ever comes from a lower byte that already matched). The results
    // are gathered and tested once per four words.
    let hits = 0;
    let k = 0;
    for (; k + 4 <= words; k += 4) {
      const a = view[k]!;
      const b = view[k + 1]!;
      const c = view[k + 2]!;
      const d = view[k + 3]!;
      hits |=
        ((a - 0x20202020) & ~a) |
        ((b - 0x20202020) & ~b) |
        ((c - 0x20202020) & ~c) |
        ((d - 0x20202020) & ~d);
      if ((hits & 0x80808080) !== 0) return false;
    }
    for (; k < words; k++) {
      const a = view[k]!;
      hits |= (a - 0x20202020) & ~a;
    }
    if ((hits & 0x80808080) !== 0) return false;
    i += words << 2;
  }
  for (; i < end; i++) if (bytes[i]! < 0x20) return false;
  return true;
}

/**
 * The message of a websocket payload that is exactly `["..."]` with a plain
 * literal (no quote, backslash or control character inside), or null for
 * anything else, which then goes through JSON.parse.
 */
export function plainSingleMessage(bytes: Buffer): string | null {
  const n = bytes.length;
  if (
    n < 4 ||
    bytes[0] !== OPEN ||
    bytes[1] !== QUOTE ||
    bytes[n - 2] !== QUOTE ||
    bytes[n - 1] !== CLOSE
  )
    return null;
  const end = n - 2;
  if (end - 2 < WORDWISE_FROM) {
    for (let i = 2; i < end; i++) if (!plainByte(bytes[i]!)) return null;
  } else {
    // Both searches run in native code (memchr); the last quote is at `end`.
    if (bytes.indexOf(QUOTE, 2) !== end) return null;
    const slash = bytes.indexOf(BACKSLASH, 2);
    if (slash !== -1 && slash < end) return null;
    if (!noControlBytes(bytes, 2, end)) return null;
  }
  return bytes.toString('utf8', 2, end);
}
