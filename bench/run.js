#!/usr/bin/env node
// The benchmark orchestrator: starts each contender server pinned to core 0
// and load generators (load.js) pinned to core 1, measures the contenders of
// a scenario alternately (A B A B ...), and prints a Markdown table with
// server CPU per operation as a ratio to the first contender (our server).
//
// usage: node bench/run.js [--quick] [--json FILE] [--only REGEX]
//                          [--contenders a,b] [--rounds N] [--measure-ms N]
//                          [--max] [--cpu-prof DIR] [--baseline DIR]
//                          [--members N] [--ceiling N] [--node-args 'FLAGS']

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { cpuTimeUs, fdLimits, memory, openFds } from './lib/proc.js';
import { median, percentile } from './lib/stats.js';

const here = dirname(new URL(import.meta.url).pathname);
const USAGE = `usage: npm run bench -- [--quick] [--json FILE] [--only REGEX] [--contenders a,b]
                        [--rounds N] [--measure-ms N] [--max] [--cpu-prof DIR]
                        [--baseline DIR] [--members N] [--ceiling N] [--node-args 'FLAGS']
(see bench/README.md)`;
/** Stops with the usage for an option value the run cannot use. */
function badOption(message) {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}
let args;
try {
  ({ values: args } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'string' },
      only: { type: 'string' },
      contenders: { type: 'string' },
      rounds: { type: 'string' },
      'measure-ms': { type: 'string' },
      max: { type: 'boolean' },
      'cpu-prof': { type: 'string' },
      baseline: { type: 'string' },
      members: { type: 'string' },
      ceiling: { type: 'string' },
      'node-args': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (err) {
  badOption(err.message);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const SERVER_CORE = '0';
const LOAD_CORE = '1';
// The load generator counts as the bottleneck above this share of its core.
const LOAD_BOUND = 0.9;
// Debian's Redis, for the cluster rows; it runs on the load core.
const REDIS_SERVER = '/usr/bin/redis-server';

// ---------------------------------------------------------------- contenders

const CONTENDERS = {
  'sockjs-ts': {
    script: 'servers/sockjs-ts.js',
    wire: 'sockjs',
    echo: '/echo',
    bcast: '/bcast',
    transports: [
      'websocket',
      'websocket-raw',
      'xhr-streaming',
      'eventsource',
      'xhr-polling',
      // The resume extension (docs/resume.md): ours only.
      'websocket-resume',
    ],
  },
  'sockjs-node': {
    script: 'servers/sockjs-node.cjs',
    wire: 'sockjs',
    echo: '/echo',
    bcast: '/bcast',
    transports: ['websocket', 'websocket-raw', 'xhr-streaming', 'eventsource', 'xhr-polling'],
  },
  'engine.io': {
    script: 'servers/engine-io.js',
    wire: 'engine.io',
    echo: '/echo.io',
    bcast: '/bcast.io',
    transports: ['websocket', 'xhr-polling'],
  },
  'plain-ws': {
    script: 'servers/plain-ws.js',
    wire: 'sockjs',
    echo: '/echo',
    bcast: '/bcast',
    transports: ['websocket', 'websocket-raw'],
  },
  'plain-http': {
    script: 'servers/plain-http.js',
    wire: 'sockjs',
    echo: '/echo',
    bcast: null,
    transports: ['xhr-streaming', 'eventsource', 'xhr-polling'],
  },
};
// Our server on its own HTTP/1.1 layer (createHttp1Server) instead of node:http.
CONTENDERS['sockjs-ts/http1'] = { ...CONTENDERS['sockjs-ts'], args: ['--http1'] };
// The cluster rows: two server processes and one Redis. `room` is the
// prefix where every session joins one room that each message is published
// to; `sockjs-ts` serves it too, as one process without Redis.
CONTENDERS['sockjs-ts'].room = '/room';
CONTENDERS['sockjs-ts+redis'] = {
  script: 'servers/sockjs-ts.js',
  wire: 'sockjs',
  room: '/room',
  processes: 2,
  redis: true,
  transports: ['websocket'],
};
CONTENDERS['socket.io+redis'] = {
  script: 'servers/socket-io.js',
  wire: 'socket.io',
  room: '/socket.io',
  processes: 2,
  redis: true,
  transports: ['websocket'],
};
// The any-node rows (issue 15), on our echo in servers/sockjs-ts-any-node.js.
// Two processes in any-node mode on one Redis, each session opened on its
// owner, then served there (direct) or with every later request on the
// other process, which forwards it (forwarded); any-node.js is their load
// generator. And two workers of node:cluster on one port in any-node mode
// against one ordinary process, with load.js, whose connections the cluster
// module hands to the workers in turn.
const ANY_NODE = {
  script: 'servers/sockjs-ts-any-node.js',
  wire: 'sockjs',
  echo: '/echo',
  anyNode: true,
};
for (const way of ['direct', 'forwarded']) {
  CONTENDERS[`any-node/${way}`] = {
    ...ANY_NODE,
    processes: 2,
    redis: true,
    generator: 'any-node.js',
    forwarded: way === 'forwarded',
    transports: ['xhr-polling', 'xhr-streaming'],
  };
}
CONTENDERS['one-process'] = { ...ANY_NODE, processes: 1, transports: ['websocket', 'xhr-polling'] };
CONTENDERS['cluster-2-workers'] = {
  ...ANY_NODE,
  processes: 1,
  workers: 2,
  redis: true,
  transports: ['websocket', 'xhr-polling'],
};
// --baseline DIR: the same two servers built from another checkout (another
// commit, after `npm ci && npm run build` there), measured in the same run.
if (args.baseline !== undefined) {
  const from = resolve(args.baseline, 'packages/server/dist/index.js');
  if (!existsSync(from))
    badOption(`--baseline: ${from} does not exist (build that checkout first)`);
  CONTENDERS.base = { ...CONTENDERS['sockjs-ts'], args: ['--from', from] };
  CONTENDERS['base/http1'] = { ...CONTENDERS['sockjs-ts'], args: ['--from', from, '--http1'] };
}
const CONTENDER_ORDER = [
  'sockjs-ts',
  'sockjs-ts/http1',
  ...(args.baseline === undefined ? [] : ['base', 'base/http1']),
  'sockjs-node',
  'engine.io',
  'plain-ws',
  'plain-http',
  'sockjs-ts+redis',
  'socket.io+redis',
  'any-node/direct',
  'any-node/forwarded',
  'one-process',
  'cluster-2-workers',
];
/** Our contenders: targets are checked for each. */
const OURS = ['sockjs-ts', 'sockjs-ts/http1'];
if (args.baseline !== undefined) OURS.push('base', 'base/http1');

// ---------------------------------------------------------------- scenarios

const quick = args.quick;
const timing = {
  warmupMs: quick ? 500 : 1000,
  measureMs: Number(args['measure-ms'] ?? (quick ? 2000 : 3000)),
};
const rounds = Number(args.rounds ?? (quick ? 1 : 2));
if (!Number.isInteger(rounds) || rounds < 1) badOption(`--rounds wants a whole number ≥ 1`);
if (!(timing.measureMs >= 100)) badOption(`--measure-ms wants a number of milliseconds ≥ 100`);
// The cluster rows' sizes: members of the fan-out, sessions of the ceiling.
const clusterMembers = Number(args.members ?? 1000);
const ceilingSessions = Number(args.ceiling ?? 39_000);
if (!Number.isInteger(clusterMembers) || clusterMembers < 2)
  badOption(`--members wants a whole number ≥ 2`);
if (!Number.isInteger(ceilingSessions) || ceilingSessions < 8)
  badOption(`--ceiling wants a whole number ≥ 8`);
for (const id of args.contenders?.split(',') ?? []) {
  if (!CONTENDER_ORDER.includes(id))
    badOption(`unknown contender '${id}' (known: ${CONTENDER_ORDER.join(', ')})`);
}
if (args.only !== undefined) {
  try {
    new RegExp(args.only);
  } catch (err) {
    badOption(`--only: ${err.message}`);
  }
}

function scenarios() {
  const all = scenarios.all();
  const only = args.only === undefined ? null : new RegExp(args.only);
  return all.filter((s) => only === null || only.test(s.name));
}

/** Every scenario of this kind of run (--quick or not), before --only. */
scenarios.all = () => {
  const list = [];
  const echoTransports = [
    'websocket',
    'websocket-raw',
    'xhr-streaming',
    'eventsource',
    'xhr-polling',
  ];
  const counts = quick ? [100] : [1, 100, 1000];
  const sizes = [32, 4096];
  for (const transport of echoTransports) {
    for (const sessions of counts) {
      for (const size of sizes) {
        if (quick && size === 4096 && transport !== 'websocket') continue;
        list.push({
          name: `echo ${transport} ${sizeLabel(size)} × ${sessions}`,
          mode: 'echo',
          transport,
          sessions,
          size,
          generators: 1,
          unit: 'msg/s',
        });
      }
    }
  }
  for (const transport of ['websocket', 'xhr-polling']) {
    list.push({
      name: `setup ${transport}`,
      mode: 'setup',
      transport,
      sessions: 20,
      size: 32,
      generators: 1,
      unit: 'sess/s',
    });
  }
  const idle = quick ? 2000 : 10_000;
  for (const transport of ['websocket', 'xhr-streaming']) {
    list.push({
      name: `idle ${transport} × ${idle}`,
      mode: 'idle',
      transport,
      sessions: idle,
      size: 32,
      generators: 2,
      unit: 'sess',
    });
  }
  // The resume extension (docs/resume.md): what a session costs while it is
  // held for its resume window after its transport dropped. Each resumable
  // websocket session gets three messages echoed (which the server keeps,
  // unconfirmed), then the load generator destroys its socket; the memory is
  // read while the server holds them all.
  list.push({
    name: `resume held websocket × ${idle}`,
    mode: 'resume-held',
    transport: 'websocket-resume',
    sessions: idle,
    size: 32,
    generators: 2,
    unit: 'sess',
    only: ['sockjs-ts', 'sockjs-ts/http1'],
  });
  list.push({
    name: 'fan-out websocket 4 KiB × 1000',
    mode: 'fanout',
    transport: 'websocket',
    sessions: 1000,
    size: 4096,
    generators: 1,
    unit: 'deliv/s',
  });
  // The same broadcast with its members spread evenly over two processes
  // that share one Redis, sent on the first; beside it, our one process
  // (channel API, no broker) for the cost of going through Redis.
  list.push({
    name: `cluster fan-out 4 KiB × ${clusterMembers}`,
    mode: 'fanout',
    cluster: true,
    transport: 'websocket',
    sessions: clusterMembers,
    size: 4096,
    generators: 1,
    unit: 'deliv/s',
    only: ['sockjs-ts+redis', 'socket.io+redis', 'sockjs-ts'],
  });
  if (args.max ?? !quick) {
    list.push({
      name: 'max websocket sessions',
      mode: 'hold',
      transport: 'websocket',
      // More than the server's 20,000 descriptors allow, so the limit shows.
      sessions: 22_000,
      size: 32,
      generators: 4,
      unit: 'sess',
      only: ['sockjs-ts'],
    });
    // Two processes hold what one cannot (each has 20,000 descriptors), and
    // one publish reaches them all.
    list.push({
      name: `cluster ceiling websocket sessions × ${ceilingSessions}`,
      mode: 'hold',
      cluster: true,
      transport: 'websocket',
      sessions: ceilingSessions,
      size: 32,
      generators: 4,
      unit: 'sess',
      only: ['sockjs-ts+redis'],
    });
  }
  // Open loop: the same rows at a fixed offered rate, a share of the rate
  // sockjs-node saturates at in the same run (see offeredRate()).
  const openRows = [
    ['websocket', 32, 100],
    ['websocket', 4096, 100],
    ['xhr-streaming', 32, 100],
    ['eventsource', 32, 100],
    ['xhr-polling', 32, 100],
  ];
  for (const share of quick ? [0.6] : [0.25, 0.6]) {
    for (const [transport, size, sessions] of openRows) {
      list.push({
        name: `open ${share * 100}% echo ${transport} ${sizeLabel(size)} × ${sessions}`,
        saturated: `echo ${transport} ${sizeLabel(size)} × ${sessions}`,
        share,
        mode: 'open',
        transport,
        sessions,
        size,
        generators: 1,
        unit: 'msg/s',
      });
    }
    list.push({
      name: `open ${share * 100}% fan-out websocket 4 KiB × 1000`,
      saturated: 'fan-out websocket 4 KiB × 1000',
      share,
      mode: 'open-fanout',
      transport: 'websocket',
      sessions: 1000,
      size: 4096,
      generators: 1,
      unit: 'deliv/s',
    });
    // The cluster fan-out below saturation, where publish-to-delivery
    // latency means something: a share of Socket.IO's saturated rate.
    list.push({
      name: `open ${share * 100}% cluster fan-out 4 KiB × ${clusterMembers}`,
      saturated: `cluster fan-out 4 KiB × ${clusterMembers}`,
      rateAnchor: 'socket.io+redis',
      share,
      mode: 'open-fanout',
      cluster: true,
      transport: 'websocket',
      sessions: clusterMembers,
      size: 4096,
      generators: 1,
      unit: 'deliv/s',
      only: ['sockjs-ts+redis', 'socket.io+redis', 'sockjs-ts'],
    });
  }
  // The any-node rows: one session for the latency forwarding adds (at
  // saturation latency is queueing, which grows with CPU per message), 20
  // for CPU per message under load; then the cluster module's workers.
  for (const transport of ['xhr-polling', 'xhr-streaming']) {
    for (const sessions of [1, 20]) {
      list.push({
        name: `any-node echo ${transport} 32 B × ${sessions}`,
        mode: 'echo',
        cluster: true,
        anyNode: true,
        transport,
        sessions,
        size: 32,
        generators: 1,
        unit: 'msg/s',
        only: ['any-node/direct', 'any-node/forwarded'],
      });
    }
  }
  for (const transport of ['websocket', 'xhr-polling']) {
    list.push({
      name: `any-node workers echo ${transport} 32 B × 100`,
      mode: 'echo',
      cluster: true,
      anyNode: true,
      transport,
      sessions: 100,
      size: 32,
      generators: 1,
      unit: 'msg/s',
      only: ['one-process', 'cluster-2-workers'],
    });
  }
  return list;
};

/** The anchor whose saturated rate sets the open-loop rows' offered rate. */
const RATE_ANCHOR = 'sockjs-node';

/**
 * The offered rate of an open-loop scenario: its share of the rate sockjs-node
 * (the cluster rows: socket.io+redis) reached on the saturated scenario of the
 * same run, measured now (one round) if that scenario was not part of the
 * run. Fan-out rates count broadcasts, not deliveries.
 */
async function offeredRate(scenario, results) {
  const anchor = scenario.rateAnchor ?? RATE_ANCHOR;
  let row = results
    .find((g) => g.name === scenario.saturated)
    ?.rows.find((r) => r.server === anchor);
  if (row === undefined) {
    const saturated = scenarios.all().find((s) => s.name === scenario.saturated);
    row = saturated.cluster
      ? await measureCluster(saturated, anchor)
      : await measure(saturated, anchor);
    results.push({ ...saturated, rows: [combine([row])], calibration: true });
  }
  const perSecond = scenario.mode === 'open-fanout' ? row.rate / row.opened : row.rate;
  return perSecond * scenario.share;
}

function sizeLabel(size) {
  return size >= 1024 ? `${size / 1024} KiB` : `${size} B`;
}

/** The contenders of a scenario, in the order of its `only` list if it has one. */
function contendersFor(scenario) {
  const picked = args.contenders?.split(',') ?? CONTENDER_ORDER;
  return (scenario.only ?? CONTENDER_ORDER).filter(
    (id) =>
      picked.includes(id) &&
      CONTENDERS[id].transports.includes(scenario.transport) &&
      // Two-process contenders run the cluster rows only.
      (scenario.cluster === true || CONTENDERS[id].processes === undefined) &&
      // The any-node contenders run their own rows only.
      scenario.anyNode === CONTENDERS[id].anyNode,
  );
}

// ---------------------------------------------------------------- children

const children = new Set();

/** Starts node pinned to a core, with the soft fd limit raised to the hard one. */
function spawnPinned(core, nodeArgs) {
  const child = spawn(
    'taskset',
    [
      '-c',
      core,
      'bash',
      '-c',
      'ulimit -n $(ulimit -Hn); exec "$@"',
      'bash',
      process.execPath,
      ...nodeArgs,
    ],
    { cwd: here, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  children.add(child);
  child.messages = [];
  child.waiters = [];
  child.exited = new Promise((resolve) => child.on('exit', resolve));
  child.on('exit', () => children.delete(child));
  child.stdin.on('error', () => {});
  createInterface({ input: child.stdout }).on('line', (line) => {
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      console.error(`[${child.pid}] ${line}`);
      return;
    }
    child.messages.push(message);
    for (const w of [...child.waiters]) w();
  });
  return child;
}

/** Waits for (and consumes) the next message of `type` from a child. */
function nextMessage(child, type, timeoutMs) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const i = child.messages.findIndex((m) => m.type === type);
      if (i === -1) return false;
      const [message] = child.messages.splice(i, 1);
      done();
      resolve(message);
      return true;
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no '${type}' from process ${child.pid} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onExit = () => {
      done();
      reject(new Error(`process ${child.pid} exited before '${type}'`));
    };
    const done = () => {
      clearTimeout(timer);
      child.waiters = child.waiters.filter((w) => w !== check);
      child.off('exit', onExit);
    };
    child.on('exit', onExit);
    child.waiters.push(check);
    check();
  });
}

