// eventsource: a text/event-stream GET, one frame per event. sockjs-node
// %-escapes the data, so each event goes through decodeURI as in sockjs-client.

import { pollingTransport } from '../polling.js';
import type { TransportFactory } from '../types.js';
import { addPath } from '../url.js';

function decodeData(data: string): string {
  try {
    return decodeURI(data);
  } catch {
    return data;
  }
}

export const eventsource: TransportFactory = {
  name: 'eventsource',
  roundTrips: 2,
  enabled: (_facts, env) => !!env.eventSource,
  create: (ctx) =>
    pollingTransport(ctx, (onFrame, onEnd) => {
      let opened = false;
      return ctx.env.eventSource!(
        addPath(ctx.url, '/eventsource'),
        ctx.sockOptions,
        () => {
          opened = true;
        },
        (data) => onFrame(decodeData(data)),
        (cutOff) => onEnd(opened && !cutOff),
      );
    }),
};
