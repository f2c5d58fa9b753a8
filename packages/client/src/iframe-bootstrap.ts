// The iframe side of the iframe transports: `SockJS.bootstrap_iframe()` runs
// in the server's iframe.html, opens the transport the parent asks for and
// relays frames. Speaks sockjs-client 1.x's messages (see transports/iframe.ts),
// plus one of ours: its 's' says 'd', and after the parent's 'c' it answers
// 'd' once the transport has sent what it still held, so that the parent
// keeps the iframe until then (a parent that does not know 'd' ignores it).
// Given `resumable` (the entries that have resume), it runs resume here when
// the parent's 's' asks for it, says 'r' first and relays resume's events as
// 'e' (see transports/iframe.ts).

import { CloseCode, messageText } from '@sockjs-ts/protocol';
import { iframeMessage, readIframeMessage } from './iframe-message.js';
import type { Env, SockJSOptions, Transport, TransportContext, TransportFactory } from './types.js';
import { originOf } from './url.js';

export function bootstrapIframe(
  env: Env,
  transports: readonly TransportFactory[],
  resumable?: (factory: TransportFactory) => TransportFactory,
): void {
  const windowId = location.hash.slice(1);
  let parentOrigin: string | undefined;
  let transport: Transport | null = null;
  const post = (type: string, data = '') =>
    // Only the first 's' goes out before the parent's origin is known. A
    // parent of opaque origin (a page from file://, a sandboxed frame) shows
    // as "null", which postMessage refuses as a target: only '*' reaches it.
    // What the iframe takes in still comes from `parent` alone.
    parent.postMessage(
      iframeMessage(windowId, type, data),
      parentOrigin === undefined || parentOrigin === 'null' ? '*' : parentOrigin,
    );
  const stop = () => {
    const t = transport;
    transport = null;
    t?.close();
    return t;
  };
  addEventListener('message', (e) => {
    if (e.source !== parent) return;
    parentOrigin ??= e.origin;
    if (e.origin !== parentOrigin) return;
    const msg = readIframeMessage(e.data, windowId);
    if (msg === null) return;
    const data = msg.data;
    if (msg.type === 'm') {
      // A JSON-quoted message, as sockjs-client's parent also sends it.
      try {
        transport?.send(messageText(JSON.parse(data)));
      } catch {}
    } else if (msg.type === 'c') {
      const t = stop();
      const done = () => post('d');
      if (t?.flushed) t.flushed(done);
      else done();
    } else if (msg.type === 's') {
      stop();
      let name: unknown;
      let url: unknown;
      let baseUrl: unknown;
      // The parent's resume window and the options resume reads.
      let resume: (SockJSOptions & { resume?: number }) | null = null;
      try {
        [, name, url, baseUrl, resume] = JSON.parse(data);
      } catch {}
      const found = transports.find((t) => t.name === name);
      const resumes = resumable && Number(resume?.resume) > 0;
      const factory = found && resumes ? resumable(found) : found;
      const here = location.origin;
      if (!factory || originOf(String(url)) !== here || originOf(String(baseUrl)) !== here) {
        post(
          'c',
          JSON.stringify([CloseCode.ProtocolError, 'Cannot run this transport in the iframe']),
        );
        return;
      }
      const options = (resumes && resume) || {};
      transport = factory.create({
        url: String(url),
        facts: { base_url: String(baseUrl), resume: options.resume } as TransportContext['facts'],
        sockOptions: options,
        sock: {
          bufferedAmount: 0,
          dispatchEvent: (e) => {
            const { attempt, delay } = e as { attempt?: number; delay?: number };
            post('e', JSON.stringify([e.type, attempt, delay]));
            return true;
          },
        },
        http: env.http!(options),
        env,
        onFrame: (frame) => post('t', frame),
        onClose: (code, reason) => {
          transport = null;
          post('c', JSON.stringify([code, reason]));
        },
      });
      if (resumes) post('r');
    }
  });
  post('s', 'd');
}
