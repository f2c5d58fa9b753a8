// iframe-htmlfile: htmlfile run inside the server's iframe page, where it is same-origin.
import { iframeTransport } from './iframe.js';

export const iframeHtmlfile = iframeTransport('htmlfile', () => true);
