// xhr-polling: each POST to xhr returns one frame; the next one follows at once.

import { httpReceiver, pollingTransport } from '../polling.js';
import type { TransportFactory } from '../types.js';

export const xhrPolling: TransportFactory = {
  name: 'xhr-polling',
  roundTrips: 2,
  enabled: (facts) => !facts.nullOrigin,
  create: (ctx) => pollingTransport(ctx, httpReceiver(ctx, '/xhr')),
};
