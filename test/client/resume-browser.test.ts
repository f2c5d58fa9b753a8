// Resume (docs/resume.md) in headless Chromium, with the script-tag bundle
// that has it (dist/sockjs-reconnecting.min.js), on every transport a
// browser runs, through the loopback relay: the burst of 2,000 messages each
// way cut by RST, FIN and silence arrives whole, in order and once with
// resume, and loses messages without it (the count is printed). The page is
// served through the relay, so that htmlfile and jsonp-polling (same origin)
// run too, and so is the server's iframe page, whose transport (and resume)
// runs in the iframe for the iframe transports. The burst itself is
// test/client/fixtures/resume-burst.ts, as in Node.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { buildClientBundle, launchChromium } from '../helpers/browser.ts';
import { type Relay, startRelay } from '../helpers/relay.ts';
import { sleep } from '../helpers/timing.ts';
import {
  assertWhole,
  CLIENT_BURST,
  type ClientState,
  cutThrice,
  LIVENESS_MS,
  type ResumeServer,
  reportLoss,
  serverBurst,
  settledCheck,
  startResumeServer,
  TOTAL,
} from './fixtures/resume-burst.ts';

const TRANSPORTS = [
  'websocket',
  'xhr-streaming',
  'eventsource',
  'htmlfile',
  'xhr-polling',
  'jsonp-polling',
  'iframe-eventsource',
  'iframe-htmlfile',
  'iframe-xhr-polling',
] as const;

let browser: Browser;
let page: Page;
let server: ResumeServer;

before(async () => {
  await buildClientBundle();
  server = await startResumeServer();
  browser = await launchChromium();
  page = await browser.newPage();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

const state = () => page.evaluate('globalThis.__burst') as Promise<ClientState>;

/** Polls the page until `check` holds on its state; fails after `ms` with the state. */
async function untilPage(check: (s: ClientState) => boolean, what: string, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = await state();
    if (check(s)) return s;
    if (Date.now() > deadline)
      throw new Error(
        `${what}: got ${s.got.length}, sent ${s.sent}, events ${s.events.map((e) => e.type)}`,
      );
    await sleep(50);
  }
}

/** Loads the page through a new relay and starts the burst on `ctor` with `options`. */
async function startBurst(
  t: { after(fn: () => unknown): void },
  ctor: 'SockJS' | 'ReconnectingSockJS',
  options: Record<string, unknown>,
  target: ResumeServer = server,
): Promise<Relay> {
  const relay = await startRelay(target.port);
  t.after(() => relay.close());
  await page.goto(relay.url('/page.html'));
  // The bundle with resume; its SockJS replaces the page's (sockjs.min.js, which has none).
  await page.addScriptTag({ url: relay.url('/sockjs-reconnecting.min.js') });
  await page.evaluate(
    `globalThis.__burst = (${CLIENT_BURST})(globalThis.__sock = new ${ctor}(${JSON.stringify(
      relay.url('/echo'),
    )}, null, ${JSON.stringify({
      heartbeatTimeout: LIVENESS_MS,
      minDelay: 100,
      maxDelay: 400,
      ...options,
    })}), ${TOTAL})`,
  );
  return relay;
}

const typesOf = (s: ClientState) => s.events.map((e) => e.type);

describe('resume in Chromium through a relay', () => {
  for (const transport of TRANSPORTS) {
    test(`${transport}: 2,000 each way, cut by RST, FIN and silence: all arrive, in order, once, no close`, {
      timeout: 60_000,
    }, async (t) => {
      const burst = serverBurst();
      server.app = burst.app;
      const relay = await startBurst(t, 'SockJS', { transports: [transport], resume: true });
      const cuts = await cutThrice(relay, state, burst);
      assert.deepEqual(cuts, ['reset', 'fin', 'silence']);
      const s = await untilPage(
        (c) => c.got.length >= TOTAL && burst.state.got.length >= TOTAL,
        `all ${TOTAL} both ways (server got ${burst.state.got.length})`,
      );
      assert.equal(await page.evaluate('globalThis.__sock.transport'), transport);
      const resumed = assertWhole(s, burst.state);
      // Not every cut is a drop here: Chromium sends a request again by
      // itself when a kept-alive connection it reused closes before any
      // answer, and an EventSource cannot tell a cut stream from one the
      // server ended, so the next stream just carries resume=<ack> and the
      // server replays. Silence is always one.
      assert.ok(resumed >= 1, `resumed ${resumed} times: ${typesOf(s)}`);
      console.log(
        `chromium ${transport}: resume: 0 lost each way over 3 cuts (${resumed} resumes, ${relay.accepted} relayed connections)`,
      );
      await page.evaluate('globalThis.__sock.close()');
    });
  }

  test("an iframe transport whose page has no resume (sockjs-client's) runs a plain session: the parent keeps its liveness clock", {
    timeout: 30_000,
  }, async (t) => {
    const plain = await startResumeServer(undefined, '/sockjs-client.min.js');
    t.after(() => plain.close());
    const relay = await startBurst(
      t,
      'SockJS',
      { transports: ['iframe-eventsource'], resume: true },
      plain,
    );
    await untilPage((s) => s.got.length > 0, 'an echo');
    relay.silence();
    const s = await untilPage((c) => typesOf(c).includes('close'), 'the close');
    const close = s.events.find((e) => e.type === 'close');
    assert.deepEqual([close?.code, close?.reason], [2011, 'Heartbeat timeout']);
    assert.ok(!typesOf(s).includes('resuming'), `events: ${typesOf(s)}`);
  });

  for (const transport of TRANSPORTS) {
    test(`${transport}: the same burst without resume (ReconnectingSockJS) loses messages`, {
      timeout: 60_000,
    }, async (t) => {
      const burst = serverBurst();
      server.app = burst.app;
      const relay = await startBurst(t, 'ReconnectingSockJS', { transports: [transport] });
      const cuts = await cutThrice(relay, state, burst);
      const settled = settledCheck(burst.state);
      const s = await untilPage(
        (c) => settled(c, typesOf(c).at(-1) !== 'reconnecting'),
        'the burst to settle',
      );
      const lost = reportLoss(`chromium ${transport}`, s, burst.state, cuts);
      assert.ok(lost > 0, 'a plain session loses what was in flight');
      await page.evaluate('globalThis.__sock.close()');
    });
  }
});
