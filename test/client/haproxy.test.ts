// End-to-end through HAProxy 2.6 (and nginx's defaults for comparison):
// - a proxy that refuses WebSocket upgrades (400) or holds them unanswered
//   (tarpit): the client, in Node and in Chromium, falls back to HTTP (with
//   a generous attempt timeout, to xhr-streaming) and echoes; the time from
//   `new SockJS` to open with default options is measured and printed;
// - two backends behind `balance roundrobin` + `cookie JSESSIONID prefix`:
//   with the Node client's cookie jar every request of a session reaches one
//   backend; with a jar that forgets, the session breaks (the control case).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { SockJS } from '../../packages/client/src/node.ts';
import { buildClientBundle, launchChromium } from '../helpers/browser.ts';
import { type Proxy as RunningProxy, startHaproxy, startNginx } from '../helpers/proxies.ts';
import {
  ATTEMPT_TIMEOUT_MS,
  BROWSER_TRANSPORTS,
  ECHO_SCENARIO,
  type EchoResult,
} from '../helpers/scenarios.ts';
import { serverFactories, type TestServer } from '../helpers/servers.ts';

/**
 * (SockJS, {url}) => {transport, ms, echoed, echoMs}: time from the
 * constructor to open (default options), then the round trip of one message:
 * what came back (null if nothing did within 10 s) and after how long. The
 * times are printed, never asserted.
 */
const OPEN_TIME = `async (SockJS, { url }) => {
  const t0 = performance.now();
  const s = new SockJS(url);
  const r = await new Promise((resolve) => {
    s.onopen = () => resolve({ transport: s.transport, ms: performance.now() - t0 });
    s.onclose = (e) => resolve({ transport: 'closed ' + e.code, ms: -1 });
  });
  const t1 = performance.now();
  s.send('x');
  r.echoed = await new Promise((resolve) => {
    s.onmessage = (e) => resolve(e.data);
    setTimeout(() => resolve(null), 10000);
  });
  r.echoMs = performance.now() - t1;
  s.close();
  return r;
}`;
type Timing = { transport: string; ms: number; echoed: string | null; echoMs: number };
// biome-ignore-start lint/security/noGlobalEval: the same scenario text runs in the page
const openTime = globalThis.eval(OPEN_TIME) as (c: typeof SockJS, a: object) => Promise<Timing>;
const echo = globalThis.eval(ECHO_SCENARIO) as (c: typeof SockJS, a: object) => Promise<EchoResult>;
// biome-ignore-end lint/security/noGlobalEval: the same scenario text runs in the page

/** What a client that cannot use websocket may open instead. */
const FALLBACKS = new Set(BROWSER_TRANSPORTS.filter((t) => t !== 'websocket'));

/**
 * Routes to one backend: [label, proxy (null: direct), transport the client
 * picks: 'websocket' exactly, or 'xhr-streaming' where any fallback will do].
 */
type Route = [string, RunningProxy | null, string];
async function routes(server: TestServer, cleanups: (() => Promise<void>)[]): Promise<Route[]> {
  const started: Route[] = [['direct', null, 'websocket']];
  for (const [upgrade, noDelay] of [
    ['pass', false],
    ['deny', false],
    ['deny', true],
    ['tarpit', true],
  ] as const) {
    const proxy = await startHaproxy([server.port], { upgrade, noDelay });
    cleanups.push(() => proxy.close());
    const label = `haproxy ${upgrade}${noDelay ? ' http-no-delay' : ''}`;
    started.push([label, proxy, upgrade === 'pass' ? 'websocket' : 'xhr-streaming']);
  }
  const nginx = await startNginx(server.port);
  cleanups.push(() => nginx.close());
  started.push(['nginx defaults', nginx, 'xhr-streaming']);
  return started;
}

