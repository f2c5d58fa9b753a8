// The WebSocket-only Node entry: straight to the websocket transport, no /info.

import { SockJS as Core } from './core.js';
import { nodeEnv } from './env.node.js';
import { websocket } from './transports/websocket.js';

export { CookieJar } from './cookie-jar.js';
export type * from './public-types.js';

export class SockJS extends Core {
  protected static override env = nodeEnv;
  protected static override transports = [websocket];
}

export default SockJS;
