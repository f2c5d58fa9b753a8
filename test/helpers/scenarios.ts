// Scenarios that run inside a page (as source text: the page has only the
// global SockJS from dist/sockjs.min.js) or in Node against the Node client.
// They take a SockJS constructor, so one scenario serves both.

import { EDGE_CASES_SOURCE } from './edge-cases.ts';

/**
 * The per-attempt timeout (SockJS's `timeout` option) for tests that force
 * one transport. The default comes from the /info round trip: about 1 s for
 * an iframe transport on loopback, which a loaded CI machine can exceed while
 * it loads the iframe page and the bundle; with one transport there is
 * nothing to fall back to. These tests check that a transport works, not how
 * fast it opens.
 */
export const ATTEMPT_TIMEOUT_MS = 10_000;

/** Every transport of the browser client, in the order it tries them. */
export const BROWSER_TRANSPORTS: readonly string[] = [
  'websocket',
  'xhr-streaming',
  'eventsource',
  'iframe-eventsource',
  'htmlfile',
  'iframe-htmlfile',
  'xhr-polling',
  'iframe-xhr-polling',
  'jsonp-polling',
];

/**
 * (SockJS, {url, transports, options, skip}) => Promise<result>: opens, echoes
 * the edge cases one by one (but those whose index is in skip), then a burst of 1,000 messages, then asks the server
 * to close with 3042 "bye now".
 */
export const ECHO_SCENARIO = `async (SockJS, { url, transports, options, skip = [] }) => {
  const t0 = Date.now();
  const s = new SockJS(url, null, { ...options, ...(transports ? { transports } : {}) });
  const inbox = [];
  let wake = () => {};
  s.onmessage = (e) => { inbox.push(e.data); wake(); };
  const closed = new Promise((resolve) => {
    s.onclose = (e) => { resolve({ code: e.code, reason: e.reason, wasClean: e.wasClean }); wake(); };
  });
  const opened = await Promise.race([
    new Promise((resolve) => { s.onopen = () => resolve(true); }),
    closed.then(() => false),
  ]);
  if (!opened) return { opened, close: await closed };
  const transport = s.transport;
  const openMs = Date.now() - t0;
  const take = async (n) => {
    const deadline = Date.now() + 20000;
    while (inbox.length < n && Date.now() < deadline && s.readyState === 1)
      await new Promise((r) => { wake = r; setTimeout(r, 100); });
    return inbox.splice(0, n);
  };
  const cases = ${EDGE_CASES_SOURCE};
  const mismatches = [];
  for (let i = 0; i < cases.length; i++) {
    if (skip.includes(i)) continue;
    s.send(cases[i]);
    const [echo] = await take(1);
    if (echo !== cases[i]) mismatches.push(i);
  }
  for (let i = 0; i < 1000; i++) s.send('burst ' + i);
  const burst = await take(1000);
  let burstOk = burst.length === 1000;
  for (let i = 0; burstOk && i < 1000; i++) burstOk = burst[i] === 'burst ' + i;
  s.send('close:3042:bye now');
  const close = await Promise.race([closed, new Promise((r) => setTimeout(() => r(null), 10000))]);
  return { opened, transport, openMs, mismatches, burstCount: burst.length, burstOk, close, readyState: s.readyState };
}`;

export interface EchoResult {
  opened: boolean;
  transport?: string;
  openMs?: number;
  mismatches?: number[];
  burstCount?: number;
  burstOk?: boolean;
  close: { code: number; reason: string; wasClean: boolean } | null;
  readyState?: number;
}

/**
 * (SockJS, {url, transports, options}) => Promise<transport name>: opens and parks the
 * socket in globalThis.__sock with globalThis.__closed resolving on close.
 */
export const OPEN_AND_PARK_SCENARIO = `async (SockJS, { url, transports, options }) => {
  const s = new SockJS(url, null, { ...options, ...(transports ? { transports } : {}) });
  globalThis.__sock = s;
  globalThis.__closed = new Promise((resolve) => {
    s.onclose = (e) => resolve({ code: e.code, reason: e.reason, at: Date.now() });
  });
  const opened = await Promise.race([
    new Promise((resolve) => { s.onopen = () => resolve(true); }),
    globalThis.__closed.then(() => false),
  ]);
  if (!opened) return null;
  s.send('ping');
  await new Promise((resolve) => { s.onmessage = resolve; });
  return s.transport;
}`;

/**
 * (SockJS, {url, transports, options, count}) => Promise<{code} | null>:
 * opens, sends 'm0'...'m<count-1>' and calls close() at once; resolves with
 * the close event (null when it never opened).
 */
export const SEND_THEN_CLOSE_SCENARIO = `async (SockJS, { url, transports, options, count }) => {
  const s = new SockJS(url, null, { ...options, ...(transports ? { transports } : {}) });
  const closed = new Promise((resolve) => { s.onclose = (e) => resolve({ code: e.code }); });
  const opened = await Promise.race([
    new Promise((resolve) => { s.onopen = () => resolve(true); }),
    closed.then(() => false),
  ]);
  if (!opened) return null;
  for (let i = 0; i < count; i++) s.send('m' + i);
  s.close();
  return closed;
}`;