function command(child, line) {
  if (child.stdin.writable) child.stdin.write(line + '\n');
}

/** Asks a child to leave (stdin closed), then kills it if it has not within `graceMs`. */
async function stop(child, graceMs = 3000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.stdin.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
}

/** Redis's directories, removed when its measurement ends or the run does. */
const redisDirs = new Set();

function killAll() {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of redisDirs) rmSync(dir, { recursive: true, force: true });
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- one measurement

/** Loopback source addresses for generator `g`: 127.0.0.(10 + 8g) and the seven after. */
function sourceAddresses(g) {
  const list = [];
  for (let i = 0; i < 8; i++) list.push(`127.0.0.${10 + g * 8 + i}`);
  return list;
}

async function startServer(id, extraArgs = []) {
  const nodeArgs = ['--expose-gc'];
  // Node flags for every server, e.g. --trace-gc-nvp: what a server prints
  // that is not one of its JSON lines reaches stderr with its pid in front.
  if (args['node-args'] !== undefined)
    nodeArgs.push(...args['node-args'].split(/\s+/).filter(Boolean));
  if (args['cpu-prof'] !== undefined) {
    // One folder per contender (sockjs-ts/http1 in sockjs-ts-http1), so the
    // anchors' profiles sit beside ours.
    const dir = resolve(args['cpu-prof'], id.replace(/[^\w.-]/g, '-'));
    mkdirSync(dir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
  }
  const server = spawnPinned(SERVER_CORE, [
    ...nodeArgs,
    CONTENDERS[id].script,
    '--port',
    '0',
    ...(CONTENDERS[id].args ?? []),
    ...extraArgs,
  ]);
  const ready = await nextMessage(server, 'ready', 10_000);
  // A server of node:cluster workers names them: its CPU is theirs too.
  return {
    child: server,
    pid: server.pid,
    port: ready.port,
    pids: [server.pid, ...(ready.workers ?? [])],
  };
}

/** RSS, V8 heap and external memory of the server after a full collection. */
async function serverMemoryAfterGc(server) {
  command(server.child, 'gc');
  const { heapUsed, external } = await nextMessage(server.child, 'gc-done', 10_000);
  await sleep(300);
  return { rss: memory(server.pid).rss, heap: heapUsed + external };
}

async function measure(scenario, id, rate) {
  const contender = CONTENDERS[id];
  const server = await startServer(id);
  const generators = [];
  try {
    const holds = ['idle', 'hold', 'resume-held'].includes(scenario.mode);
    const baseline = holds ? await serverMemoryAfterGc(server) : null;
    const broadcasts = ['fanout', 'hold', 'open-fanout'].includes(scenario.mode);
    const prefix = broadcasts ? contender.bcast : contender.echo;
    const perGenerator = Math.ceil(scenario.sessions / scenario.generators);
    const openTimeoutMs = scenario.mode === 'hold' ? 90_000 : 45_000;
    for (let g = 0; g < scenario.generators; g++) {
      const config = {
        wire: contender.wire,
        transport: scenario.transport,
        host: '127.0.0.1',
        port: server.port,
        prefix,
        sessions: scenario.mode === 'setup' ? scenario.sessions : perGenerator,
        size: scenario.size,
        mode: scenario.mode,
        localAddresses: sourceAddresses(g),
        openConcurrency: scenario.mode === 'hold' ? 100 : 200,
        openTimeoutMs,
        rate: rate === undefined ? undefined : rate / scenario.generators,
      };
      generators.push(spawnPinned(LOAD_CORE, ['load.js', JSON.stringify(config)]));
    }
    const ready = await Promise.all(
      generators.map((g) => nextMessage(g, 'ready', openTimeoutMs + 15_000)),
    );
    const opened = ready.reduce((sum, r) => sum + r.opened, 0);
    const openFailure = ready.find((r) => r.stopReason !== null);
    const row = { scenario: scenario.name, server: id, opened };
    if (openFailure !== undefined) row.stopReason = openFailure.stopReason;

    if (holds) {
      const after = await serverMemoryAfterGc(server);
      row.rssPerSession = opened > 0 ? (after.rss - baseline.rss) / opened : null;
      // The part of it that is JavaScript objects (V8 heap plus external).
      row.heapPerSession = opened > 0 ? (after.heap - baseline.heap) / opened : null;
    }
    if (scenario.mode === 'idle' || scenario.mode === 'resume-held') {
      row.rate = opened;
    } else {
      if (scenario.mode === 'hold') {
        row.serverFds = openFds(server.pid);
        row.serverFdLimit = fdLimits(server.pid);
      }
      for (const g of generators) command(g, 'start');
      await sleep(scenario.mode === 'hold' ? 200 : timing.warmupMs);
      for (const g of generators) command(g, 'mark');
      const cpu0 = cpuTimeUs(server.pid);
      const t0 = performance.now();
      if (scenario.mode === 'hold') {
        command(generators[0], 'broadcast');
        await sleep(3000);
      } else {
        await sleep(timing.measureMs);
      }
      const cpu1 = cpuTimeUs(server.pid);
      const t1 = performance.now();
      for (const g of generators) command(g, 'stop');
      const results = await Promise.all(generators.map((g) => nextMessage(g, 'result', 10_000)));
      const count = results.reduce((sum, r) => sum + r.count, 0);
      const latencies = results.flatMap((r) => r.latencies);
      const windowUs = (t1 - t0) * 1000;
      row.count = count;
      row.rate = scenario.mode === 'hold' ? count : count / ((t1 - t0) / 1000);
      row.p50 = percentile(latencies, 50);
      row.p99 = percentile(latencies, 99);
      row.p999 = percentile(latencies, 99.9);
      if (rate !== undefined) row.offered = scenario.mode === 'open-fanout' ? rate * opened : rate;
      row.cpuPerOp = count > 0 ? (cpu1 - cpu0) / count : null;
      row.serverCpuShare = (cpu1 - cpu0) / windowUs;
      row.loadCpuShare = results.reduce((sum, r) => sum + r.cpuUs, 0) / windowUs;
      row.errors = results.reduce((sum, r) => sum + r.errors, 0);
      row.firstError = results.find((r) => r.firstError !== null)?.firstError ?? null;
      if (scenario.mode === 'open') row.slow = slowAnswers(results);
    }
    row.peakRss = memory(server.pid).hwm;
    return row;
  } finally {
    for (const g of generators) command(g, 'exit');
    await Promise.all(generators.map((g) => stop(g, 2000)));
    await stop(server.child, 5000);
  }
}

// ---------------------------------------------------------------- the cluster rows

/** A free TCP port on 127.0.0.1 (free when asked: Redis is told to take it next). */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts Debian's redis-server on a free loopback port, pinned to the load
 * core, without persistence, in a directory of its own; resolves once it
 * accepts connections. Three tries, should another process take the port first.
 */
async function startRedis() {
  let lastError = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'bench-redis-'));
    redisDirs.add(dir);
    const child = spawn(
      'taskset',
      [
        '-c',
        LOAD_CORE,
        REDIS_SERVER,
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.add(child);
    child.exited = new Promise((resolve) => child.on('exit', resolve));
    child.on('exit', () => children.delete(child));
    const redis = { child, pid: child.pid, port, dir };
    try {
      await new Promise((resolve, reject) => {
        let output = '';
        const timer = setTimeout(() => reject(new Error('redis-server not ready in 10 s')), 10_000);
        const onData = (chunk) => {
          output += chunk;
          if (output.includes('Ready to accept connections')) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
        child.on('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`redis-server exited (${code}): ${output.trim().split('\n').at(-1)}`));
        });
      });
      // Nothing reads its log from here on.
      child.stdout.resume();
      child.stderr.resume();
      return redis;
    } catch (err) {
      lastError = err;
      await stopRedis(redis);
    }
  }
  throw lastError;
}

