// sockjs-client 1.6.1 (its dist bundle, as a page loads it) in headless
// Chromium against our server, one transport at a time.
//
// The page comes from http://127.0.0.1:A and the server is
// http://localhost:B, so every transport runs cross-origin, as in most
// deployments: CORS for the xhr and eventsource transports, and for the
// iframe transports our iframe.html, which loads sockjs_url (an absolute URL
// of the same bundle on origin A). htmlfile without an iframe only runs on
// the server's own origin, so it is checked from a page served by B.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import {
  EDGE_CASES,
  type InteropServer,
  SOCKJS_CLIENT_BUNDLE,
  type StaticFile,
  startInteropServer,
  startStaticServer,
  withTimeout,
} from './harness.js';

const CROSS_ORIGIN_TRANSPORTS = [
  'websocket',
  'xhr-streaming',
  'xhr-polling',
  'eventsource',
  'iframe-eventsource',
  'iframe-htmlfile',
  'iframe-xhr-polling',
  'jsonp-polling',
] as const;

const SAME_ORIGIN_TRANSPORTS = ['htmlfile', 'xhr-polling', 'iframe-htmlfile'] as const;

const PAGE_FILES: Record<string, StaticFile> = {
  '/': {
    type: 'text/html; charset=UTF-8',
    body:
      '<!doctype html><html><head><meta charset="utf-8">' +
      '<script src="/sockjs.min.js"></script><script src="/interop-page.js"></script>' +
      '</head><body>sockjs-client interop</body></html>',
  },
  '/sockjs.min.js': { type: 'application/javascript', body: SOCKJS_CLIENT_BUNDLE },
  '/interop-page.js': {
    type: 'application/javascript',
    body: readFileSync(new URL('./browser/interop-page.js', import.meta.url), 'utf8'),
  },
};

interface RunResult {
  transport: string | null;
  closeTransport?: string;
  mismatches: string[];
  burstError: string | null;
  close: { code: number; reason: string; wasClean: boolean } | null;
}

let pageServer: { origin: string; stop(): Promise<void> };
let server: InteropServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

before(async () => {
  pageServer = await startStaticServer(PAGE_FILES);
  server = await startInteropServer({
    host: 'localhost',
    files: PAGE_FILES,
    // The protocol suite's small response limit makes the streaming transports
    // reopen their receiving request many times during the test.
    sockjs: { sockjs_url: `${pageServer.origin}/sockjs.min.js`, response_limit: 4096 },
  });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: 30_000,
  });
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${pageServer.origin}/`);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await pageServer?.stop();
});

/** Runs one transport in the page; `closeUrl` adds the server-close check. */
async function run(transport: string | null, withClose: boolean, burst = 1000): Promise<RunResult> {
  const options = {
    url: `${server.origin}/echo`,
    closeUrl: withClose ? `${server.origin}/close` : null,
    transport,
    cases: EDGE_CASES,
    burst,
    stepMs: 10_000,
  };
  pageErrors.length = 0;
  const result = await withTimeout(
    page.evaluate(`window.sockjsInterop.run(${JSON.stringify(options)})`) as Promise<RunResult>,
    30_000,
    `transport ${transport}`,
  );
  assert.deepEqual(pageErrors, [], 'errors in the page');
  return result;
}

function assertEchoed(result: RunResult, transport: string): void {
  assert.equal(result.transport, transport, 'the transport sockjs-client reports');
  assert.deepEqual(result.mismatches, [], 'edge cases echoed exactly');
  assert.equal(result.burstError, null, '1000 messages echoed in order');
}

describe('sockjs-client in Chromium, cross-origin', { timeout: 90_000 }, () => {
  test('with no transports option it picks websocket', async () => {
    const result = await run(null, false, 10);
    assertEchoed(result, 'websocket');
  });

  for (const transport of CROSS_ORIGIN_TRANSPORTS) {
    test(transport, async () => {
      const result = await run(transport, true);
      assertEchoed(result, transport);
      assert.equal(result.closeTransport, transport);
      assert.deepEqual(result.close, { code: 3000, reason: 'Go away!', wasClean: true });
    });
  }
});

describe('sockjs-client in Chromium, same origin', { timeout: 60_000 }, () => {
  before(() => page.goto(`${server.origin}/`));

  for (const transport of SAME_ORIGIN_TRANSPORTS) {
    test(transport, async () => {
      const result = await run(transport, true);
      assertEchoed(result, transport);
      assert.deepEqual(result.close, { code: 3000, reason: 'Go away!', wasClean: true });
    });
  }
});
