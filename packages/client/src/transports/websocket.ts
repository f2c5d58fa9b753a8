// websocket: the SockJS websocket endpoint, frames as text messages. Every
// outgoing message is sent as a one-element JSON array, which all servers
// take. WebSocket text is UTF-8 safe, so plain JSON escaping is enough.

import type { TransportFactory } from '../types.js';
import { addPath } from '../url.js';

const ignore = () => {};

export const websocket: TransportFactory = {
  name: 'websocket',
  roundTrips: 2,
  enabled: (facts, env) => facts.websocket && env.hasWebSocket(),
  create(ctx) {
    const url = addPath(ctx.url, '/websocket').replace(/^http/, 'ws');
    let ws: ReturnType<typeof ctx.env.webSocket> = null;
    try {
      ws = ctx.env.webSocket(url, ctx.sockOptions);
    } catch {}
    const broken = () => ctx.onClose(1006, 'WebSocket connection broken');
    const stop = () => {
      if (!ws) return;
      ws.onmessage = ws.onclose = null;
      // Closing a connecting socket reports an error; it must have a listener.
      ws.onerror = ignore;
      try {
        ws.close();
      } catch {}
      ws = null;
    };
    if (ws) {
      ws.onmessage = (ev) => ctx.onFrame(String(ev.data));
      ws.onerror = ignore;
      ws.onclose = () => {
        stop();
        broken();
      };
    } else setTimeout(broken);
    return {
      send(message) {
        ws?.send(JSON.stringify([message]));
      },
      close: stop,
    };
  },
};
