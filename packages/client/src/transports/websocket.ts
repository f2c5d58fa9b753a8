// websocket: the SockJS websocket endpoint, frames as text messages. Every
// outgoing message is sent as a one-element JSON array, which all servers
// take. WebSocket text is UTF-8 safe, so plain JSON escaping is enough.

import { CloseCode } from '@sockjs-ts/protocol';
import type { TransportFactory } from '../types.js';
import { addPath } from '../url.js';

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
    const broken = () => ctx.onClose(CloseCode.Abnormal, 'WebSocket connection broken');
    const stop = () => {
      if (!ws) return;
      ws.onmessage = ws.onclose = null;
      try {
        ws.close();
      } catch {}
      ws = null;
    };
    if (ws) {
      ws.onmessage = (ev) => ctx.onFrame(String(ev.data));
      // Errors come with a close, which says all; closing a connecting socket
      // reports one too, and it must find a listener (ws throws otherwise).
      ws.onerror = () => {};
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
