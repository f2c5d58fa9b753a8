// htmlfile: a hidden iframe loads an HTML page whose <script> chunks call
// `parent._jp.<id>.message(frame)`. Same origin only (it reaches into parent).

import { callbackName, callbacks } from '../callbacks.js';
import { pollingTransport } from '../polling.js';
import type { TransportFactory } from '../types.js';
import { addPath, addQuery } from '../url.js';

export const htmlfile: TransportFactory = {
  name: 'htmlfile',
  roundTrips: 2,
  enabled: (facts) => facts.sameOrigin && typeof document === 'object',
  create: (ctx) =>
    pollingTransport(ctx, (onFrame, onEnd) => {
      const id = 'a' + ctx.env.randomString(8);
      const registry = callbacks();
      const iframe = document.createElement('iframe');
      let started = false;
      let ended = false;
      const cleanup = () => {
        ended = true;
        delete registry[id];
        iframe.onload = null;
        // Removing the frame while its own script runs upsets some browsers.
        setTimeout(() => iframe.remove());
      };
      const finish = (again: boolean) => {
        if (ended) return;
        cleanup();
        onEnd(again);
      };
      registry[id] = {
        start() {
          started = true;
        },
        message(frame: string) {
          if (!ended) onFrame(String(frame));
        },
        stop() {
          finish(true);
        },
      };
      // Also fires for error pages, where start() never ran.
      iframe.onload = () => finish(started);
      iframe.style.display = 'none';
      iframe.src = addQuery(addPath(ctx.url, '/htmlfile'), 'c=' + callbackName(id));
      (document.body ?? document.documentElement).appendChild(iframe);
      return cleanup;
    }),
};
