// A page loaded from file:// (as in PhoneGap/Cordova-style apps) has an
// opaque origin: its requests carry `Origin: null`, and the iframe
// transports are what sockjs-client's README names for it. Chromium loads
// such a page, with our client and with sockjs-client 1.6.1, and echoes over
// the iframe transports and websocket against our server.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { buildClientBundle, launchChromium } from '../helpers/browser.ts';
import { stopHttp } from '../helpers/http-server.ts';
import { ECHO_SERVICE, type RunningSockjs, startSockjsServer } from '../helpers/sockjs-server.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const CLIENTS = {
  'sockjs-ts': join(root, 'packages/client/dist/sockjs.min.js'),
  'sockjs-client': join(root, 'node_modules/sockjs-client/dist/sockjs.min.js'),
};
const TRANSPORTS = ['iframe-eventsource', 'iframe-htmlfile', 'iframe-xhr-polling', 'websocket'];

let dir: string;
let server: RunningSockjs;
let url: string;
let browser: Browser;
let page: Page;

before(async () => {
  await buildClientBundle();
  dir = mkdtempSync(join(tmpdir(), 'sockjs-file-'));
  server = await startSockjsServer({}, [ECHO_SERVICE]);
  url = `${server.base}/echo`;
  browser = await launchChromium();
  page = await browser.newPage();
});

after(async () => {
  await browser?.close();
  await stopHttp(server.http, server.sockjs);
  rmSync(dir, { recursive: true, force: true });
});

/** Opens one SockJS in the page and echoes a message; what happened, as data. */
const ECHO = `async ({ url, transport }) => new Promise((resolve) => {
  const sock = new SockJS(url, null, { transports: [transport], timeout: 10000 });
  const timer = setTimeout(() => resolve({ error: 'no answer in 20 s' }), 20000);
  sock.onopen = () => sock.send('from a file page');
  sock.onmessage = (e) => {
    clearTimeout(timer);
    resolve({ transport: sock.transport, echo: e.data });
    sock.close();
  };
  sock.onclose = (e) => {
    clearTimeout(timer);
    resolve({ closed: e.code, reason: e.reason });
  };
})`;

for (const [client, bundle] of Object.entries(CLIENTS)) {
  test(`${client} in a page from file://: echoes over ${TRANSPORTS.join(', ')}`, async () => {
    const file = join(dir, `${client}.html`);
    writeFileSync(
      file,
      `<!doctype html><meta charset="utf-8"><script src="${pathToFileURL(bundle).href}"></script><p>file page</p>`,
    );
    await page.goto(pathToFileURL(file).href);
    assert.equal(await page.evaluate('location.protocol'), 'file:');
    for (const transport of TRANSPORTS) {
      const result = await page.evaluate(`(${ECHO})(${JSON.stringify({ url, transport })})`);
      assert.deepEqual(result, { transport, echo: 'from a file page' }, `${client}, ${transport}`);
    }
  });
}