/** Stops Redis by its pid (SIGTERM, then SIGKILL after 3 s) and removes its directory. */
async function stopRedis(redis) {
  const { child } = redis;
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await child.exited;
    clearTimeout(timer);
  }
  rmSync(redis.dir, { recursive: true, force: true });
  redisDirs.delete(redis.dir);
}

const sumOf = (values) => values.reduce((sum, v) => sum + v, 0);

/**
 * One measurement of a cluster row: Redis (if the contender uses it), the
 * contender's processes, all on the server core, and load generators whose
 * sessions alternate between the processes. Broadcasts are sent on the
 * first process; server CPU is summed over the processes, Redis's is kept
 * apart, and latencies are split into near (members on the first process)
 * and far (on the second).
 */
async function measureCluster(scenario, id, rate) {
  const contender = CONTENDERS[id];
  const servers = [];
  const generators = [];
  let redis = null;
  try {
    if (contender.redis) redis = await startRedis();
    const extraArgs = ['--room'];
    if (redis !== null) extraArgs.push('--redis', `redis://127.0.0.1:${redis.port}`);
    if (contender.workers !== undefined) extraArgs.push('--workers', String(contender.workers));
    for (let p = 0; p < (contender.processes ?? 1); p++) {
      servers.push(await startServer(id, extraArgs));
    }
    const holds = scenario.mode === 'hold';
    const perGenerator = Math.ceil(scenario.sessions / scenario.generators);
    // Two processes take longer to fill than one (max run: 90 s for 22,000).
    const openTimeoutMs = holds ? 180_000 : 45_000;
    for (let g = 0; g < scenario.generators; g++) {
      const config = {
        wire: contender.wire,
        transport: scenario.transport,
        host: '127.0.0.1',
        port: servers[0].port,
        ports: servers.map((s) => s.port),
        prefix: scenario.anyNode ? contender.echo : contender.room,
        forwarded: contender.forwarded,
        sessions: perGenerator,
        size: scenario.size,
        mode: scenario.mode,
        localAddresses: sourceAddresses(g),
        openConcurrency: holds ? 100 : 200,
        openTimeoutMs,
        rate: rate === undefined ? undefined : rate / scenario.generators,
      };
      const generator = contender.generator ?? 'load.js';
      generators.push(spawnPinned(LOAD_CORE, [generator, JSON.stringify(config)]));
    }
    const ready = await Promise.all(
      generators.map((g) => nextMessage(g, 'ready', openTimeoutMs + 15_000)),
    );
    const opened = sumOf(ready.map((r) => r.opened));
    const openFailure = ready.find((r) => r.stopReason !== null);
    const row = { scenario: scenario.name, server: id, opened, processes: servers.length };
    if (contender.workers !== undefined) row.workers = contender.workers;
    if (openFailure !== undefined) row.stopReason = openFailure.stopReason;
    if (holds) {
      row.serverFds = servers.map((s) => openFds(s.pid));
      row.serverFdLimit = fdLimits(servers[0].pid);
    }
    const serverCpu = () => sumOf(servers.flatMap((s) => s.pids).map(cpuTimeUs));
    for (const g of generators) command(g, 'start');
    await sleep(holds ? 200 : timing.warmupMs);
    for (const g of generators) command(g, 'mark');
    const cpu0 = serverCpu();
    const redis0 = redis === null ? 0 : cpuTimeUs(redis.pid);
    const t0 = performance.now();
    if (holds) {
      command(generators[0], 'broadcast');
      await sleep(5000);
    } else {
      await sleep(timing.measureMs);
    }
    const cpu1 = serverCpu();
    const redis1 = redis === null ? 0 : cpuTimeUs(redis.pid);
    const t1 = performance.now();
    for (const g of generators) command(g, 'stop');
    const results = await Promise.all(generators.map((g) => nextMessage(g, 'result', 10_000)));
    const count = sumOf(results.map((r) => r.count));
    const windowUs = (t1 - t0) * 1000;
    const near = results.flatMap((r) => r.latenciesByServer[0] ?? []);
    const far = results.flatMap((r) => r.latenciesByServer[1] ?? []);
    // load.js keeps echo latencies whole, any-node.js too: no near and far.
    const latencies = scenario.anyNode ? results.flatMap((r) => r.latencies) : [...near, ...far];
    row.count = count;
    row.rate = holds ? count : count / ((t1 - t0) / 1000);
    row.p50 = percentile(latencies, 50);
    row.p99 = percentile(latencies, 99);
    row.p999 = percentile(latencies, 99.9);
    // The any-node rows have no near and far process: every session is alike.
    if (!scenario.anyNode) {
      row.p99Near = percentile(near, 99);
      row.p99Far = percentile(far, 99);
    }
    if (rate !== undefined) row.offered = rate * opened;
    row.cpuPerOp = count > 0 ? (cpu1 - cpu0) / count : null;
    row.serverCpuShare = (cpu1 - cpu0) / windowUs;
    if (redis !== null) {
      row.redisCpuPerOp = count > 0 ? (redis1 - redis0) / count : null;
      row.redisCpuShare = (redis1 - redis0) / windowUs;
    }
    row.loadCpuShare = sumOf(results.map((r) => r.cpuUs)) / windowUs;
    row.errors = sumOf(results.map((r) => r.errors));
    row.firstError = results.find((r) => r.firstError !== null)?.firstError ?? null;
    row.peakRss = Math.max(...servers.map((s) => memory(s.pid).hwm));
    return row;
  } finally {
    for (const g of generators) command(g, 'exit');
    await Promise.all(generators.map((g) => stop(g, 2000)));
    await Promise.all(servers.map((s) => stop(s.child, 5000)));
    if (redis !== null) await stopRedis(redis);
  }
}

