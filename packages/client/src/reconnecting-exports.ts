// What both reconnecting entries export besides their own ReconnectingSockJS and SockJS.

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
