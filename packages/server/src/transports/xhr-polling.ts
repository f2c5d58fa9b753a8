// xhr-polling: POST <session>/xhr answers one frame, each followed by '\n'.

import { HttpReceiver } from '../http-receiver.js';
import { keepOpen, setSessionHeaders } from './common.js';
import type { TransportRequest } from './context.js';

const withNewline = (frame: string) => frame + '\n';

export function xhrPolling({ req, res, sessionId, endpoint }: TransportRequest): void {
  keepOpen(req);
  setSessionHeaders(req, res, endpoint.options, 'application/javascript; charset=UTF-8');
  // No writeHead: the headers go out with the frame, which then gets a
  // Content-Length instead of chunked framing.
  const session = endpoint.getOrCreateSession(sessionId, req, 'xhr-polling');
  session.attach(new HttpReceiver('xhr-polling', res, 0, withNewline));
}