/** Median of three opens through each route, checked and printed. */
async function measure(
  where: string,
  server: TestServer,
  all: Route[],
  run: (url: string) => Promise<Timing>,
): Promise<void> {
  for (const [label, proxy, expected] of all) {
    const url = (proxy ? proxy.origin : `http://127.0.0.1:${server.port}`) + '/echo';
    const runs: Timing[] = [];
    for (let i = 0; i < 3; i++) {
      const timing = await run(url);
      if (expected === 'websocket') {
        assert.equal(timing.transport, expected, `${where}, ${label}`);
      } else {
        // With default options each attempt's timeout comes from the /info
        // round trip. A loaded machine can take longer to open xhr-streaming
        // than that and rightly go on to the next transport; any HTTP
        // transport that opens and echoes is a fallback. That xhr-streaming
        // is the one taken is checked below, with a generous timeout.
        assert.ok(FALLBACKS.has(timing.transport), `${where}, ${label}: ${timing.transport}`);
      }
      assert.equal(timing.echoed, 'x', `${where}, ${label}: the echo`);
      runs.push(timing);
    }
    const median = (key: 'ms' | 'echoMs') => runs.map((r) => r[key]).sort((a, b) => a - b)[1]!;
    const picked = [...new Set(runs.map((r) => r.transport))].join('/');
    console.log(
      `${where} ${server.name}, ${label}: ${picked} open after ${median('ms').toFixed(0)} ms, echo ${median('echoMs').toFixed(0)} ms`,
    );
  }
}

let browser: Browser;
let page: Page;
before(async () => {
  await buildClientBundle();
  browser = await launchChromium();
  page = await browser.newPage();
});
after(async () => {
  await browser?.close();
});

for (const factory of await serverFactories()) {
  describe(`HAProxy in front of ${factory.name}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    after(async () => {
      for (const c of cleanups.reverse()) await c();
    });
    const start = async (jsessionid = false) => {
      const server = await factory.start({ jsessionid });
      cleanups.push(() => server.close());
      return server;
    };

    test('refused or swallowed upgrades: Node and Chromium fall back and echo', {
      timeout: 120_000,
    }, async () => {
      const server = await start();
      const all = await routes(server, cleanups);
      await measure('node', server, all, (url) => openTime(SockJS, { url }));
      await page.goto(`http://localhost:${server.port}/page.html`);
      await measure(
        'chromium',
        server,
        all,
        (url) =>
          page.evaluate(`(${OPEN_TIME})(SockJS, ${JSON.stringify({ url })})`) as Promise<Timing>,
      );
      const denying = all.find(([label]) => label === 'haproxy deny')![1]!;
      const args = { url: denying.origin + '/echo', options: { timeout: ATTEMPT_TIMEOUT_MS } };
      const results = [
        await echo(SockJS, args),
        (await page.evaluate(`(${ECHO_SCENARIO})(SockJS, ${JSON.stringify(args)})`)) as EchoResult,
      ];
      for (const result of results) {
        assert.equal(result.transport, 'xhr-streaming');
        assert.deepEqual(result.mismatches, []);
        assert.equal(result.burstOk, true);
        assert.deepEqual(result.close, { code: 3042, reason: 'bye now', wasClean: true });
      }
    });

    // sockjs-node keeps its sessions in one module-wide map, so two sockjs-node
    // servers in one process share sessions and stickiness cannot be observed.
    if (factory.name === 'sockjs-node') return;
    for (const transport of ['xhr-streaming', 'xhr-polling']) {
      for (const withJar of [true, false]) {
        const title = withJar
          ? `${transport}: with the cookie jar every request of the session reaches one backend`
          : `${transport}: with a jar that forgets, requests go to both backends and the session breaks`;
        test(title, { timeout: 60_000 }, async () => {
          const backends = [await start(true), await start(true)];
          const proxy = await startHaproxy(
            backends.map((b) => b.port),
            { upgrade: 'pass', stickyCookie: true },
          );
          cleanups.push(() => proxy.close());
          const id = `sticky${withJar ? 'y' : 'n'}${transport.length}`;
          const result = await echo(SockJS, {
            url: proxy.origin + '/echo',
            transports: [transport],
            options: {
              sessionId: () => id,
              ...(withJar ? {} : { cookieJar: { get: () => '', set: () => {} } }),
            },
          });
          const hits = backends.map((b) => b.requests.filter((r) => r.url.includes(`/${id}/`)));
          const counts = hits.map((h) => h.length);
          if (withJar) {
            assert.deepEqual(result.mismatches, []);
            assert.equal(result.burstOk, true);
            assert.deepEqual(result.close, { code: 3042, reason: 'bye now', wasClean: true });
            assert.ok(counts.includes(0), `session requests per backend: ${counts}`);
            assert.ok(Math.max(...counts) >= 15, `only ${counts} session requests`);
          } else {
            assert.notEqual(result.close?.code, 3042, 'the session should have broken');
            assert.ok(!counts.includes(0), `session requests per backend: ${counts}`);
          }
          console.log(
            `${factory.name} ${transport} ${withJar ? 'jar' : 'no jar'}: session requests per backend ${counts}, close ${result.close?.code}`,
          );
        });
      }
    }
  });
}
