#!/usr/bin/env node
// One load-generator process. The orchestrator (run.js) starts it pinned to
// the load core with a JSON config as argv[2], then drives it with one
// command per stdin line; it answers with one JSON object per stdout line.
//
//   config: { wire, transport, host, port, ports, prefix, sessions, size,
//             mode, localAddresses, openConcurrency, openTimeoutMs, rate }
//   `ports` (optional, the cluster rows): the servers' ports; session i
//   goes to ports[i % ports.length], broadcasts are sent by a session of the
//   first, and delivery latencies are also kept per server (near = the
//   first, far = the others).
//   modes:  echo    every session keeps one message in flight, round trips timed
//           open    open loop: `rate` messages a second across the sessions,
//                   sent on schedule whatever the answers, each timed from
//                   the moment it was due (so a late send shows as latency)
//           setup   `sessions` loops of open, one echo, close
//           idle    open the sessions and hold them
//           fanout  one session sends, every session (this process) receives;
//                   the next broadcast goes when all got the last one
//           hold    like idle; the `broadcast` command sends one message that
//                   every process times on arrival (for the max-sessions run)
//           open-fanout  open loop: one session sends `rate` broadcasts a
//                   second on schedule, every session times each delivery
//                   from the moment its broadcast was due
//           resume-held  (transport websocket-resume) each session sends
//                   three messages and waits for their echo, which the
//                   server keeps unconfirmed; then every socket is
//                   destroyed, and `ready` comes once the server has had a
//                   moment to see them go: it holds the sessions for its
//                   resume window
//   commands: start | mark | broadcast | stop | exit
//   answers:  {type:'ready', opened, failed, firstError}, {type:'result', ...}

import { createInterface } from 'node:readline';
import { closeHttp, sessionClass } from './lib/clients.js';
import { Reservoir } from './lib/stats.js';

const config = JSON.parse(process.argv[2]);
const Session = sessionClass(config.wire, config.transport);
const ports = config.ports ?? [config.port];
const targets = ports.map((port) => ({ host: config.host, port, prefix: config.prefix }));
const addresses = config.localAddresses;
// Every message is this payload with a base-36 tag or a time stamp in front:
// printable ASCII without quotes or backslashes, which the SockJS session
// classes rely on to skip JSON encoding (see lib/clients.js).
const payload = 'x'.repeat(config.size);

function reply(message) {
  process.stdout.write(JSON.stringify(message) + '\n');
}

function now() {
  return performance.timeOrigin + performance.now();
}

// Counters for the measured window, reset by `mark`.
let running = false;
let counted = 0;
let errors = 0;
let firstError = null;
let latencies = new Reservoir(20_000);
let latenciesByServer = ports.map(() => new Reservoir(20_000));
let cpuAtMark = process.cpuUsage();
let timeAtMark = now();
// Open loop: the answers that came SLOW_MS or more after they were due, and
// when (ms after the mark) and on which sessions, so that a tail made by one
// stall of the whole process (every session, one short span) can be told
// from one spread over the window or over a few connections.
const SLOW_MS = 20;
const noSlowAnswers = () => ({ count: 0, fromMs: null, toMs: null, sessions: new Set() });
let slow = noSlowAnswers();

function noteError(err) {
  errors += 1;
  if (firstError === null) firstError = err?.code ?? err?.message ?? String(err);
}

const sessions = [];