// ---------------------------------------------------------------- aggregation and output

/** The open-loop answers of all generators that came 20 ms or more late, and over what span. */
function slowAnswers(results) {
  const spans = results.map((r) => r.slow).filter((s) => s !== undefined && s.count > 0);
  if (spans.length === 0) return { count: 0 };
  return {
    count: spans.reduce((sum, s) => sum + s.count, 0),
    fromMs: Math.min(...spans.map((s) => s.fromMs)),
    toMs: Math.max(...spans.map((s) => s.toMs)),
    sessions: spans.reduce((sum, s) => sum + s.sessions, 0),
  };
}

/** Combines the rounds of one contender: medians of the figures, the largest peak RSS. */
function combine(rows) {
  const first = rows[0];
  const pick = (key) => median(rows.map((r) => r[key] ?? null));
  return {
    ...first,
    rounds: rows.length,
    rate: pick('rate'),
    p50: pick('p50'),
    p99: pick('p99'),
    p999: pick('p999'),
    cpuPerOp: pick('cpuPerOp'),
    rssPerSession: first.rssPerSession === undefined ? undefined : pick('rssPerSession'),
    heapPerSession: first.heapPerSession === undefined ? undefined : pick('heapPerSession'),
    loadCpuShare: pick('loadCpuShare'),
    serverCpuShare: pick('serverCpuShare'),
    peakRss: Math.max(...rows.map((r) => r.peakRss ?? 0)),
    ...(first.processes === undefined
      ? {}
      : {
          p99Near: pick('p99Near'),
          p99Far: pick('p99Far'),
          redisCpuPerOp: pick('redisCpuPerOp'),
          redisCpuShare: pick('redisCpuShare'),
        }),
    errors: rows.reduce((sum, r) => sum + (r.errors ?? 0), 0),
    // Per round only (in the log): spans of different rounds do not add up.
    slow: undefined,
    raw: rows,
  };
}

