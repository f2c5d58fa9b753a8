// A client that pipelines requests and never reads the answers must not make
// the HTTP/1.1 layer answer into an ever longer socket buffer: it stops
// reading while its output needs to drain, as node:http does. Checked in
// process (the layer's own output buffer stays near the high-water mark,
// and every answer arrives once the client reads), then as the issue put it:
// the test server on node:http and on the layer, one such client each for
// PIPELINE_SECONDS, RSS sampled from /proc.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createHttp1Server } from '../../packages/server/src/index.js';
import { sleep } from '../helpers/timing.ts';

const root = new URL('../..', import.meta.url).pathname;
const PIPELINE_SECONDS = Number(process.env.PIPELINE_SECONDS ?? 30);
const REQUEST = 'GET /echo/info HTTP/1.1\r\nHost: t\r\n\r\n';

/**
 * Writes pipelined requests on `socket` while it takes them, for `ms` at
 * most; resolves with how many were written once the socket stops taking
 * them for `stallMs` (or the time is up).
 */
async function pipeline(socket: net.Socket, ms: number, stallMs: number): Promise<number> {
  const batch = Buffer.from(REQUEST.repeat(64));
  const until = Date.now() + ms;
  let written = 0;
  while (Date.now() < until && !socket.destroyed) {
    written += 64;
    if (socket.write(batch)) continue;
    let onDrain = () => {};
    const drained = await Promise.race([
      new Promise<boolean>((r) => {
        onDrain = () => r(true);
        socket.once('drain', onDrain);
      }),
      sleep(Math.min(stallMs, Math.max(0, until - Date.now()))).then(() => false),
    ]);
    socket.off('drain', onDrain);
    if (!drained) break;
  }
  return written;
}

test('the layer stops reading while its answers are not read, and loses none of them', async () => {
  const server = createHttp1Server();
  const body = 'x'.repeat(1000);
  let answered = 0;
  let largestBacklog = 0;
  server.on('request', (_req, res) => {
    answered++;
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end(body);
    largestBacklog = Math.max(largestBacklog, res.socket.writableLength);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const client = net.connect(port, '127.0.0.1');
  await new Promise((r) => client.once('connect', r));
  client.pause();
  const written = await pipeline(client, 10_000, 1000);
  const answeredWhileStalled = answered;
  // Bounded by the socket buffers of the loopback and one high-water mark,
  // not by how much the client sent: before, every request was answered.
  assert.ok(written > answeredWhileStalled, `${written} written, ${answeredWhileStalled} answered`);
  assert.ok(largestBacklog < 64 * 1024, `the layer buffered ${largestBacklog} bytes of answers`);
  // The client reads again: every request gets its answer, in order.
  const status = 'HTTP/1.1 200 OK';
  let statuses = 0;
  let tail = '';
  client.on('data', (c: Buffer) => {
    const text = tail + c.toString('latin1');
    statuses += text.split(status).length - 1;
    // Too short to hold a whole status line, long enough for its start.
    tail = text.slice(-(status.length - 1));
  });
  client.resume();
  const until = Date.now() + 30_000;
  while (statuses < written && Date.now() < until) await sleep(50);
  assert.equal(statuses, written);
  assert.equal(answered, written);
  client.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

/** The test server on a free port; resolves with its process and port. */
async function testServer(http1: boolean): Promise<{ child: ChildProcess; port: number }> {
  const args = ['examples/test-server.js', '--port', '0', ...(http1 ? ['--http1'] : [])];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
      if (m !== null) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`test server exited with ${code}`)));
  });
  return { child, port };
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

test(`${PIPELINE_SECONDS} s of pipelining without reading: the layer's RSS stays within 50 MB of node:http's`, async () => {
  const servers = [await testServer(false), await testServer(true)];
  const peaks = [0, 0];
  const written = [0, 0];
  try {
    const sampler = setInterval(() => {
      servers.forEach((s, i) => {
        peaks[i] = Math.max(peaks[i]!, rssMiB(s.child.pid!));
      });
    }, 250);
    await Promise.all(
      servers.map(async (s, i) => {
        const client = net.connect(s.port, '127.0.0.1');
        client.on('error', () => {});
        await new Promise((r) => client.once('connect', r));
        client.pause();
        // Keeps offering requests for the whole time, as the attack does.
        const until = Date.now() + PIPELINE_SECONDS * 1000;
        while (Date.now() < until) {
          written[i]! += await pipeline(client, until - Date.now(), 500);
        }
        client.destroy();
      }),
    );
    clearInterval(sampler);
  } finally {
    for (const s of servers) s.child.kill('SIGKILL');
  }
  const [node, layer] = peaks as [number, number];
  console.log(
    `# peak RSS: node:http ${node.toFixed(1)} MiB, layer ${layer.toFixed(1)} MiB; requests written ${written.join(' / ')}`,
  );
  assert.ok(layer <= node + 50, `layer ${layer.toFixed(1)} MiB, node:http ${node.toFixed(1)} MiB`);
});
