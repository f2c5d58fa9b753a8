// ReconnectingSockJS in headless Chromium (dist/sockjs-reconnecting.min.js):
// the server dies (every socket cut at once) and is started again on the
// same port a second later; on websocket and on xhr-streaming the client
// comes back on its own and echoes again.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { buildClientBundle, launchChromium } from '../helpers/browser.ts';
import { ourServer, type TestServer } from '../helpers/servers.ts';
import { sleep } from '../helpers/timing.ts';

const BUNDLE = fileURLToPath(
  new URL('../../packages/client/dist/sockjs-reconnecting.min.js', import.meta.url),
);

const built = await ourServer();
if (built === null) throw new Error('@sockjs-ts/server is not built: run npm run build first');
const factory = built;
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

// Runs in the page: opens a ReconnectingSockJS and logs its events.
const OPEN = `(url, transport) => {
  const log = (globalThis.__log = []);
  const sock = (globalThis.__sock = new ReconnectingSockJS(url, null, {
    transports: [transport], minDelay: 200, maxDelay: 1000, timeout: 2000,
  }));
  for (const type of ['open', 'reconnecting', 'reconnected', 'close', 'message'])
    sock.addEventListener(type, (e) => log.push({ type, code: e.code, attempt: e.attempt, data: e.data, transport: e.transport }));
}`;

type Logged = { type: string; code?: number; attempt?: number; data?: string; transport?: string };

async function logOf(): Promise<Logged[]> {
  return (await page.evaluate('globalThis.__log')) as Logged[];
}
async function waitLog(check: (log: Logged[]) => boolean, what: string, ms = 20_000) {
  const end = Date.now() + ms;
  for (;;) {
    const log = await logOf();
    if (check(log)) return log;
    if (Date.now() > end) throw new Error(`${what}: ${JSON.stringify(log)}`);
    await sleep(50);
  }
}
async function echo(text: string): Promise<void> {
  await page.evaluate(`globalThis.__sock.send(${JSON.stringify(text)})`);
  await waitLog((log) => log.some((e) => e.type === 'message' && e.data === text), `echo ${text}`);
}

describe('ReconnectingSockJS in Chromium through a server restart', () => {
  for (const transport of ['websocket', 'xhr-streaming']) {
    test(`${transport}: back after the server is killed and started again`, {
      timeout: 60_000,
    }, async () => {
      let server: TestServer = await factory.start();
      const port = server.port;
      try {
        // Cross-origin page (localhost vs 127.0.0.1), as in browser.test.ts.
        await page.goto(`http://localhost:${port}/page.html`);
        await page.addScriptTag({ content: readFileSync(BUNDLE, 'utf8') });
        await page.evaluate(
          `(${OPEN})(${JSON.stringify(server.url)}, ${JSON.stringify(transport)})`,
        );
        await waitLog((log) => log.some((e) => e.type === 'open'), 'open');
        await echo('before');
        await server.kill();
        await waitLog((log) => log.some((e) => e.type === 'reconnecting'), 'reconnecting');
        await sleep(1000);
        server = await factory.start({ port });
        const log = await waitLog((l) => l.some((e) => e.type === 'reconnected'), 'reconnected');
        const drop = log.find((e) => e.type === 'reconnecting')!;
        assert.notEqual(drop.code, 1000);
        const back = log.find((e) => e.type === 'reconnected')!;
        assert.equal(back.transport, transport);
        assert.ok(!log.some((e) => e.type === 'close'), 'no close while reconnecting');
        assert.equal(log.filter((e) => e.type === 'open').length, 1);
        await echo('after');
        await page.evaluate('globalThis.__sock.close()');
        const closed = await waitLog((l) => l.some((e) => e.type === 'close'), 'close');
        assert.equal(closed.find((e) => e.type === 'close')!.code, 1000);
      } finally {
        await server.close();
      }
    });
  }
});
