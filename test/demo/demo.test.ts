// The demo that `npm start` runs: two Chromium tabs chat through it, the
// header shows the transport and the round trip, and forcing a transport
// reconnects with it.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { ATTEMPT_TIMEOUT_MS } from '../helpers/scenarios.js';

const root = new URL('../../', import.meta.url).pathname;
let demo: ChildProcess;
let browser: Browser;
let base: string;

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, 'close');
  return port;
}

before(async () => {
  const port = await freePort();
  demo = spawn(
    process.execPath,
    [`${root}examples/demo.js`, '--port', String(port), '--host', '127.0.0.1'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await once(demo.stdout!, 'data');
  base = `http://127.0.0.1:${port}/`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (demo && demo.exitCode === null) {
    demo.kill('SIGTERM');
    await once(demo, 'exit');
  }
});

test('two tabs chat through the demo, which shows the transport and the round trip', async () => {
  const alice = await browser.newPage();
  const bob = await browser.newPage();
  // A loaded machine may take longer to open a websocket than the attempt
  // timeout the client derives from /info, and then rightly falls back.
  await alice.goto(`${base}?timeout=${ATTEMPT_TIMEOUT_MS}`);
  await bob.goto(`${base}?timeout=${ATTEMPT_TIMEOUT_MS}`);
  for (const page of [alice, bob]) {
    await page.waitForFunction(() => document.getElementById('state')?.textContent === 'open');
    assert.equal(await page.textContent('#transport'), 'websocket');
    await page.waitForFunction(() => /ms$/.test(document.getElementById('rtt')?.textContent ?? ''));
  }
  await alice.fill('#name', 'alice');
  await alice.fill('#text', 'hello from alice');
  await alice.click('button');
  await bob.waitForFunction(() =>
    document.getElementById('log')?.textContent?.includes('alice: hello from alice'),
  );
  await alice.close();
  await bob.close();
});

test('forcing a transport reconnects with it', async () => {
  const page = await browser.newPage();
  for (const transport of ['xhr-polling', 'eventsource', 'iframe-htmlfile']) {
    await page.goto(`${base}?transport=${transport}&timeout=${ATTEMPT_TIMEOUT_MS}`);
    await page.waitForFunction(
      () => document.getElementById('state')?.textContent === 'open',
      null,
      {
        timeout: 10_000,
      },
    );
    assert.equal(await page.textContent('#transport'), transport);
    await page.fill('#text', `over ${transport}`);
    await page.click('button');
    // The server names the transport it sees: iframe-htmlfile arrives as htmlfile.
    const seen = transport.replace(/^iframe-/, '');
    await page.waitForFunction(
      ([t, s]) => document.getElementById('log')?.textContent?.includes(`over ${t} via ${s}`),
      [transport, seen],
    );
  }
  await page.selectOption('#force', 'jsonp-polling');
  await page.waitForFunction(
    () => document.getElementById('transport')?.textContent === 'jsonp-polling',
    null,
    {
      timeout: 10_000,
    },
  );
  await page.close();
});

test('on a busy port the demo says so in one line and exits non-zero', async () => {
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const { port } = taken.address() as { port: number };
  const second = spawn(
    process.execPath,
    [`${root}examples/demo.js`, '--port', String(port), '--host', '127.0.0.1'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  second.stderr!.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const [code] = (await once(second, 'exit')) as [number];
  taken.close();
  assert.equal(code, 1);
  assert.equal(
    err,
    `sockjs-ts demo: port ${port} on 127.0.0.1 is in use; pick another with --port N or PORT=N.\n`,
  );
});
