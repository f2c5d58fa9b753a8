// htmlfile: a hidden iframe loads an HTML page whose <script> chunks call
// `parent._jp.<id>.message(frame)`. Same origin only (it reaches into parent).
//
// When the response is cut off (the server died), browsers leave the frame
// "loading" forever and report nothing. So after a few quiet seconds the
// transport probes the session with an empty xhr_send (`[]`, which servers
// accept and ignore; in a resumable session an ack-only batch); a failed
// probe ends the receiver.

import { randomSessionId } from '@sockjs-ts/protocol';
import { callbackName, callbacks } from '../callbacks.js';
import { pollingTransport } from '../polling.js';
import { randomBytes } from '../random.js';
import type { TransportFactory } from '../types.js';
import { addPath, addQuery, withResume } from '../url.js';

const PROBE_AFTER_MS = 3000;

export const htmlfile: TransportFactory = {
  name: 'htmlfile',
  roundTrips: 2,
  enabled: (facts) => facts.sameOrigin && typeof document === 'object',
  create: (ctx) =>
    pollingTransport(ctx, (onFrame, onEnd) => {
      const id = 'a' + randomSessionId(8, randomBytes);
      const registry = callbacks();
      const iframe = document.createElement('iframe');
      let started = false;
      let ended = false;
      let abortProbe = () => {};
      let quiet: ReturnType<typeof setTimeout> | undefined;
      const arm = () => {
        clearTimeout(quiet);
        quiet = setTimeout(() => {
          abortProbe = ctx.http(
            'POST',
            addPath(ctx.url, '/xhr_send'),
            ctx.emptyBatch?.() ?? '[]',
            () => {},
            (status) => {
              if (status === 204 || status === 200) arm();
              else finish(false);
            },
          );
        }, PROBE_AFTER_MS);
      };
      const cleanup = () => {
        ended = true;
        clearTimeout(quiet);
        abortProbe();
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
          if (ended) return;
          arm();
          onFrame(String(frame));
        },
        stop() {
          finish(true);
        },
      };
      // Also fires for error pages, where start() never ran.
      iframe.onload = () => finish(started);
      iframe.style.display = 'none';
      iframe.src = withResume(
        ctx,
        addQuery(addPath(ctx.url, '/htmlfile'), 'c=' + callbackName(id)),
      );
      (document.body ?? document.documentElement).appendChild(iframe);
      arm();
      return cleanup;
    }),
};
