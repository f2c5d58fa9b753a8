// The Node entry: websocket, xhr-streaming, eventsource and xhr-polling over
// node:http/https, with a cookie jar and a `headers` option.

import { SockJS as Core } from './core.js';
import { nodeEnv } from './env.node.js';
import { discover } from './info.js';
import { resumable } from './resume.js';
import { eventsource } from './transports/eventsource.js';
import { websocket } from './transports/websocket.js';
import { xhrPolling } from './transports/xhr-polling.js';
import { xhrStreaming } from './transports/xhr-streaming.js';

export { CookieJar } from './cookie-jar.js';
export type * from './public-types.js';

export class SockJS extends Core {
  protected static override env = nodeEnv;
  protected static override discover = discover;
  protected static override transports = [
    resumable(websocket),
    resumable(xhrStreaming),
    resumable(eventsource),
    resumable(xhrPolling),
  ];
}

export default SockJS;
