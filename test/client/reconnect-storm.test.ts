// Reconnect under a server restart: 200 ReconnectingSockJS clients on the
// test server (examples/test-server.js, a child process); the server is
// SIGKILLed and started again 2 s later on the same port. Every client comes
// back; the histogram of reconnect times (drop to reconnected) is printed to
// show the jitter spreading the storm. And a 3000 "Go away!" (/close) is
// never retried.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ReconnectingSockJS } from '../../packages/client/src/reconnecting.node.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const CLIENTS = 200;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

// Every test server started and not yet stopped, so that none outlives the file.
const children = new Set<ChildProcess>();
function startServer(port: number): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['examples/test-server.js', '--port', String(port)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(proc);
  return new Promise((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`test server exited: ${code}`)));
    proc.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) resolve(proc);
    });
  });
}
function kill(proc: ChildProcess): Promise<void> {
  children.delete(proc);
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  // Without the startup listener, which would reject a settled promise.
  proc.removeAllListeners('exit');
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGKILL');
  return exited;
}
after(async () => {
  await Promise.all([...children].map(kill));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Counts per bucket of `width` ms, as printable lines. */
function histogram(values: number[], width: number): string {
  const buckets = new Map<number, number>();
  for (const v of values) {
    const b = Math.floor(v / width);
    buckets.set(b, (buckets.get(b) ?? 0) + 1);
  }
  const last = Math.max(...buckets.keys());
  const lines: string[] = [];
  for (let b = 0; b <= last; b++) {
    const n = buckets.get(b) ?? 0;
    const label = `${String(b * width).padStart(5)}-${String((b + 1) * width).padEnd(5)} ms`;
    lines.push(`${label} ${String(n).padStart(4)} ${'*'.repeat(Math.ceil(n / 4))}`);
  }
  return lines.join('\n');
}

test(`${CLIENTS} clients through a SIGKILL and a restart 2 s later: every one is back`, {
  timeout: 90_000,
}, async () => {
  const port = await freePort();
  let server = await startServer(port);
  const url = `http://127.0.0.1:${port}/echo`;
  const options = { minDelay: 500, maxDelay: 4000, timeout: 2000 };
  const clients = Array.from(
    { length: CLIENTS },
    () => new ReconnectingSockJS(url, null, { ...options, transports: 'websocket' }),
  );
  const droppedAt = new Map<ReconnectingSockJS, number>();
  const backAfter: number[] = [];
  const delays: number[] = [];
  const attempts: number[] = [];
  const drops: number[] = [];
  const unexpectedCloses: string[] = [];
  let finished = false;
  for (const c of clients) {
    c.addEventListener('reconnecting', (ev) => {
      if (ev.attempt === 1) {
        droppedAt.set(c, Date.now());
        drops.push(ev.code);
      }
      delays.push(ev.delay);
    });
    c.addEventListener('reconnected', (ev) => {
      backAfter.push(Date.now() - (droppedAt.get(c) ?? Date.now()));
      attempts.push(ev.attempt);
    });
    c.addEventListener('close', (ev) => {
      if (!finished) unexpectedCloses.push(`${ev.code} ${ev.reason}`);
    });
  }
  const deadline = Date.now() + 20_000;
  while (clients.some((c) => c.readyState !== c.OPEN) && Date.now() < deadline) await sleep(50);
  assert.equal(clients.filter((c) => c.readyState === c.OPEN).length, CLIENTS, 'all open');

  await kill(server);
  const killedAt = Date.now();
  await sleep(2000);
  server = await startServer(port);
  const restartedAt = Date.now();
  const back = Date.now() + 45_000;
  while (backAfter.length < CLIENTS && Date.now() < back) await sleep(50);
  assert.equal(backAfter.length, CLIENTS, `${backAfter.length} of ${CLIENTS} back`);
  assert.ok(clients.every((c) => c.readyState === c.OPEN));
  assert.ok(drops.every((code) => code !== 1000));

  // Each one still echoes on its new session.
  const echoed = await Promise.all(
    clients.map(
      (c, i) =>
        new Promise<boolean>((resolve) => {
          c.addEventListener('message', (ev) => resolve(ev.data === `m${i}`), { once: true });
          c.send(`m${i}`);
        }),
    ),
  );
  assert.ok(echoed.every(Boolean));

  const sorted = [...backAfter].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  console.log(
    `server down ${restartedAt - killedAt} ms; reconnect time (drop -> reconnected) of ${CLIENTS} clients, ` +
      `min ${sorted[0]} p50 ${pct(0.5)} p90 ${pct(0.9)} max ${sorted.at(-1)} ms; ` +
      `attempts per client: max ${Math.max(...attempts)}, mean ${(attempts.reduce((a, b) => a + b, 0) / attempts.length).toFixed(1)}; ` +
      `drop codes: ${[...new Set(drops)].join(', ')}`,
  );
  console.log(
    histogram(backAfter, 500)
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n'),
  );
  console.log(
    `backoff delays drawn (${delays.length}):\n` +
      histogram(delays, 250)
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n'),
  );
  // The jitter spread them: not one burst at the restart.
  assert.ok(sorted.at(-1)! - sorted[0]! > 1000, 'returns spread over more than a second');
  assert.deepEqual(unexpectedCloses, []);
  finished = true;
  for (const c of clients) c.close();
  await kill(server);
});

test('no client retries after a 3000 "Go away!"', { timeout: 30_000 }, async () => {
  const port = await freePort();
  const server = await startServer(port);
  const clients = Array.from(
    { length: 50 },
    () =>
      new ReconnectingSockJS(`http://127.0.0.1:${port}/close`, null, {
        minDelay: 10,
        maxDelay: 50,
      }),
  );
  let retries = 0;
  const closes = await Promise.all(
    clients.map(
      (c) =>
        new Promise<{ code: number; reason: string }>((resolve) => {
          c.addEventListener('reconnecting', () => retries++);
          c.addEventListener('close', (ev) => resolve({ code: ev.code, reason: ev.reason }));
        }),
    ),
  );
  await sleep(500);
  assert.equal(retries, 0);
  assert.ok(closes.every((c) => c.code === 3000 && c.reason === 'Go away!'));
  assert.ok(clients.every((c) => c.readyState === c.CLOSED));
  await kill(server);
});