/** Opens `count` sessions, `openConcurrency` at a time, stopping early after repeated failures. */
async function openSessions(count) {
  let next = 0;
  let failed = 0;
  let consecutiveFailures = 0;
  const deadline = Date.now() + config.openTimeoutMs;
  async function worker() {
    while (next < count && consecutiveFailures < 50 && Date.now() < deadline) {
      const i = next++;
      const server = i % targets.length;
      const s = new Session(targets[server], addresses[i % addresses.length]);
      s.server = server;
      try {
        await s.open();
        sessions.push(s);
        consecutiveFailures = 0;
      } catch (err) {
        failed += 1;
        consecutiveFailures += 1;
        noteError(err);
      }
    }
  }
  const workers = [];
  for (let i = 0; i < Math.min(config.openConcurrency, count); i++) workers.push(worker());
  await Promise.all(workers);
  let stopReason = null;
  if (sessions.length < count) {
    stopReason =
      consecutiveFailures >= 50
        ? `50 opens failed in a row (first error: ${firstError})`
        : `open time limit (${config.openTimeoutMs} ms) reached`;
  }
  return { opened: sessions.length, failed, stopReason };
}

// ---------------------------------------------------------------- echo

// Every echoed message differs from the one before (a counter up front), as
// an application's would: a server may not profit from repeating itself.
let sequence = 0;
function echoPayload() {
  sequence += 1;
  const tag = sequence.toString(36);
  return tag + payload.slice(tag.length);
}

function startEcho() {
  for (const s of sessions) {
    let sentAt = 0;
    s.onmessage = () => {
      const t = now();
      counted += 1;
      latencies.add(t - sentAt);
      if (!running || s.closed) return;
      sentAt = t;
      s.send(echoPayload());
    };
    s.onclose = (reason) => noteError(new Error(reason));
    sentAt = now();
    s.send(echoPayload());
  }
}

// ---------------------------------------------------------------- setup

async function setupLoop() {
  while (running) {
    const started = now();
    const s = new Session(targets[0], addresses[Math.floor(Math.random() * addresses.length)]);
    try {
      await s.open();
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('echo timed out')), 10_000);
        s.onmessage = () => {
          clearTimeout(timer);
          resolve();
        };
        s.onclose = (reason) => {
          clearTimeout(timer);
          reject(new Error(reason));
        };
        s.send(payload);
      });
      counted += 1;
      latencies.add(now() - started);
    } catch (err) {
      noteError(err);
      // Do not spin on a refusing server.
      await new Promise((r) => setTimeout(r, 10));
    } finally {
      s.close();
    }
  }
}

// ---------------------------------------------------------------- broadcasts

/** Messages carry their send (or due) time so that any process can time the delivery. */
function stampedPayload(at = now()) {
  const stamp = at.toFixed(3) + ' ';
  return stamp + payload.slice(stamp.length);
}

/** The session that sends broadcasts: the first one open on the first server. */
function publisher() {
  return sessions.find((s) => s.server === 0);
}

function listenForBroadcasts(onDelivery) {
  for (const s of sessions) {
    s.onmessage = (text) => {
      counted += 1;
      const latency = now() - Number(text.slice(0, text.indexOf(' ')));
      latencies.add(latency);
      latenciesByServer[s.server].add(latency);
      onDelivery?.();
    };
    s.onclose = (reason) => noteError(new Error(reason));
  }
}

function startFanout() {
  let pending = 0;
  let roundTimer = null;
  const from = publisher();
  const round = () => {
    clearTimeout(roundTimer);
    if (!running || from === undefined || from.closed) return;
    pending = sessions.length;
    // A lost delivery must not stall the run.
    roundTimer = setTimeout(round, 5_000);
    from.send(stampedPayload());
  };
  listenForBroadcasts(() => {
    pending -= 1;
    if (pending === 0) setImmediate(round);
  });
  round();
}

// ---------------------------------------------------------------- open loop

/**
 * Calls `send(dueAt)` `rate` times a second, on a schedule fixed at the start
 * (message k is due at start + k / rate), whatever happens to the answers. A
 * generator that falls behind sends what is due at once, with the time it
 * was due, so that its lateness counts as latency (no coordinated omission).
 */
