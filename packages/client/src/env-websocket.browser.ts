// The browser environment of the WebSocket-only build: no HTTP at all.

import type { Env, WebSocketLike } from './types.js';

export const browserWebSocketEnv: Env = {
  pageUrl: () => globalThis.location?.href,
  hasWebSocket: () => typeof WebSocket === 'function',
  webSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
};
