// The WebSocket-only browser entry: straight to the websocket transport, no /info.

import { SockJS as Core } from './core.js';
import { browserWebSocketEnv } from './env-websocket.browser.js';
import { websocket } from './transports/websocket.js';

export type * from './public-types.js';

export class SockJS extends Core {
  protected static override env = browserWebSocketEnv;
  protected static override transports = [websocket];
}

export default SockJS;