function paced(rate, send) {
  const start = now();
  const interval = 1000 / rate;
  let sent = 0;
  const tick = () => {
    if (!running) return;
    const due = Math.floor((now() - start) / interval) + 1;
    // At most a second's worth at once: a generator that far behind is the
    // bottleneck, and its CPU share says so.
    for (let n = 0; sent < due && n < rate; n++, sent++) send(start + sent * interval);
    setTimeout(tick, Math.max(0, start + sent * interval - now()));
  };
  tick();
}

function startOpenEcho() {
  if (sessions.length === 0) return;
  for (const [index, s] of sessions.entries()) {
    s.onmessage = (text) => {
      counted += 1;
      const at = now();
      const latency = at - Number(text.slice(0, text.indexOf(' ')));
      latencies.add(latency);
      if (latency >= SLOW_MS) {
        slow.count += 1;
        slow.fromMs ??= at - timeAtMark;
        slow.toMs = at - timeAtMark;
        slow.sessions.add(index);
      }
    };
    s.onclose = (reason) => noteError(new Error(reason));
  }
  let next = 0;
  paced(config.rate, (dueAt) => {
    const s = sessions[next];
    next = (next + 1) % sessions.length;
    if (!s.closed) s.send(stampedPayload(dueAt));
  });
}

function startOpenFanout() {
  const from = publisher();
  if (from === undefined) return;
  listenForBroadcasts(null);
  paced(config.rate, (dueAt) => from.send(stampedPayload(dueAt)));
}

// ---------------------------------------------------------------- commands

function result() {
  const cpu = process.cpuUsage(cpuAtMark);
  return {
    type: 'result',
    count: counted,
    errors,
    firstError,
    windowMs: now() - timeAtMark,
    cpuUs: cpu.user + cpu.system,
    latencies: latencies.values(),
    latenciesByServer: latenciesByServer.map((r) => r.values()),
    sessions: sessions.length,
    slow: { ...slow, sessions: slow.sessions.size },
  };
}

const setupLoops = [];
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  switch (line) {
    case 'start':
      running = true;
      if (config.mode === 'echo') startEcho();
      else if (config.mode === 'setup')
        for (let i = 0; i < config.sessions; i++) setupLoops.push(setupLoop());
      else if (config.mode === 'fanout') startFanout();
      else if (config.mode === 'hold') listenForBroadcasts(null);
      else if (config.mode === 'open') startOpenEcho();
      else if (config.mode === 'open-fanout') startOpenFanout();
      return;
    case 'mark':
      counted = 0;
      errors = 0;
      firstError = null;
      latencies = new Reservoir(20_000);
      latenciesByServer = ports.map(() => new Reservoir(20_000));
      cpuAtMark = process.cpuUsage();
      timeAtMark = now();
      slow = noSlowAnswers();
      return;
    case 'broadcast':
      publisher()?.send(stampedPayload());
      return;
    case 'stop':
      running = false;
      reply(result());
      return;
    case 'exit':
      shutdown();
      return;
  }
});
lines.on('close', shutdown);

function shutdown() {
  running = false;
  for (const s of sessions) s.close();
  closeHttp();
  // Give close frames a moment, then leave whatever is still pending.
  setTimeout(() => process.exit(0), 200).unref();
}

process.on('uncaughtException', (err) => {
  noteError(err);
});

/** resume-held: three echoed messages per session, then every socket dropped. */
async function dropResumable() {
  const echoed = sessions.map(
    (s) =>
      new Promise((resolve) => {
        s.onmessage = resolve;
        s.onclose = resolve;
        s.sendBatch(0, 0, [`a${payload}`, `b${payload}`, `c${payload}`]);
      }),
  );
  await Promise.all(echoed);
  for (const s of sessions) s.drop();
  await new Promise((resolve) => setTimeout(resolve, 1000));
}

if (config.mode === 'setup') {
  reply({ type: 'ready', opened: 0, failed: 0, stopReason: null, firstError: null });
} else {
  openSessions(config.sessions).then(async (outcome) => {
    if (config.mode === 'resume-held') await dropResumable();
    reply({ type: 'ready', ...outcome, firstError });
  });
}
