// xhr_send: POST <session>/xhr_send with a JSON array of messages; 204.

import { sessionHeaderList } from '../http-util.js';
import type { HttpTransport, TransportRequest } from './http-transport.js';
import { handleSend } from './send-request.js';
import { setSessionHeaders } from './session-response.js';

const TEXT = 'text/plain; charset=UTF-8';

function serve(t: TransportRequest): void {
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

export const xhrSend: HttpTransport = {
  name: 'xhr_send',
  methods: ['POST', 'OPTIONS'],
  opensSession: false,
  loadedWithoutOrigin: false,
  handle: serve,
};
