// jsonp-polling: GET <session>/jsonp?c=<callback> answers one frame as a
// call of the callback.

import { PollingReceiver } from '../receivers/polling-receiver.js';
import type { HttpTransport, TransportRequest } from './http-transport.js';
import { keepOpen, readCallback, setSessionHeaders } from './session-response.js';

function serve(request: TransportRequest): void {
  const { req, res, endpoint } = request;
  const callback = readCallback(req, res);
  if (callback === null) return;
  keepOpen(req);
  setSessionHeaders(req, res, endpoint.options, 'application/javascript; charset=UTF-8');
  // The leading comment defeats the Rosetta Flash family of JSONP attacks.
  const prefix = '/**/' + callback + '(';
  res.setHeader('X-Content-Type-Options', 'nosniff');
  // No writeHead: the headers go out with the frame, which then gets a
  // Content-Length instead of chunked framing.
  const session = endpoint.getOrCreateSession(request, 'jsonp-polling');
  session.attach(
    new PollingReceiver(
      'jsonp-polling',
      res,
      (frame) => prefix + JSON.stringify(frame) + ');\r\n',
      null,
    ),
  );
}

export const jsonpPolling: HttpTransport = {
  name: 'jsonp',
  methods: ['GET'],
  opensSession: true,
  loadedWithoutOrigin: true,
  handle: serve,
};