const fmt = (v, digits = 1) => (v === null || v === undefined ? '–' : v.toFixed(digits));
const fmtRate = (v) => (v === null || v === undefined ? '–' : Math.round(v).toLocaleString('en'));

function notes(row) {
  const out = [];
  if (row.processes !== undefined) {
    out.push(
      row.workers === undefined
        ? `${row.processes} process${row.processes === 1 ? '' : 'es'}`
        : `${row.workers} workers of node:cluster (CPU: theirs and the primary's)`,
    );
    if (row.p99Near != null) out.push(`p99 near ${fmt(row.p99Near, 2)} ms`);
    if (row.p99Far != null) out.push(`p99 far ${fmt(row.p99Far, 2)} ms`);
    if (row.redisCpuPerOp != null) {
      out.push(
        `Redis apart: ${fmt(row.redisCpuPerOp, 2)} µs/op, ${Math.round(row.redisCpuShare * 100)}% of its core`,
      );
    }
  }
  if (row.heapPerSession !== undefined && row.heapPerSession !== null)
    out.push(`JS heap ${fmt(row.heapPerSession / 1024, 2)} KiB/session`);
  if (row.loadCpuShare !== undefined && row.loadCpuShare !== null && row.loadCpuShare > LOAD_BOUND)
    out.push(`load generator bound (${Math.round(row.loadCpuShare * 100)}% of its core)`);
  if (row.stopReason) out.push(`opened ${row.opened}: ${row.stopReason}`);
  if (row.serverFds)
    out.push(`server fds ${[row.serverFds].flat().join(' + ')}/${row.serverFdLimit?.soft}`);
  if (row.offered !== undefined) {
    out.push(`offered ${fmtRate(row.offered)}/s`);
    // Answers short of what was offered: the server (or the generator) fell behind.
    if (row.rate < row.offered * 0.95) out.push('did not keep up');
  }
  if (row.slow?.count > 0) {
    out.push(
      `${row.slow.count} answers ≥ 20 ms late, ${fmt(row.slow.fromMs, 0)}-${fmt(row.slow.toMs, 0)} ms into the window, on ${row.slow.sessions} sessions`,
    );
  }
  if (row.errors > 0) out.push(`${row.errors} errors (${row.firstError})`);
  return out.join('; ');
}

