// The parent side of the iframe transports. A hidden iframe loads the
// server's iframe.html (same origin as the server), whose script runs an
// ordinary transport there and relays frames with postMessage. The messages
// are those of sockjs-client 1.x, so either client's iframe page works:
//   {windowId, type, data} as JSON; 's' start, 't' frame, 'c' close, 'm' message.
// Our iframe page adds 'd' (see iframe-bootstrap.ts): after close() the
// iframe stays until its transport has sent what send() accepted (at most
// FLUSH_LIMIT_MS); with sockjs-client's page it goes at once. And resume
// (docs/resume.md) runs in the page: when resumable() passes the server's
// window, 's' carries it with the options resume reads as a fifth element
// (other pages read four); a page that resumes answers 'r' before any frame,
// which hands it the liveness clock, and relays its 'resuming' and 'resumed'
// events as 'e' [type, attempt, delay].

import { CloseCode, clientStringify, messageText, randomSessionId } from '@sockjs-ts/protocol';
import { PROTOCOL_COMPAT_VERSION } from '../core.js';
import type { SockJSEvent } from '../events.js';
import { iframeMessage, readIframeMessage } from '../iframe-message.js';
import { FLUSH_LIMIT_MS } from '../polling.js';
import { randomBytes } from '../random.js';
import type { TransportFactory } from '../types.js';
import { addPath, originOf } from '../url.js';

export function iframeTransport(inner: string, innerAvailable: () => boolean): TransportFactory {
  return {
    name: 'iframe-' + inner,
    roundTrips: 3,
    enabled: () => typeof document === 'object' && innerAvailable(),
    create(ctx) {
      const origin = originOf(ctx.facts.base_url);
      const windowId = randomSessionId(8, randomBytes);
      const options = ctx.sockOptions;
      const liveness = options.heartbeatTimeout;
      const iframe = document.createElement('iframe');
      let alive = true;
      // The iframe page answers 'c' with 'd' once its transport has flushed.
      let flushes = false;
      let linger: ReturnType<typeof setTimeout> | undefined;
      const post = (type: string, data = '') =>
        iframe.contentWindow?.postMessage(iframeMessage(windowId, type, data), origin);
      const remove = () => {
        clearTimeout(linger);
        removeEventListener('message', onMessage);
        iframe.remove();
      };
      const stop = (flush: boolean) => {
        if (!alive) return;
        alive = false;
        options.heartbeatTimeout = liveness;
        try {
          post('c');
        } catch {}
        linger = setTimeout(remove, flush && flushes ? FLUSH_LIMIT_MS + 1000 : 0);
      };
      const onMessage = (e: MessageEvent) => {
        if (e.origin !== origin || e.source !== iframe.contentWindow) return;
        const msg = readIframeMessage(e.data, windowId);
        if (msg === null) return;
        const data = msg.data;
        // After close(): nothing reaches the SockJS object; only 'd' counts.
        if (!alive) {
          if (msg.type === 'd') remove();
        } else if (msg.type === 's') {
          flushes = data === 'd';
          const resume = ctx.resumeWindow && {
            resume: ctx.resumeWindow,
            heartbeatTimeout: liveness,
            minDelay: (options as { minDelay?: number }).minDelay,
            maxDelay: (options as { maxDelay?: number }).maxDelay,
          };
          post(
            's',
            JSON.stringify([PROTOCOL_COMPAT_VERSION, inner, ctx.url, ctx.facts.base_url, resume]),
          );
        } else if (msg.type === 't') ctx.onFrame(data);
        else if (msg.type === 'r') options.heartbeatTimeout = 0;
        else {
          // 'c' [code, reason], 'e' [type, attempt, delay].
          let list: unknown;
          try {
            list = JSON.parse(data);
          } catch {}
          const [first, second, third] = Array.isArray(list) ? list : [];
          if (msg.type === 'c') {
            stop(false);
            ctx.onClose(
              Number(messageText(first ?? '')) || CloseCode.Abnormal,
              messageText(second ?? ''),
            );
          } else if (msg.type === 'e' && (first === 'resuming' || first === 'resumed'))
            ctx.sock?.dispatchEvent(
              Object.assign(
                new Event(first),
                second ? { attempt: second, delay: third } : {},
              ) as SockJSEvent,
            );
        }
      };
      addEventListener('message', onMessage);
      iframe.style.display = 'none';
      iframe.src = addPath(ctx.facts.base_url, '/iframe.html') + '#' + windowId;
      (document.body ?? document.documentElement).appendChild(iframe);
      return { send: (message) => post('m', clientStringify(message)), close: () => stop(true) };
    },
  };
}
