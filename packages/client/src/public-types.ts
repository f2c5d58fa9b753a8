// The types every entry exports beside its SockJS class, listed once.

export type {
  SockJSCloseEvent,
  SockJSEvent,
  SockJSEventMap,
  SockJSListener,
  SockJSListenerOptions,
  SockJSMessageEvent,
  SockJSReadyState,
  SockJSResumingEvent,
  TransportName,
  URLLike,
} from './events.js';
export type { CookieJarLike, SockJSOptions } from './types.js';
