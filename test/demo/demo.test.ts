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
import { publishCount, startRedis, type TestRedis } from '../helpers/redis.js';
import { ATTEMPT_TIMEOUT_MS } from '../helpers/scenarios.js';
import { withDeadline } from '../helpers/timing.js';

const root = new URL('../../', import.meta.url).pathname;
let browser: Browser;
let base: string;

interface RunningDemo {
  readonly demo: ChildProcess;
  readonly base: string;
  /** Stops it (SIGTERM, then SIGKILL if it has not exited in 10 s). */
  stop(): Promise<void>;
}

/** Starts the demo on a free port (--port 0); resolves once it printed its URL (15 s at most). */
async function startDemo(args: readonly string[] = []): Promise<RunningDemo> {
  const child = spawn(
    process.execPath,
    [`${root}examples/demo.js`, '--port', '0', '--host', '127.0.0.1', ...args],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await withDeadline(exited, 10_000, 'the demo to stop').catch(async () => {
      child.kill('SIGKILL');
      await exited;
    });
  };
  let out = '';
  child.stdout!.setEncoding('utf8');
  try {
    const url = await withDeadline(
      new Promise<string>((resolve, reject) => {
        child.stdout!.on('data', (chunk: string) => {
          out += chunk;
          const found = /running on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
          if (found) resolve(found[1]!);
        });
        void exited.then(([code]) => reject(new Error(`the demo exited with ${code}: ${out}`)));
      }),
      15_000,
      'the demo to start',
    );
    return { demo: child, base: url, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

let started: RunningDemo | undefined;

before(async () => {
  started = await startDemo();
  base = started.base;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await started?.stop();
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

/** One request on a connection of its own (the cluster module hands each connection to the next worker). */
async function alone(url: string, body?: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: { Connection: 'close', 'Content-Type': 'text/plain' },
  });
  return { status: res.status, text: await res.text() };
}

test('with --workers 2 on Redis, a tab and a polling session whose every request takes a new connection chat', {
  timeout: 90_000,
}, async () => {
  let redis: TestRedis | undefined;
  let workers: RunningDemo | undefined;
  try {
    redis = await startRedis();
    workers = await startDemo(['--workers', '2', '--redis', redis.url]);
    const url = workers.base;
    const tab = await browser.newPage();
    await tab.goto(`${url}?timeout=${ATTEMPT_TIMEOUT_MS}`);
    await tab.waitForFunction(() => document.getElementById('state')?.textContent === 'open');
    // The module hands each new connection to the next worker, so this
    // session's requests reach both: those on the worker that does not hold
    // it are forwarded over Redis (PUBLISH, counted below).
    const session = `${url}chat/000/${Date.now().toString(36)}`;
    assert.deepEqual(await alone(`${session}/xhr`), { status: 200, text: 'o\n' });
    let seen = '';
    const pollUntil = async (text: string) => {
      while (!seen.includes(text)) {
        const poll = await alone(`${session}/xhr`);
        assert.equal(poll.status, 200);
        assert.ok(poll.text.startsWith('a[') || poll.text === 'h\n', poll.text);
        seen += poll.text;
      }
    };
    for (let i = 0; i < 4; i++) {
      const line = JSON.stringify({ type: 'chat', name: 'poller', text: `line ${i} from poller` });
      assert.deepEqual(await alone(`${session}/xhr_send`, JSON.stringify([line])), {
        status: 204,
        text: '',
      });
      await tab.waitForFunction(
        (text) => document.getElementById('log')?.textContent?.includes(text),
        `poller: line ${i} from poller`,
      );
      await pollUntil(`line ${i} from poller`);
      await tab.fill('#name', 'tab');
      await tab.fill('#text', `line ${i} from the tab`);
      await tab.click('button');
      await pollUntil(`line ${i} from the tab`);
    }
    assert.equal(await tab.textContent('#state'), 'open');
    await tab.close();
    assert.ok((await publishCount(redis.url)) > 0, 'no request was forwarded between the workers');
  } finally {
    await workers?.stop();
    await redis?.stop();
  }
});
