// xhr-streaming: one long POST to xhr_streaming carries newline-separated
// frames after a 2 KB prelude; it is repeated when the server ends it.

import { httpReceiver, pollingTransport } from '../polling.js';
import type { TransportFactory } from '../types.js';

export const xhrStreaming: TransportFactory = {
  name: 'xhr-streaming',
  roundTrips: 2,
  enabled: (facts) => !facts.nullOrigin,
  create: (ctx) => pollingTransport(ctx, httpReceiver(ctx, '/xhr_streaming')),
};
