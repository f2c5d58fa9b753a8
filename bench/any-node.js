#!/usr/bin/env node
// What any-node mode costs (issue 15): the same echo, direct and forwarded,
// on the same two processes. Redis and two test servers in any-node mode
// (examples/test-server.js --redis URL --any-node) on loopback; each session
// is opened on node A. Direct: every later request goes to A too.
// Forwarded: every later request (sends, polls, streams) goes to node B,
// which forwards it to A. Sessions echo one message at a time.
//
// Reported per row: echoes per second, CPU per echo summed over both server
// processes (Redis's apart), and echo latency p50/p99; then what forwarding
// adds. Targets (issue 15): forwarded CPU at most 2x direct, added p50 at
// most 1 ms on loopback.
//
// usage: node bench/any-node.js [--ms 3000] [--sessions 20]
//   Runs on the cores it is given; pin it apart from other work
//   (taskset) for figures worth comparing. Short runs are a smoke check.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { cpuTimeUs } from './lib/proc.js';
import { percentile } from './lib/stats.js';

const { values: args } = parseArgs({
  options: {
    ms: { type: 'string', default: '3000' },
    sessions: { type: 'string', default: '20' },
  },
});
const MEASURE_MS = Number(args.ms);
const SESSIONS = Number(args.sessions);
if (!(MEASURE_MS >= 100) || !Number.isInteger(SESSIONS) || SESSIONS < 1) {
  console.error('usage: node bench/any-node.js [--ms N>=100] [--sessions N>=1]');
  process.exit(2);
}

const root = new URL('..', import.meta.url).pathname;
const agent = new http.Agent({ keepAlive: true, maxSockets: SESSIONS * 4 });
const children = [];

function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Spawns a process; resolves once its output matches `ready`. */
function start(command, argv, ready) {
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${command} did not start: ${output}`)),
      10_000,
    );
    const onData = (d) => {
      output += d;
      const match = ready.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code}: ${output}`)));
  });
}

function stopAll() {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
}
process.on('exit', stopAll);

function post(port, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** One xhr-streaming response after another on `port`, handing each message to `onMessage`. */
function streamOn(port, path, onMessage, stopped) {
  const open = () => {
    if (stopped()) return;
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent }, (res) => {
      let buffered = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        buffered += chunk;
        let nl = buffered.indexOf('\n');
        while (nl !== -1) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (line.startsWith('a[')) for (const m of JSON.parse(line.slice(1))) onMessage(m);
          nl = buffered.indexOf('\n');
        }
      });
      // response_limit ended it: the next one takes over (messages wait at the owner).
      res.on('end', open);
    });
    req.on('error', () => {});
    req.end();
  };
  open();
}

/** One session echoing until `deadline`; latencies in ms go to `latencies`. */
async function session(transport, owner, other, deadline, latencies, n) {
  const base = `/echo/000/bench${process.pid}x${n}x${Math.random().toString(36).slice(2)}`;
  const opened = await post(owner, `${base}/xhr`);
  if (opened.body !== 'o\n') throw new Error(`open: ${opened.status} ${opened.body}`);
  let echoes = 0;
  if (transport === 'xhr-polling') {
    while (Date.now() < deadline) {
      const t0 = performance.now();
      const sent = await post(other, `${base}/xhr_send`, '["x"]');
      if (sent.status !== 204) throw new Error(`send: ${sent.status} ${sent.body}`);
      const polled = await post(other, `${base}/xhr`);
      if (polled.body !== 'a["x"]\n') throw new Error(`poll: ${polled.body}`);
      latencies.push(performance.now() - t0);
      echoes++;
    }
    return echoes;
  }
  let waiting = null;
  const stopped = () => Date.now() >= deadline;
  streamOn(other, `${base}/xhr_streaming`, () => waiting?.(), stopped);
  while (!stopped()) {
    const t0 = performance.now();
    const echoed = new Promise((resolve) => {
      waiting = resolve;
    });
    const sent = await post(other, `${base}/xhr_send`, '["x"]');
    if (sent.status !== 204) throw new Error(`send: ${sent.status} ${sent.body}`);
    await echoed;
    latencies.push(performance.now() - t0);
    echoes++;
  }
  // Closing the session ends its last stream.
  await post(owner, `${base}/xhr_send`, '["x"]').catch(() => {});
  return echoes;
}

async function row(name, transport, nodes, forwarded) {
  const [a, b] = nodes;
  const other = forwarded ? b : a;
  const cpuBefore = nodes.map((n) => cpuTimeUs(n.pid));
  const started = Date.now();
  const deadline = started + MEASURE_MS;
  const latencies = [];
  const counts = await Promise.all(
    Array.from({ length: SESSIONS }, (_, i) =>
      session(transport, a.port, other.port, deadline, latencies, i),
    ),
  );
  const elapsed = (Date.now() - started) / 1000;
  const echoes = counts.reduce((x, y) => x + y, 0);
  const cpuUs = nodes.reduce((sum, n, i) => sum + cpuTimeUs(n.pid) - cpuBefore[i], 0);
  return {
    name,
    rate: echoes / elapsed,
    cpuPerEcho: cpuUs / echoes,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

const redisPort = await freePort();
await start(
  'redis-server',
  ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
  /Ready to accept connections/,
);
const nodes = [];
for (let i = 0; i < 2; i++) {
  const { child, match } = await start(
    process.execPath,
    [
      `${root}examples/test-server.js`,
      '--port',
      '0',
      '--redis',
      `redis://127.0.0.1:${redisPort}`,
      '--any-node',
    ],
    /listening on http:\/\/[\d.]+:(\d+)/,
  );
  nodes.push({ pid: child.pid, port: Number(match[1]) });
}
// The subscribers connect right after the servers listen.
await new Promise((resolve) => setTimeout(resolve, 300));

const rows = [];
try {
  for (const transport of ['xhr-polling', 'xhr-streaming']) {
    rows.push(await row(`${transport} echo, direct`, transport, nodes, false));
    rows.push(await row(`${transport} echo, forwarded`, transport, nodes, true));
  }
} finally {
  agent.destroy();
  stopAll();
}

const fmt = (v, digits) => (v === null ? '-' : v.toFixed(digits));
console.log(
  `any-node mode, ${SESSIONS} sessions, ${MEASURE_MS} ms per row (CPU: both server processes)`,
);
console.log('| row | echoes/s | CPU µs/echo | p50 ms | p99 ms |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(
    `| ${r.name} | ${fmt(r.rate, 0)} | ${fmt(r.cpuPerEcho, 0)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} |`,
  );
}
for (let i = 0; i < rows.length; i += 2) {
  const [direct, forwarded] = [rows[i], rows[i + 1]];
  const cpuRatio = forwarded.cpuPerEcho / direct.cpuPerEcho;
  const addedP50 = forwarded.p50 - direct.p50;
  console.log(
    `${direct.name.split(' ')[0]}: forwarded CPU ${cpuRatio.toFixed(2)}x direct (target <= 2x), ` +
      `added p50 ${addedP50.toFixed(2)} ms (target <= 1 ms)`,
  );
}
process.exit(0);
