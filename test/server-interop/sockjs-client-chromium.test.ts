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
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { EDGE_CASES } from '../helpers/edge-cases.ts';
import { withDeadline } from '../helpers/timing.ts';
import {
  type InteropServer,
  SOCKJS_CLIENT_BUNDLE,
  type StaticFile,
  startInteropServer,
  startStaticServer,
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
  scripted: { messages: string[]; code: number; reasonMatches: boolean; reason: string } | null;
}

/** A close reason with characters that JavaScript, JSON and HTML each treat specially. */
const CLOSE_REASON = 'Schluß \u2028 \ud800 </script> 😀';

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
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.exposeFunction('sockjsLiveReceiver', () => server.liveReceiver());
  await page.exposeFunction('sockjsReceiverOpen', (id: number) => server.receiverOpen(id));
  await page.goto(`${pageServer.origin}/`);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await pageServer?.stop();
});

// How the server names the transport of a session: an iframe transport is
// its inner transport seen from the server.
const serverProtocol = (transport: string) => transport.replace(/^iframe-/, '');

/**
 * Runs one transport in the page (null: sockjs-client's own choice) and checks
 * what every transport must do: the forced transport is the one used, the
 * edge cases and the burst come back exactly and in order, and the client's
 * close() ends the session on the server at once.
 *
 * Except on jsonp-polling: sockjs-client cannot abort a script tag's request,
 * so the server only learns that the client left when it answers the
 * outstanding poll (heartbeat, 25 s) and the disconnect delay (5 s) runs out.
 */
async function runAndCheck(
  transport: string | null,
  { burst = 1000, prefix = '/echo', expected = transport ?? 'websocket' } = {},
): Promise<RunResult> {
  const options = {
    url: server.origin + prefix,
    closeUrl: transport ? `${server.origin}/close` : null,
    scriptedUrl: transport ? `${server.origin}/scripted` : null,
    closeReason: CLOSE_REASON,
    transport,
    cases: EDGE_CASES,
    burst,
    stepMs: 10_000,
  };
  pageErrors.length = 0;
  const accepted = prefix === '/echo' ? server.nextConnection() : null;
  const result = await withDeadline(
    page.evaluate(`window.sockjsInterop.run(${JSON.stringify(options)})`) as Promise<RunResult>,
    30_000,
    `transport ${transport}`,
  );
  assert.deepEqual(pageErrors, [], 'errors in the page');
  assert.equal(result.transport, expected, 'the transport sockjs-client reports');
  assert.deepEqual(result.mismatches, [], 'edge cases echoed exactly');
  assert.equal(result.burstError, null, `${burst} messages echoed in order`);
  if (!accepted) return result;
  const { conn, closed } = await withDeadline(accepted, 1000, 'server connection');
  assert.equal(conn.protocol, serverProtocol(expected), 'the transport the server saw');
  if (expected !== 'jsonp-polling') {
    await withDeadline(closed, 2000, "server 'close' after the client's close()");
  }
  return result;
}

function assertServerClose(result: RunResult, transport: string): void {
  assert.equal(result.closeTransport, transport);
  assert.deepEqual(result.close, { code: 3000, reason: 'Go away!', wasClean: true });
  const { reason, ...scripted } = result.scripted ?? { reason: '(none)' };
  assert.deepEqual(
    scripted,
    { messages: ['welcome', 'closing'], code: 4001, reasonMatches: true },
    `scripted close; reason ${reason}`,
  );
}

describe('sockjs-client in Chromium, cross-origin', { timeout: 90_000 }, () => {
  test('with no transports option it picks websocket', async () => {
    await runAndCheck(null, { burst: 10 });
  });

  test('with websocket off on the server it picks xhr-streaming', async () => {
    await runAndCheck(null, { burst: 10, prefix: '/no_websocket_echo', expected: 'xhr-streaming' });
  });

  for (const transport of CROSS_ORIGIN_TRANSPORTS) {
    test(transport, async () => {
      assertServerClose(await runAndCheck(transport), transport);
    });
  }
});

describe('sockjs-client in Chromium, heartbeats', { timeout: 30_000 }, () => {
  test('reach every kind of transport, and the sessions stay usable', async () => {
    // One of each receiving mechanism: WebSocket, XHR stream, EventSource,
    // an htmlfile iframe and script-tag polls, all open at once.
    const transports = [
      'websocket',
      'xhr-streaming',
      'eventsource',
      'iframe-htmlfile',
      'jsonp-polling',
    ];
    const options = {
      url: `${server.origin}/heartbeat_echo`,
      transports,
      idleMs: 700,
      stepMs: 10_000,
    };
    const results = await withDeadline(
      page.evaluate(`window.sockjsInterop.heartbeats(${JSON.stringify(options)})`) as Promise<
        { transport: string; heartbeats: number; echoed: string }[]
      >,
      20_000,
      'heartbeats',
    );
    assert.deepEqual(
      results.map((r) => [r.transport, r.heartbeats >= 2, r.echoed]),
      transports.map((t) => [t, true, 'still here']),
      `heartbeats at 150 ms over 700 ms: ${results.map((r) => `${r.transport} ${r.heartbeats}`).join(', ')}`,
    );
  });
});

describe('sockjs-client in Chromium, same origin', { timeout: 60_000 }, () => {
  before(() => page.goto(`${server.origin}/`));

  for (const transport of SAME_ORIGIN_TRANSPORTS) {
    test(transport, async () => {
      assertServerClose(await runAndCheck(transport), transport);
    });
  }

  // Across sites Chromium keeps no cookie from a response without
  // SameSite=None (which needs https), so stickiness is only checked here.
  test('xhr-streaming with JSESSIONID cookies (cookie_needed)', async () => {
    await page.context().clearCookies();
    await runAndCheck('xhr-streaming', { burst: 10, prefix: '/cookie_needed_echo' });
    const cookies = await page.context().cookies(server.origin);
    assert.deepEqual(
      cookies.map((c) => [c.name, c.value, c.path]),
      [['JSESSIONID', 'dummy', '/']],
    );
  });
});
