// The reconnecting browser entry: ReconnectingSockJS over the full browser client.

import { SockJS } from './browser.js';
import { ReconnectingSockJS as Base, type SockJSConstructor } from './reconnecting.js';

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
export { SockJS };

export class ReconnectingSockJS extends Base {
  protected static override defaultSockJS = SockJS as unknown as SockJSConstructor;
}

export default ReconnectingSockJS;