function table(results) {
  const lines = [
    '| Scenario | Server | Rate | p50 ms | p99 ms | p99.9 ms | CPU µs/op | CPU ×first | Server busy | RSS/session KiB | Peak RSS MiB | Notes |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const group of results) {
    const base = group.rows[0];
    for (const row of group.rows) {
      const ratioKey = ['idle', 'resume-held'].includes(group.mode) ? 'rssPerSession' : 'cpuPerOp';
      const ratio =
        base[ratioKey] > 0 && row[ratioKey] !== null ? row[ratioKey] / base[ratioKey] : null;
      lines.push(
        `| ${group.name} | ${row.server} | ${fmtRate(row.rate)} ${group.unit} | ${fmt(row.p50, 2)} | ${fmt(row.p99, 2)} | ${fmt(row.p999, 2)} | ${fmt(row.cpuPerOp)} | ${fmt(ratio, 2)} | ${row.serverCpuShare == null ? '–' : `${Math.round(row.serverCpuShare * 100)} %`} | ${fmt(row.rssPerSession === undefined ? null : row.rssPerSession / 1024, 2)} | ${fmt(row.peakRss / 1048576, 0)} | ${notes(row)} |`,
      );
    }
  }
  return lines.join('\n');
}

// Targets: our figure divided by an anchor's, in the same run.
const TARGETS = [
  ['echo websocket 32 B × 100', 'plain-ws', 'cpuPerOp', 1.1],
  ['echo websocket 4 KiB × 100', 'sockjs-node', 'cpuPerOp', 0.5],
  ['echo websocket 4 KiB × 100', 'engine.io', 'cpuPerOp', 1],
  ['echo xhr-streaming 32 B × 100', 'sockjs-node', 'cpuPerOp', 0.5],
  ['echo eventsource 32 B × 100', 'sockjs-node', 'cpuPerOp', 0.5],
  ['echo xhr-polling 32 B × 100', 'sockjs-node', 'cpuPerOp', 0.5],
  ['echo xhr-polling 32 B × 100', 'engine.io', 'cpuPerOp', 1],
  ['fan-out websocket 4 KiB × 1000', 'plain-ws', 'cpuPerOp', 1.1],
  // On node:http the HTTP rows are bounded by node:http itself: ≤ 1.1× the
  // least a node:http server can do for them.
  ['echo xhr-streaming 32 B × 100', 'plain-http', 'cpuPerOp', 1.1],
  ['echo eventsource 32 B × 100', 'plain-http', 'cpuPerOp', 1.1],
  ['echo xhr-polling 32 B × 100', 'plain-http', 'cpuPerOp', 1.1],
];
/** The open-loop share at which the targets are checked too, with latency. */
const TARGET_SHARE = 0.6;

