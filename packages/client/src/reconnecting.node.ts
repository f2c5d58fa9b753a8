// The reconnecting Node entry: ReconnectingSockJS over the full Node client.
// Its sessions share one cookie jar, as a browser's would (sticky-session
// cookies survive a reconnect).

import { CookieJar } from './cookie-jar.js';
import type { URLLike } from './events.js';
import { SockJS } from './node.js';
import {
  ReconnectingSockJS as Base,
  type ReconnectingSockJSOptions,
  type SockJSConstructor,
} from './reconnecting.js';

export * from './reconnecting-exports.js';
export { CookieJar, SockJS };

export class ReconnectingSockJS extends Base {
  protected static override defaultSockJS = SockJS as unknown as SockJSConstructor;
  constructor(url: string | URLLike, reserved?: unknown, options: ReconnectingSockJSOptions = {}) {
    super(url, reserved, { cookieJar: new CookieJar(), ...options });
  }
}

export default ReconnectingSockJS;
