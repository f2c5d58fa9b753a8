// iframe-xhr-polling: xhr-polling run inside the server's iframe page (no CORS needed).
import { iframeTransport } from './iframe.js';

export const iframeXhrPolling = iframeTransport('xhr-polling', () => true);
