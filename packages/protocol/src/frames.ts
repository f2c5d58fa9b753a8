// SockJS frames: `o`, `h`, `a[...]` and `c[code,"reason"]`.

import { CloseReason } from './close-codes.js';
import { serverQuote, serverStringify } from './escape.js';

export const OPEN_FRAME = 'o';
export const HEARTBEAT_FRAME = 'h';

/** Encodes a batch of messages as one `a[...]` frame, escaped for the wire. */
export function messageFrame(messages: readonly string[]): string {
  if (messages.length === 1) return 'a[' + serverQuote(messages[0]!) + ']';
  // Item by item: serverQuote is cheaper than JSON.stringify on long strings.
  let frame = 'a[';
  for (let i = 0; i < messages.length; i++) {
    if (i > 0) frame += ',';
    frame += serverQuote(messages[i]!);
  }
  return frame + ']';
}

export function closeFrame(code: number, reason: string): string {
  return 'c[' + code + ',' + serverStringify(reason) + ']';
}

export type Frame =
  | { readonly type: 'open' }
  | { readonly type: 'heartbeat' }
  | { readonly type: 'message'; readonly messages: string[] }
  | { readonly type: 'close'; readonly code: number; readonly reason: string };

/** Why a payload could not be decoded. */
export class FrameError extends Error {
  readonly code: 'SOCKJS_ERR_BAD_JSON' | 'SOCKJS_ERR_NO_PAYLOAD';
  constructor(code: FrameError['code'], message: string) {
    super(message);
    this.name = 'FrameError';
    this.code = code;
  }
}

/**
 * Decodes one frame as a client receives it, once its transport's framing is
 * removed (the newline after each frame on xhr, eventsource's `data:`).
 * Servers send exactly `o`, `h`, `a[...]` and `c[code,"reason"]` (sockjs-node,
 * Spring, Vert.x and sockjs-go alike). Anything else gives null: blank lines
 * between frames, and text no server sends, such as `ox` or a bare `c`, which
 * sockjs-client ignores too. A message item or close reason that is not a
 * string arrives as its JSON text, as in the server's decoders (a missing or
 * null reason as ''), so that a value an application misplaced does not lose
 * the frame.
 */
export function parseFrame(text: string): Frame | null {
  if (text === 'o' || text === 'h') return { type: text === 'o' ? 'open' : 'heartbeat' };
  const payload = safeParse(text.slice(1));
  if (Array.isArray(payload)) {
    const [code, reason] = payload;
    if (text[0] === 'a') return { type: 'message', messages: payload.map(messageText) };
    if (text[0] === 'c' && Number.isInteger(code))
      return { type: 'close', code, reason: messageText(reason ?? '') };
  }
  return null;
}

/**
 * The text of one decoded message item. Peers send strings; any other JSON
 * value is kept as its JSON text, so that no parsed value, not even
 * `{"toString":null}`, can throw.
 */
export function messageText(value: unknown): string {
  return typeof value === 'string' ? value : `${JSON.stringify(value)}`;
}

/** JSON.parse, or undefined for broken JSON (no JSON text decodes to undefined). */
function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Decodes what a client sent to xhr_send or jsonp_send: a JSON array of
 * strings. Throws FrameError with SOCKJS_ERR_NO_PAYLOAD for an empty body or a
 * body that is not an array, and SOCKJS_ERR_BAD_JSON for invalid JSON.
 */
export function parseSendPayload(body: string): string[] {
  if (body.length === 0) throw new FrameError('SOCKJS_ERR_NO_PAYLOAD', 'Payload expected.');
  const value = safeParse(body);
  if (value === undefined) throw new FrameError('SOCKJS_ERR_BAD_JSON', 'Broken JSON encoding.');
  if (!Array.isArray(value)) throw new FrameError('SOCKJS_ERR_NO_PAYLOAD', 'Payload expected.');
  return items(value);
}

/** The messages of a decoded array. */
function items(array: unknown[]): string[] {
  if (array.length === 1 && typeof array[0] === 'string') return [array[0]];
  return array.map(messageText);
}

/**
 * Decodes a message received on the SockJS websocket. An empty message gives
 * no data; a JSON array gives its items; a lone JSON string is one message
 * (sockjs-node accepts it). Anything else throws SOCKJS_ERR_BAD_JSON.
 */
export function parseWebSocketPayload(text: string): string[] {
  if (text.length === 0) return [];
  const value = safeParse(text);
  if (value === undefined) throw new FrameError('SOCKJS_ERR_BAD_JSON', CloseReason.BrokenFraming);
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) throw new FrameError('SOCKJS_ERR_BAD_JSON', CloseReason.BrokenFraming);
  return items(value);
}
