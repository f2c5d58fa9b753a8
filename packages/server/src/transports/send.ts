// What xhr_send and jsonp_send share: read the body within the limit, decode
// the JSON array, hand each message to the session, or answer the error.

import { FrameError, parseSendPayload } from '@sockjs-ts/protocol';
import { answer404, answerText, BodyTooLargeError, readBody } from '../http-util.js';
import type { TransportRequest } from './context.js';

/**
 * Delivers the messages in a send request. `extract` turns the raw body into
 * the JSON text (jsonp_send may wrap it in a form). Calls `ok` on success;
 * every failure is answered here.
 */
export function handleSend(
  { req, res, sessionId, endpoint }: TransportRequest,
  extract: (body: string) => string,
  ok: () => void,
): void {
  if (endpoint.getSession(sessionId) === undefined) {
    // Drain the body so the connection can be reused.
    req.resume();
    answer404(res);
    return;
  }
  const options = endpoint.options;
  readBody(req, options.maxBodySize, (err, body) => {
    if (err !== null) {
      if (err instanceof BodyTooLargeError) {
        endpoint.limitHit('body', err.size, options.maxBodySize, sessionId);
        // The rest of the body is never read: close the connection after.
        res.setHeader('Connection', 'close');
        answerText(res, 413, 'Payload too large.');
        req.resume();
        return;
      }
      // The client went away while sending: nothing to answer.
      endpoint.logError(`send aborted: ${err.message}`);
      res.destroy();
      return;
    }
    let messages: string[];
    try {
      messages = parseSendPayload(extract(body));
    } catch (e) {
      answerText(res, 500, e instanceof FrameError ? e.message : 'Broken JSON encoding.');
      return;
    }
    const session = endpoint.getSession(sessionId);
    if (session === undefined || session.readyState !== 1) {
      answer404(res);
      return;
    }
    for (const m of messages) {
      if (m.length > options.maxMessageSize) {
        answerText(res, 413, 'Message too big.');
        session.messageTooBig(m.length);
        return;
      }
    }
    ok();
    for (const m of messages) session.receive(m);
  });
}
