// The browser entry: every transport a modern browser runs, best first.

import { SockJS as Core } from './core.js';
import { browserEnv } from './env.browser.js';
import { bootstrapIframe } from './iframe-bootstrap.js';
import { discover } from './info.js';
import { resumable } from './resume.js';
import { eventsource } from './transports/eventsource.js';
import { htmlfile } from './transports/htmlfile.js';
import { iframeEventsource } from './transports/iframe-eventsource.js';
import { iframeHtmlfile } from './transports/iframe-htmlfile.js';
import { iframeXhrPolling } from './transports/iframe-xhr-polling.js';
import { jsonpPolling } from './transports/jsonp-polling.js';
import { websocket } from './transports/websocket.js';
import { xhrPolling } from './transports/xhr-polling.js';
import { xhrStreaming } from './transports/xhr-streaming.js';

export type * from './public-types.js';

export class SockJS extends Core {
  protected static override env = browserEnv;
  protected static override discover = discover;
  // The iframe transports do not resume (their transport runs in the iframe page).
  protected static override transports = [
    resumable(websocket),
    resumable(xhrStreaming),
    resumable(eventsource),
    iframeEventsource,
    resumable(htmlfile),
    iframeHtmlfile,
    resumable(xhrPolling),
    iframeXhrPolling,
    resumable(jsonpPolling),
  ];
  /** Runs in the server's iframe.html (called by that page). */
  static bootstrap_iframe(): void {
    bootstrapIframe(browserEnv, [eventsource, htmlfile, xhrPolling, xhrStreaming, websocket]);
  }
}

export default SockJS;
