// xhr-polling: POST <session>/xhr answers one frame, each followed by '\n'.

import { sessionHeaderList } from '../http-util.js';
import { PollingReceiver } from '../receivers/polling-receiver.js';
import type { HttpTransport, TransportRequest } from './http-transport.js';
import { keepOpen } from './session-response.js';

const JS = 'application/javascript; charset=UTF-8';
const withNewline = (frame: string) => frame + '\n';

function serve(request: TransportRequest): void {
  const { req, res, endpoint } = request;
  keepOpen(req);
  // The headers go out with the frame, in one writeHead with a Content-Length.
  const headers = sessionHeaderList(req, res, endpoint.options, JS);
  const session = endpoint.getOrCreateSession(request, 'xhr-polling');
  session.attach(new PollingReceiver('xhr-polling', res, withNewline, headers));
}

export const xhrPolling: HttpTransport = {
  name: 'xhr',
  methods: ['POST', 'OPTIONS'],
  opensSession: true,
  loadedWithoutOrigin: false,
  handle: serve,
};