function targetLines(results) {
  const find = (name, server) =>
    results.find((g) => g.name === name)?.rows.find((r) => r.server === server);
  const lines = [
    '| Target | Ours | Anchor | Ratio | Limit | Met |',
    '|---|---:|---:|---:|---:|---|',
  ];
  const open = (name) => `open ${TARGET_SHARE * 100}% ${name}`;
  for (const id of OURS) {
    const who = id === 'sockjs-ts' ? '' : ` (${id})`;
    const checks = TARGETS.flatMap((t) => [t, [open(t[0]), ...t.slice(1)]]);
    for (const [name, anchor, key, limit] of checks) {
      const ours = find(name, id);
      const other = find(name, anchor);
      if (ours === undefined || other === undefined) continue;
      const ratio = ours[key] / other[key];
      const strict = limit === 1 ? '<' : '≤';
      const met = limit === 1 ? ratio < 1 : ratio <= limit;
      lines.push(
        `| ${name}${who}: CPU/op vs ${anchor} | ${fmt(ours[key])} µs | ${fmt(other[key])} µs | ${fmt(ratio, 2)}× | ${strict} ${limit}× | ${met ? 'yes' : 'no'} |`,
      );
    }
    // At the target share, tail latency no worse than the best anchor's.
    for (const group of results.filter((g) => g.share === TARGET_SHARE && !g.cluster)) {
      const ours = group.rows.find((r) => r.server === id);
      const anchors = group.rows.filter((r) => !OURS.includes(r.server) && r.p99 !== null);
      if (ours?.p99 == null || anchors.length === 0) continue;
      const best = anchors.reduce((a, b) => (b.p99 < a.p99 ? b : a));
      lines.push(
        `| ${group.name}${who}: p99 vs the best anchor's (${best.server}) | ${fmt(ours.p99, 2)} ms | ${fmt(best.p99, 2)} ms | ${fmt(ours.p99 / best.p99, 2)}× | ≤ 1× | ${ours.p99 <= best.p99 ? 'yes' : 'no'} |`,
      );
    }
    for (const transport of ['websocket', 'xhr-streaming']) {
      const group = results.find((g) => g.mode === 'idle' && g.transport === transport);
      const ours = group?.rows.find((r) => r.server === id);
      if (ours?.rssPerSession == null) continue;
      const kib = ours.rssPerSession / 1024;
      lines.push(
        `| ${group.name}${who}: RSS per session | ${fmt(kib, 2)} KiB | | | ≤ 8 KiB | ${kib <= 8 ? 'yes' : 'no'} |`,
      );
    }
    const max = results
      .find((g) => g.mode === 'hold' && !g.cluster)
      ?.rows.find((r) => r.server === id);
    if (max !== undefined) {
      const met = max.p99 !== null && max.p99 <= 1000 && max.count >= max.opened;
      lines.push(
        `| max websocket sessions${who}: broadcast to ${max.opened}, ${max.count} delivered | p99 ${fmt(max.p99, 0)} ms | | | ≤ 1000 ms | ${met ? 'yes' : 'no'} |`,
      );
      if (max.rssPerSession != null) {
        const kib = max.rssPerSession / 1024;
        lines.push(
          `| max websocket sessions${who}: RSS per session | ${fmt(kib, 2)} KiB | | | ≤ 8 KiB | ${kib <= 8 ? 'yes' : 'no'} |`,
        );
      }
    }
  }
  lines.push(...clusterTargetLines(results, find));
  lines.push(...anyNodeTargetLines(results));
  return lines.join('\n');
}

// The cluster targets (issue 14), for sockjs-ts+redis.
const CLUSTER = 'sockjs-ts+redis';
const CLUSTER_TARGETS = {
  /** CPU per delivery, both processes, against Socket.IO's with its Redis adapter. */
  vsSocketIo: 0.5,
  /** CPU per delivery against our one process broadcasting to as many members. */
  vsOneProcess: 1.3,
  /** p99 on the far process minus p99 on the near one, in ms. */
  farMinusNearMs: 2,
};

function clusterTargetLines(results, find) {
  const lines = [];
  const cpuLine = (what, ours, other, limit) => {
    const ratio = ours.cpuPerOp / other.cpuPerOp;
    lines.push(
      `| ${what} | ${fmt(ours.cpuPerOp)} µs | ${fmt(other.cpuPerOp)} µs | ${fmt(ratio, 2)}× | ≤ ${limit}× | ${ratio <= limit ? 'yes' : 'no'} |`,
    );
  };
  // CPU per delivery at saturation and at the target share of Socket.IO's
  // rate (not on a calibration row, which has Socket.IO's alone).
  const fanouts = results.filter(
    (g) => g.cluster && !g.calibration && (g.mode === 'fanout' || g.share === TARGET_SHARE),
  );
  for (const group of fanouts) {
    const ours = group.rows.find((r) => r.server === CLUSTER);
    if (ours?.cpuPerOp == null) continue;
    const socketIo = group.rows.find((r) => r.server === 'socket.io+redis');
    if (socketIo?.cpuPerOp != null)
      cpuLine(
        `${group.name}: CPU/delivery of both processes vs socket.io+redis`,
        ours,
        socketIo,
        CLUSTER_TARGETS.vsSocketIo,
      );
    const single = group.rows.find((r) => r.server === 'sockjs-ts');
    if (single?.cpuPerOp != null)
      cpuLine(
        `${group.name}: CPU/delivery vs our one process (sockjs-ts, same row)`,
        ours,
        single,
        CLUSTER_TARGETS.vsOneProcess,
      );
    // The plain fan-out row, when the run has it: the same size sent by a
    // loop over the members in the bench server instead of the channel API.
    const plain = find(group.name.replace('cluster fan-out', 'fan-out websocket'), 'sockjs-ts');
    if (plain?.cpuPerOp != null)
      cpuLine(
        `${group.name}: CPU/delivery vs ${plain.scenario} (sockjs-ts)`,
        ours,
        plain,
        CLUSTER_TARGETS.vsOneProcess,
      );
    // Latency below saturation only: at the closed-loop rate, deliveries
    // queue behind the previous broadcast's in the load generator.
    if (group.share === TARGET_SHARE && ours.p99Near != null && ours.p99Far != null) {
      const gap = ours.p99Far - ours.p99Near;
      const limit = CLUSTER_TARGETS.farMinusNearMs;
      lines.push(
        `| ${group.name}: p99 far minus p99 near | ${fmt(ours.p99Far, 2)} ms | ${fmt(ours.p99Near, 2)} ms | ${gap < 0 ? '' : '+'}${fmt(gap, 2)} ms | ≤ +${limit} ms | ${gap <= limit ? 'yes' : 'no'} |`,
      );
    }
  }
  const ceiling = results.find((g) => g.cluster && g.mode === 'hold');
  const held = ceiling?.rows.find((r) => r.server === CLUSTER);
  if (held !== undefined) {
    const met = held.opened >= ceiling.sessions && held.count >= held.opened;
    lines.push(
      `| ${ceiling.name}: ${held.opened} held by two processes, one publish, ${held.count} delivered | p99 ${fmt(held.p99, 0)} ms (near ${fmt(held.p99Near, 0)}, far ${fmt(held.p99Far, 0)}) | | | all ${ceiling.sessions} held and reached | ${met ? 'yes' : 'no'} |`,
    );
  }
  return lines;
}

