// jsonp-polling: each poll is a <script> whose body calls `_jp.<id>(frame)`.
// Messages go to jsonp_send as a form body through a no-cors fetch, which
// needs no CORS support from the server.

import { randomSessionId } from '@sockjs-ts/protocol';
import { callbackName, callbacks } from '../callbacks.js';
import { pollingTransport } from '../polling.js';
import { randomBytes } from '../random.js';
import type { TransportFactory } from '../types.js';
import { addPath, addQuery, withResume } from '../url.js';

export const jsonpPolling: TransportFactory = {
  name: 'jsonp-polling',
  roundTrips: 1,
  enabled: () => typeof document === 'object',
  create: (ctx) =>
    pollingTransport(
      ctx,
      (onFrame, onEnd) => {
        const id = 'a' + randomSessionId(8, randomBytes);
        const registry = callbacks();
        const script = document.createElement('script');
        let got = false;
        let ended = false;
        const cleanup = () => {
          ended = true;
          delete registry[id];
          script.onload = script.onerror = null;
          script.remove();
        };
        registry[id] = (frame: string) => {
          if (ended) return;
          got = true;
          onFrame(String(frame));
        };
        script.onload = script.onerror = () => {
          if (ended) return;
          cleanup();
          onEnd(got);
        };
        script.async = true;
        script.src = withResume(ctx, addQuery(addPath(ctx.url, '/jsonp'), 'c=' + callbackName(id)));
        document.head.appendChild(script);
        return cleanup;
      },
      (body, done) => {
        const abort = new AbortController();
        fetch(addPath(ctx.url, '/jsonp_send'), {
          method: 'POST',
          mode: 'no-cors',
          credentials: 'include',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: 'd=' + encodeURIComponent(body),
          signal: abort.signal,
        }).then(
          () => done(true),
          () => {
            if (!abort.signal.aborted) done(false);
          },
        );
        return () => abort.abort();
      },
    ),
};
