// The browser environment of the WebSocket-only build: no HTTP at all.

import type { Env, WebSocketLike } from './types.js';

export const browserWebSocketEnv: Env = {
  pageUrl: () => globalThis.location?.href,
  // Base-32 digits: the same alphabet size as sockjs-client's ids.
  randomString: (length) =>
    Array.from(crypto.getRandomValues(new Uint8Array(length)), (b) => (b & 31).toString(32)).join(
      '',
    ),
  hasWebSocket: () => typeof WebSocket === 'function',
  webSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
};
