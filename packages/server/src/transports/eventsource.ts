// eventsource: GET <session>/eventsource streams `data: <frame>\r\n\r\n`.

import { StreamingReceiver } from '../receivers/streaming-receiver.js';
import type { HttpTransport, TransportRequest } from './http-transport.js';
import { keepOpen, setSessionHeaders } from './session-response.js';

// A frame may not contain CR, LF or NUL inside an event; sockjs-client runs
// decodeURI on every data line, so '%' is escaped too.
const EVENTSOURCE_ESCAPABLE = /[%\r\n\0]/g;
const ESCAPES: Record<string, string> = { '%': '%25', '\r': '%0D', '\n': '%0A', '\0': '%00' };

export function escapeEventSourceData(frame: string): string {
  return frame.replace(EVENTSOURCE_ESCAPABLE, (ch) => ESCAPES[ch]!);
}

const asEvent = (frame: string) => 'data: ' + escapeEventSourceData(frame) + '\r\n\r\n';

function serve(request: TransportRequest): void {
  const { req, res, endpoint } = request;
  keepOpen(req);
  setSessionHeaders(req, res, endpoint.options, 'text/event-stream');
  res.writeHead(200);
  // Some browsers need bytes before they fire the open event.
  res.write('\r\n');
  const session = endpoint.getOrCreateSession(request, 'eventsource');
  session.attach(
    new StreamingReceiver('eventsource', res, endpoint.options.responseLimit, asEvent),
  );
}

export const eventSource: HttpTransport = {
  name: 'eventsource',
  methods: ['GET'],
  opensSession: true,
  loadedWithoutOrigin: false,
  handle: serve,
};
