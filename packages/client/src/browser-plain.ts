// The browser client without resume, the sockjs-client drop-in that
// dist/sockjs.min.js carries: every transport a modern browser runs, best
// first. The browser entry (browser.ts) adds resume to it.

import { SockJS as Core } from './core.js';
import { browserEnv } from './env.browser.js';
import { bootstrapIframe } from './iframe-bootstrap.js';
import { discover } from './info.js';
import { eventsource } from './transports/eventsource.js';
import { htmlfile } from './transports/htmlfile.js';
import { iframeEventsource } from './transports/iframe-eventsource.js';
import { iframeHtmlfile } from './transports/iframe-htmlfile.js';
import { iframeXhrPolling } from './transports/iframe-xhr-polling.js';
import { jsonpPolling } from './transports/jsonp-polling.js';
import { websocket } from './transports/websocket.js';
import { xhrPolling } from './transports/xhr-polling.js';
import { xhrStreaming } from './transports/xhr-streaming.js';
import type { TransportFactory } from './types.js';

/** The transports, best first. */
export const BROWSER_TRANSPORTS: readonly TransportFactory[] = [
  websocket,
  xhrStreaming,
  eventsource,
  iframeEventsource,
  htmlfile,
  iframeHtmlfile,
  xhrPolling,
  iframeXhrPolling,
  jsonpPolling,
];

/** What the iframe page may run for an iframe transport of the parent. */
export const IFRAME_INNER: readonly TransportFactory[] = [
  eventsource,
  htmlfile,
  xhrPolling,
  xhrStreaming,
  websocket,
];

export class SockJS extends Core {
  protected static override env = browserEnv;
  protected static override discover = discover;
  protected static override transports = BROWSER_TRANSPORTS;
  /** Runs in the server's iframe.html (called by that page). */
  static bootstrap_iframe(): void {
    bootstrapIframe(browserEnv, IFRAME_INNER);
  }
}
