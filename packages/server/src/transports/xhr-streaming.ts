// xhr-streaming: POST <session>/xhr_streaming keeps the response open and
// writes frames followed by '\n' until response_limit is reached.

import { StreamingReceiver } from '../receivers/streaming-receiver.js';
import type { HttpTransport, TransportRequest } from './http-transport.js';
import { keepOpen, setSessionHeaders } from './session-response.js';

// Browsers buffer the first bytes of a streamed XHR; 2 KiB of 'h' gets them
// past that before the first real frame.
const PRELUDE = 'h'.repeat(2048) + '\n';
const withNewline = (frame: string) => frame + '\n';

function serve(request: TransportRequest): void {
  const { req, res, endpoint } = request;
  keepOpen(req);
  setSessionHeaders(req, res, endpoint.options, 'application/javascript; charset=UTF-8');
  res.writeHead(200);
  res.write(PRELUDE);
  const session = endpoint.getOrCreateSession(request, 'xhr-streaming');
  session.attach(
    new StreamingReceiver('xhr-streaming', res, endpoint.options.responseLimit, withNewline),
  );
}

export const xhrStreaming: HttpTransport = {
  name: 'xhr_streaming',
  methods: ['POST', 'OPTIONS'],
  opensSession: true,
  loadedWithoutOrigin: false,
  handle: serve,
};
