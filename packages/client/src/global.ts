// The script-tag build: sets the global `SockJS` (with SockJS.bootstrap_iframe),
// the client without resume (browser-plain.ts); dist/sockjs-reconnecting.min.js
// has resume and ReconnectingSockJS.
// Its types are those of `@sockjs-ts/client/global`, for pages that load
// dist/sockjs.min.js (or sockjs-websocket.min.js) with a <script> tag:
//   /// <reference types="@sockjs-ts/client/global" />
//   const sock = new SockJS('/echo');   // also window.SockJS
import { SockJS as BrowserSockJS } from './browser-plain.js';

declare global {
  /** The class that dist/sockjs.min.js puts on the page. */
  var SockJS: typeof BrowserSockJS;
  /** An instance of the global SockJS. */
  type SockJS = BrowserSockJS;
}

globalThis.SockJS = BrowserSockJS;
