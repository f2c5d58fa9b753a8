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

export type { SockJSResumingEvent } from './events.js';
export type {
  ReconnectedEvent,
  ReconnectingEvent,
  ReconnectingEventMap,
  ReconnectingSockJSOptions,
  ReconnectOptions,
  SockJSConstructor,
  SockJSLike,
  Timers,
} from './reconnecting.js';
export { backoffDelay, shouldRetry } from './reconnecting.js';
export { CookieJar, SockJS };

export class ReconnectingSockJS extends Base {
  protected static override defaultSockJS = SockJS as unknown as SockJSConstructor;
  constructor(url: string | URLLike, reserved?: unknown, options: ReconnectingSockJSOptions = {}) {
    super(url, reserved, { cookieJar: new CookieJar(), ...options });
  }
}

export default ReconnectingSockJS;
