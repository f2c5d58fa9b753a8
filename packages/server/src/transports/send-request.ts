// What xhr_send and jsonp_send share: read the body within the limit, decode
// the JSON array, hand each message to the session, or answer the error.

import {
  FrameError,
  type NumberedBatch,
  parseNumberedBatch,
  parseSendPayload,
  ReadyState,
} from '@sockjs-ts/protocol';
import type { HttpResponse } from '../http-types.js';
import { answerText, BodyTooLargeError, NOT_FOUND, readBody } from '../http-util.js';
import { sendStatus } from '../session.js';
import { wireCache } from '../wire-cache.js';
import type { TransportRequest } from './http-transport.js';

/** What a forwarded send that was not delivered is answered. */
const SEND_REFUSALS = {
  404: NOT_FOUND,
  413: 'Message too big.',
  503: 'Service unavailable.',
  504: 'No answer from the session owner.',
} as const;

function answerError(res: HttpResponse, headers: () => void, status: number, text: string) {
  if (!res.headersSent) headers();
  answerText(res, status, text);
}

/** Whether a send body is a JSON array whose first item is a number. */
function isNumbered(text: string): boolean {
  return /^\s*\[\s*\d/.test(text);
}

/**
 * Delivers the messages in a send request. `extract` turns the raw body into
 * the JSON text (jsonp_send may wrap it in a form). Calls `ok` on success;
 * every failure is answered here, with the session headers that `headers`
 * sets (no-cache, CORS, JSESSIONID).
 */
export function handleSend(
  { req, res, sessionId, endpoint, remote }: TransportRequest,
  extract: (body: string) => string,
  ok: () => void,
  headers: () => void,
): void {
  if (remote === undefined && endpoint.getSession(sessionId) === undefined) {
    // Drain the body so the connection can be reused.
    req.resume();
    answerError(res, headers, 404, NOT_FOUND);
    return;
  }
  const options = endpoint.options;
  readBody(req, options.maxBodySize, (err, body) => {
    if (res.headersSent) {
      // Something else answered while the body came in: a framework that
      // does not wait for the request it handed over (Koa without
      // `ctx.respond = false`). The client took that answer for the send's,
      // so its messages are not delivered, and nothing more is written.
      endpoint.logError('send answered by someone else before its body was read');
      return;
    }
    if (err !== null) {
      if (err instanceof BodyTooLargeError) {
        endpoint.limitHit('body', err.size, options.maxBodySize, sessionId);
        // The rest of the body is never read: close the connection after.
        res.setHeader('Connection', 'close');
        answerError(res, headers, 413, 'Payload too large.');
        req.resume();
        return;
      }
      // The client went away while sending: nothing to answer.
      endpoint.logError(`send aborted: ${err.message}`);
      res.destroy();
      return;
    }
    const session = remote === undefined ? endpoint.getSession(sessionId) : undefined;
    let messages: string[];
    let numbered: NumberedBatch | undefined;
    try {
      const text = extract(body);
      // A resumable session's batch is [seq, ack, ...] (docs/resume.md).
      // Forwarded, the owner decides: a batch that starts with a number
      // travels with its counters, as it came.
      if (
        session === undefined ? remote !== undefined && isNumbered(text) : session.resume !== null
      ) {
        numbered = parseNumberedBatch(text);
        messages = numbered.messages;
      } else {
        messages = parseSendPayload(text);
        wireCache.receivedText(messages, text);
      }
    } catch (e) {
      answerError(res, headers, 500, e instanceof FrameError ? e.message : 'Broken JSON encoding.');
      return;
    }
    if (remote !== undefined) {
      // Any-node mode: the owner takes the messages; the answer waits for
      // it, so the client's next send (maybe on another node) comes after.
      remote.send(messages, numbered).then((status) => {
        if (res.destroyed || res.headersSent) return;
        if (status === 204) ok();
        else answerError(res, headers, status, SEND_REFUSALS[status]);
      });
      return;
    }
    if (session === undefined || session.readyState !== ReadyState.OPEN) {
      answerError(res, headers, 404, NOT_FOUND);
      return;
    }
    if (numbered !== undefined) {
      const status = sendStatus(session.receiveBatch(numbered, false));
      if (status === 204) ok();
      else answerError(res, headers, status, SEND_REFUSALS[status]);
      return;
    }
    for (const m of messages) {
      if (m.length > options.maxMessageSize) {
        answerError(res, headers, 413, 'Message too big.');
        session.messageTooBig(m.length);
        return;
      }
    }
    ok();
    for (const m of messages) session.receive(m);
  });
}
