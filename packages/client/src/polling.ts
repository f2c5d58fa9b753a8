// The machinery shared by every HTTP transport: a receiving request that is
// repeated while the session lives, and a sender that batches messages with
// one request in flight.

import { CloseCode, clientStringify } from '@sockjs-ts/protocol';
import type { Transport, TransportContext } from './types.js';
import { addPath, withResume } from './url.js';

/**
 * Opens one receiving request. It calls `onEnd(true)` when the response ended
 * normally after delivering something (so the next one may start) and
 * `onEnd(false)` when it failed. The returned abort is silent and idempotent.
 */
export type Receiver = (
  onFrame: (frame: string) => void,
  onEnd: (again: boolean) => void,
) => () => void;

/** Posts one batch (a JSON array); `done(false)` on failure. Returns a silent abort. */
export type Post = (body: string, done: (ok: boolean) => void) => () => void;

/** Splits a text stream into newline-terminated frames. */
export function lineSplitter(onLine: (line: string) => void): (text: string) => void {
  let buffer = '';
  return (text) => {
    buffer += text;
    let start = 0;
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n', start)) {
      onLine(buffer.slice(start, nl));
      start = nl + 1;
    }
    buffer = buffer.slice(start);
  };
}

/** A receiver over ctx.http: xhr_streaming and xhr (polling) answer the same way. */
export function httpReceiver(ctx: TransportContext, path: string): Receiver {
  return (onFrame, onEnd) => {
    let got = false;
    const split = lineSplitter(onFrame);
    return ctx.http(
      'POST',
      withResume(ctx, addPath(ctx.url, path)),
      null,
      (text) => {
        got = true;
        split(text);
      },
      (status) => onEnd(status === 200 && got),
    );
  };
}

/** The xhr_send poster. */
export function httpPost(ctx: TransportContext): Post {
  return (body, done) =>
    ctx.http('POST', addPath(ctx.url, '/xhr_send'), body, noop, (status) =>
      done(status === 204 || status === 200),
    );
}

export function noop(): void {}

// How long close() waits for queued messages to go out before it gives up.
export const FLUSH_LIMIT_MS = 10_000;

/**
 * Runs `receive` in a loop and sends through `post`, one batch at a time.
 *
 * close() does not drop what send() accepted: the batch in flight and the
 * queued messages still go out (for at most FLUSH_LIMIT_MS), and only then
 * does the receiving request stop. The order matters: servers end a session
 * as soon as its receiving request is aborted, and a later xhr_send would get
 * a 404. Nothing is delivered to the SockJS object once close() was called.
 */
export function pollingTransport(
  ctx: TransportContext,
  receive: Receiver,
  post: Post = httpPost(ctx),
): Transport {
  let stopped = false;
  // close() was called, or the server sent its close frame (then nothing more is sent).
  let closing = false;
  let serverClosed = false;
  let queue: string[] = [];
  let abortReceive = noop;
  let abortPost: (() => void) | null = null;
  let limit: ReturnType<typeof setTimeout> | undefined;
  let whenStopped = noop;
  const stop = () => {
    stopped = true;
    queue = [];
    clearTimeout(limit);
    abortReceive();
    abortPost?.();
    const done = whenStopped;
    whenStopped = noop;
    done();
  };
  const fail = (reason: string) => {
    if (stopped) return;
    stop();
    if (!closing) ctx.onClose(CloseCode.Abnormal, reason);
  };
  const flush = () => {
    if (stopped || abortPost) return;
    if (queue.length === 0) {
      if (closing) stop();
      return;
    }
    const body = '[' + queue.join(',') + ']';
    queue = [];
    abortPost = post(body, (ok) => {
      abortPost = null;
      if (ok) flush();
      else fail('Sending failed');
    });
  };
  const loop = () => {
    abortReceive = receive(
      (frame) => {
        if (frame[0] === 'c') serverClosed = true;
        if (!stopped && !closing) ctx.onFrame(frame);
      },
      (again) => {
        if (stopped) return;
        if (!again) fail('Connection broken');
        else if (!closing) loop();
      },
    );
  };
  loop();
  return {
    send(message) {
      queue.push(clientStringify(message));
      flush();
    },
    close() {
      if (closing || stopped) return;
      closing = true;
      if (serverClosed) stop();
      flush();
      if (!stopped) limit = setTimeout(stop, FLUSH_LIMIT_MS);
    },
    flushed(done) {
      if (stopped) done();
      else whenStopped = done;
    },
    // Resume batches: the caller keeps one in flight, and decides what a
    // failure means (close() still waits for the one in flight).
    sendBatch(body, done) {
      if (stopped) return;
      abortPost = post(body, (ok) => {
        abortPost = null;
        done(ok);
        flush();
      });
    },
  };
}