// The any-node targets (issue 15): forwarded against direct on the same two
// processes, CPU per message summed over both (Redis apart) and the latency
// forwarding adds; the cluster module's workers against one process are
// reported with no limit (what the mode costs).
const ANY_NODE_TARGETS = { cpuRatio: 2, addedP50Ms: 1 };

function anyNodeTargetLines(results) {
  const lines = [];
  const pair = (group, first, second) => [
    group.rows.find((r) => r.server === first),
    group.rows.find((r) => r.server === second),
  ];
  for (const group of results.filter((g) => g.anyNode)) {
    const [direct, forwarded] = pair(group, 'any-node/direct', 'any-node/forwarded');
    if (direct?.cpuPerOp != null && forwarded?.cpuPerOp != null) {
      const ratio = forwarded.cpuPerOp / direct.cpuPerOp;
      const limit = ANY_NODE_TARGETS.cpuRatio;
      lines.push(
        `| ${group.name}: CPU/message forwarded vs direct (both processes) | ${fmt(forwarded.cpuPerOp)} µs | ${fmt(direct.cpuPerOp)} µs | ${fmt(ratio, 2)}× | ≤ ${limit}× | ${ratio <= limit ? 'yes' : 'no'} |`,
      );
    }
    // Latency only with one session: under load it is queueing behind CPU.
    if (group.sessions === 1 && direct?.p50 != null && forwarded?.p50 != null) {
      const added = forwarded.p50 - direct.p50;
      const addedP99 = forwarded.p99 - direct.p99;
      const signed = (ms) => `${ms < 0 ? '' : '+'}${fmt(ms, 2)} ms`;
      const limit = ANY_NODE_TARGETS.addedP50Ms;
      lines.push(
        `| ${group.name}: p50 added by forwarding | ${fmt(forwarded.p50, 2)} ms | ${fmt(direct.p50, 2)} ms | ${signed(added)} | ≤ +${limit} ms | ${added <= limit ? 'yes' : 'no'} |`,
        `| ${group.name}: p99 added by forwarding | ${fmt(forwarded.p99, 2)} ms | ${fmt(direct.p99, 2)} ms | ${signed(addedP99)} | – | – |`,
      );
    }
    const [single, workers] = pair(group, 'one-process', 'cluster-2-workers');
    if (single?.cpuPerOp != null && workers?.cpuPerOp != null) {
      lines.push(
        `| ${group.name}: 2 cluster workers vs one process, msg/s | ${fmtRate(workers.rate)} | ${fmtRate(single.rate)} | ${fmt(workers.rate / single.rate, 2)}× | – | – |`,
        `| ${group.name}: 2 cluster workers vs one process, CPU/message | ${fmt(workers.cpuPerOp)} µs | ${fmt(single.cpuPerOp)} µs | ${fmt(workers.cpuPerOp / single.cpuPerOp, 2)}× | – | – |`,
      );
    }
  }
  return lines;
}

// ---------------------------------------------------------------- main

async function main() {
  const list = scenarios();
  const started = Date.now();
  const results = [];
  console.error(
    `bench: ${list.length} scenarios, ${rounds} round(s), warm-up ${timing.warmupMs} ms, window ${timing.measureMs} ms`,
  );
  for (const scenario of list) {
    const ids = contendersFor(scenario);
    if (ids.length === 0) continue;
    let rate;
    if (scenario.share !== undefined) {
      try {
        rate = await offeredRate(scenario, results);
      } catch (err) {
        console.error(`  ${scenario.name} | no offered rate: ${err.message}`);
        continue;
      }
      console.error(`  ${scenario.name} | offered ${fmtRate(rate)}/s for every contender`);
    }
    const perContender = new Map(ids.map((id) => [id, []]));
    for (let round = 0; round < rounds; round++) {
      for (const id of ids) {
        try {
          const row = scenario.cluster
            ? await measureCluster(scenario, id, rate)
            : await measure(scenario, id, rate);
          perContender.get(id).push(row);
          console.error(
            `  ${scenario.name} | ${id} | ${fmtRate(row.rate)} ${scenario.unit} | cpu/op ${fmt(row.cpuPerOp)} µs${row.p99 == null ? '' : ` | p99 ${fmt(row.p99, 2)} ms`}${row.rssPerSession !== undefined ? ` | ${fmt(row.rssPerSession / 1024, 2)} KiB/session` : ''} ${notes(row)}`,
          );
        } catch (err) {
          console.error(`  ${scenario.name} | ${id} | failed: ${err.message}`);
        }
      }
    }
    const rows = ids
      .filter((id) => perContender.get(id).length > 0)
      .map((id) => combine(perContender.get(id)));
    if (rows.length > 0) results.push({ ...scenario, rows });
  }
  const command = `node bench/run.js ${process.argv.slice(2).join(' ')}`.trim();
  console.log(`Command: \`${command}\` (${Math.round((Date.now() - started) / 1000)} s)\n`);
  console.log(table(results));
  console.log('\nTargets (ratios within this run):\n');
  console.log(targetLines(results));
  if (args.json !== undefined) {
    const file = args.json;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(
      file,
      JSON.stringify({ command, date: new Date().toISOString(), timing, rounds, results }, null, 2),
    );
    console.error(`bench: raw results in ${resolve(file)}`);
  }
}

main().then(
  () => {
    killAll();
    process.exit(0);
  },
  (err) => {
    console.error(err);
    killAll();
    process.exit(1);
  },
);
