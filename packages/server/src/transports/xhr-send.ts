// xhr_send: POST <session>/xhr_send with a JSON array of messages; 204.

import { setSessionHeaders } from './common.js';
import type { TransportRequest } from './context.js';
import { handleSend } from './send.js';

export function xhrSend(t: TransportRequest): void {
  setSessionHeaders(t.req, t.res, t.endpoint.options, 'text/plain; charset=UTF-8');
  handleSend(
    t,
    (body) => body,
    () => {
      t.res.writeHead(204);
      t.res.end();
    },
  );
}
