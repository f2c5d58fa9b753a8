// The browser entry: every transport a modern browser runs, best first
// (browser-plain.ts), each able to resume (resume.ts; the iframe transports
// resume in the iframe page, transports/iframe.ts).

import { BROWSER_TRANSPORTS, IFRAME_INNER, SockJS as Plain } from './browser-plain.js';
import { browserEnv } from './env.browser.js';
import { bootstrapIframe } from './iframe-bootstrap.js';
import { resumable } from './resume.js';

export type * from './public-types.js';

export class SockJS extends Plain {
  protected static override transports = BROWSER_TRANSPORTS.map(resumable);
  /** Runs in the server's iframe.html (called by that page). */
  static override bootstrap_iframe(): void {
    bootstrapIframe(browserEnv, IFRAME_INNER, resumable);
  }
}

export default SockJS;
