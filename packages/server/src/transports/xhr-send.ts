// xhr_send: POST <session>/xhr_send with a JSON array of messages; 204.

import { sessionHeaderList } from '../http-util.js';
import { setSessionHeaders } from './common.js';
import type { TransportRequest } from './context.js';
import { handleSend } from './send.js';

const TEXT = 'text/plain; charset=UTF-8';

export function xhrSend(t: TransportRequest): void {
  const { req, res } = t;
  const options = t.endpoint.options;
  handleSend(
    t,
    (body) => body,
    () => {
      // Every message costs one of these: all headers in one list.
      res.writeHead(204, sessionHeaderList(req, res, options, TEXT));
      res.end();
    },
    () => setSessionHeaders(req, res, options, TEXT),
  );
}
