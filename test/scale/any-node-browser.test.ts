// Any-node mode in headless Chromium (issue 15): the transports only a
// browser has (htmlfile, jsonp-polling and the iframe-based ones), with
// sockjs-client 1.6.1's browser bundle and ours, through HAProxy balance
// roundrobin and nginx round robin in front of three test-server processes
// (--redis URL --any-node); and, for comparison, HAProxy sticky by session
// id. Each session sends 1,000 messages and gets each back from /echo, in
// order, once, and no session breaks (ANY_NODE_ECHO_SCENARIO, as the Node
// clients run it in any-node-clients.test.ts).
//
// The page comes from the proxy's own origin (htmlfile runs on the same
// origin only): Playwright answers the page and the client bundle, then
// stops intercepting, so that every SockJS request goes through the proxy.
// The iframe page the nodes serve loads the nodes' own client bundle.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import {
  ANY_NODE_ECHO_SCENARIO,
  type AnyNodeServer,
  type Balancer,
  balancerName,
  checkEchoThrough,
  type EchoLoad,
  type PublishCounter,
  publishCounter,
  startAnyNodeServers,
} from '../helpers/any-node.ts';
import { buildClientBundle, launchChromium } from '../helpers/browser.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { withDeadline } from '../helpers/timing.ts';

const TRANSPORTS = [
  'htmlfile',
  'jsonp-polling',
  'iframe-eventsource',
  'iframe-htmlfile',
  'iframe-xhr-polling',
] as const;
const SESSIONS = 2;
const LOAD = {
  sessions: SESSIONS,
  messages: 1000,
  burst: 100,
  singles: 100,
  deadlineMs: 60_000,
  options: { timeout: 10_000 },
} satisfies Omit<EchoLoad, 'url' | 'transport'>;

const bundle = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const BUNDLES = {
  'sockjs-client': bundle('node_modules/sockjs-client/dist/sockjs.min.js'),
  ours: bundle('packages/client/dist/sockjs.min.js'),
};
type Client = keyof typeof BUNDLES;

let redis: TestRedis;
let servers: AnyNodeServer[] = [];
let publishes: PublishCounter;
let browser: Browser;

before(async () => {
  await buildClientBundle();
  redis = await startRedis();
  servers = await startAnyNodeServers(redis.url, 3);
  publishes = await publishCounter(redis.url);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  publishes?.close();
  await Promise.all(servers.map((s) => s.kill('SIGKILL')));
  await redis?.stop();
});

/** A page of `origin` with `client`'s bundle loaded (the global SockJS). */
async function openPage(origin: string, client: Client, errors: string[]): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (err) => errors.push(err.message));
  const served = (url: URL) =>
    url.origin === origin && (url.pathname === '/page.html' || url.pathname === '/client.js');
  await page.route(served, (route) => {
    const script = new URL(route.request().url()).pathname === '/client.js';
    return route.fulfill(
      script
        ? { contentType: 'application/javascript', body: readFileSync(BUNDLES[client]) }
        : {
            contentType: 'text/html; charset=UTF-8',
            body: '<!doctype html><html><head><meta charset="utf-8"><script src="/client.js"></script></head><body>any-node</body></html>',
          },
    );
  });
  await page.goto(`${origin}/page.html`);
  await page.unroute(served);
  return page;
}

for (const kind of ['haproxy', 'nginx', 'haproxy sticky'] as Balancer[]) {
  describe(`any-node mode in Chromium behind ${balancerName(kind)}`, () => {
    for (const client of Object.keys(BUNDLES) as Client[]) {
      for (const transport of TRANSPORTS) {
        test(`${client} ${transport}: ${SESSIONS} sessions echo ${LOAD.messages} messages each in order, none broken`, () =>
          checkEchoThrough(kind, servers, publishes, async (origin) => {
            const errors: string[] = [];
            const page = await openPage(origin, client, errors);
            try {
              const load: EchoLoad = { ...LOAD, url: `${origin}/echo`, transport };
              const broken = (await withDeadline(
                page.evaluate(`(${ANY_NODE_ECHO_SCENARIO})(SockJS, ${JSON.stringify(load)})`),
                LOAD.deadlineMs + 10_000,
                'the sessions in the page',
              )) as string[];
              assert.deepEqual(errors, [], 'errors in the page');
              return broken;
            } finally {
              await page.close();
            }
          }));
      }
    }
  });
}
