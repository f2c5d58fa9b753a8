// iframe-eventsource: eventsource run inside the server's iframe page.
import { iframeTransport } from './iframe.js';

export const iframeEventsource = iframeTransport(
  'eventsource',
  () => typeof EventSource === 'function',
);
