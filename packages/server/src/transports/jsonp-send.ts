// jsonp_send: POST <session>/jsonp_send with a form body `d=<json>` (or the
// JSON itself as text/plain); answers 200 "ok".

import type { HttpTransport, TransportRequest } from './http-transport.js';
import { handleSend } from './send-request.js';
import { setSessionHeaders } from './session-response.js';

function extract(contentType: string | undefined, body: string): string {
  if (contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    return new URLSearchParams(body).get('d') ?? '';
  }
  return body;
}

function serve(t: TransportRequest): void {
  const headers = () =>
    setSessionHeaders(t.req, t.res, t.endpoint.options, 'text/plain; charset=UTF-8');
  const contentType = t.req.headers['content-type'];
  handleSend(
    t,
    (body) => extract(contentType, body),
    () => {
      headers();
      t.res.setHeader('Content-Length', 2);
      t.res.writeHead(200);
      t.res.end('ok');
    },
    headers,
  );
}

export const jsonpSend: HttpTransport = {
  name: 'jsonp_send',
  methods: ['POST'],
  opensSession: false,
  loadedWithoutOrigin: false,
  handle: serve,
};
