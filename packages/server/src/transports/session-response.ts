// How the HTTP transports prepare a session response: the headers every one
// carries, the socket settings of long-lived ones, and the callback parameter
// of jsonp and htmlfile.

import { isValidCallback } from '@sockjs-ts/protocol';
import type { HttpRequest, HttpResponse } from '../http-types.js';
import { answerText, queryParam, sessionHeaderList, setHeaderList } from '../http-util.js';
import type { ResolvedOptions } from '../options.js';

/** No-cache, CORS and JSESSIONID: what every session-URL response carries. */
export function setSessionHeaders(
  req: HttpRequest,
  res: HttpResponse,
  options: ResolvedOptions,
  contentType: string,
): void {
  setHeaderList(res, sessionHeaderList(req, res, options, contentType));
}

/**
 * Reads and checks the `c` (or `callback`) parameter. Answers 500 and returns
 * null when it is missing or not made of [a-zA-Z0-9_.-] (at most 32).
 */
export function readCallback(req: HttpRequest, res: HttpResponse): string | null {
  const callback = queryParam(req.url, 'c') ?? queryParam(req.url, 'callback');
  if (callback === null || callback === '') {
    answerText(res, 500, '"callback" parameter required');
    return null;
  }
  if (!isValidCallback(callback)) {
    answerText(res, 500, 'invalid "callback" parameter');
    return null;
  }
  return callback;
}

/** Streaming and long-polling responses must not be cut by socket timeouts. */
export function keepOpen(req: HttpRequest): void {
  const socket = req.socket;
  // Most sockets have no timeout: skip the call (it runs on every poll).
  if ((socket as { timeout?: number }).timeout) socket.setTimeout(0);
  socket.setNoDelay(true);
}
