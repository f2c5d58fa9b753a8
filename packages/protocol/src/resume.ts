// The resume extension's wire format (docs/resume.md): in a resumable session
// every message array, both ways, starts with two counters, `[seq, ack, ...]`.
// `seq` numbers the batch's first message (the sender's next one when it
// carries none); `ack` is how many messages the sender has received.

import { serverQuote } from './escape.js';
import { FrameError, messageText } from './frames.js';

/** The query parameter of a session's first receiving request that asks for resume. */
export const RESUME_NEW = 'new';

/** A side confirms at the latest after this many messages it has not confirmed... */
export const RESUME_ACK_EVERY = 32;
/** ...or once it has held an unconfirmed one this many milliseconds. */
export const RESUME_ACK_AFTER = 1000;

/** A decoded `[seq, ack, ...messages]` batch. */
export interface NumberedBatch {
  readonly seq: number;
  readonly ack: number;
  readonly messages: string[];
}

/** The server's `a[seq,ack,...]` frame, escaped for the wire as messageFrame() does. */
export function numberedFrame(seq: number, ack: number, messages: readonly string[]): string {
  let frame = 'a[' + seq + ',' + ack;
  for (let i = 0; i < messages.length; i++) frame += ',' + serverQuote(messages[i]!);
  return frame + ']';
}

function isCounter(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Decodes a client's batch in a resumable session (an xhr_send or jsonp_send
 * body, or one websocket message). Throws FrameError: SOCKJS_ERR_BAD_JSON for
 * invalid JSON, SOCKJS_ERR_NO_PAYLOAD for anything that is not an array
 * starting with two non-negative integers.
 */
export function parseNumberedBatch(text: string): NumberedBatch {
  if (text.length === 0) throw new FrameError('SOCKJS_ERR_NO_PAYLOAD', 'Payload expected.');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new FrameError('SOCKJS_ERR_BAD_JSON', 'Broken JSON encoding.');
  }
  if (!Array.isArray(value) || !isCounter(value[0]) || !isCounter(value[1])) {
    throw new FrameError('SOCKJS_ERR_NO_PAYLOAD', 'Payload expected.');
  }
  const messages: string[] = [];
  for (let i = 2; i < value.length; i++) messages.push(messageText(value[i]));
  return { seq: value[0], ack: value[1], messages };
}

/**
 * A receiving request's `resume` query value: 'new', or the client's ack as
 * a non-negative integer; null when absent; NaN when malformed.
 */
export function parseResumeQuery(value: string | null): 'new' | number | null {
  if (value === null) return null;
  if (value === RESUME_NEW) return RESUME_NEW;
  return /^(0|[1-9][0-9]{0,15})$/.test(value) && Number.isSafeInteger(Number(value))
    ? Number(value)
    : Number.NaN;
}
