#!/usr/bin/env node
// The load generator of the any-node rows (issue 15; run.js starts it pinned
// to the load core, as it does load.js, and drives it with the same
// commands): SockJS sessions on two any-node processes, each opened by a
// poll on its owner, ports[i % 2]. Direct: every later request (sends,
// polls, streams) goes to the owner too. Forwarded: every later request goes
// to the other process, which forwards it to the owner through Redis. load.js
// cannot do this: its sessions send every request to one server.
//
//   config: { transport: 'xhr-polling' | 'xhr-streaming', forwarded, host,
//             ports: [a, b], prefix, sessions, size, localAddresses }
//   commands: start | mark | stop | exit (see load.js)
//   answers:  {type:'ready', opened, failed, stopReason, firstError},
//             {type:'result', count, errors, firstError, cpuUs, latencies,
//              latenciesByServer: [latencies]}
//
// Each session keeps one message in flight (the echo mode of load.js): the
// next goes when the last came back, timed from send to echo.

import { createInterface } from 'node:readline';
import { closeAll, request } from './lib/http-client.js';
import { Reservoir } from './lib/stats.js';

const config = JSON.parse(process.argv[2]);
const targets = config.ports.map((port) => ({ host: config.host, port }));
const payload = 'x'.repeat(config.size);

let running = false;
let counted = 0;
let errors = 0;
let firstError = null;
let latencies = new Reservoir(20_000);
let cpuAtMark = process.cpuUsage();
let sequence = 0;

function reply(message) {
  process.stdout.write(JSON.stringify(message) + '\n');
}

function noteError(err) {
  errors += 1;
  firstError ??= err.message;
}

/** The messages of an `a[...]` frame; null for `o`, `h` and the prelude; throws on `c[...]`. */
function messagesOf(frame) {
  if (frame.startsWith('a')) return JSON.parse(frame.slice(1));
  if (frame.startsWith('c')) throw new Error(`closed by server ${frame}`);
  return null;
}

class Session {
  constructor(i) {
    this.owner = targets[i % targets.length];
    this.via = config.forwarded ? targets[(i + 1) % targets.length] : this.owner;
    this.address = config.localAddresses[i % config.localAddresses.length];
    this.base = `${config.prefix}/000/${process.pid.toString(36)}x${i.toString(36)}`;
    this.closed = false;
    this.sentAt = 0;
    this.sending = false;
    this.next = null;
  }

  post(target, transport, body, onChunk, done) {
    return request(target, this.address, 'POST', `${this.base}/${transport}`, body, onChunk, done);
  }

  /** Opens the session with a poll on its owner. */
  open() {
    return new Promise((resolve, reject) => {
      this.post(this.owner, 'xhr', null, null, (err, status, body) => {
        if (err !== null) reject(err);
        else if (body !== 'o\n') reject(new Error(`open answered ${status} ${body}`));
        else resolve();
      });
    });
  }

  fail(err) {
    if (this.closed) return;
    this.closed = true;
    this.receiving?.destroy();
    noteError(err);
  }

  frame(text) {
    let messages;
    try {
      messages = messagesOf(text);
    } catch (err) {
      this.fail(err);
      return;
    }
    if (messages === null) return;
    const now = performance.now();
    for (const _ of messages) {
      counted += 1;
      latencies.add(now - this.sentAt);
    }
    if (running) this.echoNext();
  }

  /** One receiving request on `via` after another, until the session fails. */
  receive() {
    if (this.closed) return;
    const streaming = config.transport === 'xhr-streaming';
    let buffered = '';
    const onChunk = (chunk) => {
      buffered += chunk;
      if (!streaming) return;
      for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        this.frame(line);
      }
    };
    const transport = streaming ? 'xhr_streaming' : 'xhr';
    this.receiving = this.post(this.via, transport, null, onChunk, (err, status) => {
      if (err !== null) return this.fail(err);
      if (status !== 200) return this.fail(new Error(`${transport} answered ${status}`));
      // A poll's one frame; a stream ended by response_limit.
      if (!streaming) this.frame(buffered.trimEnd());
      this.receive();
    });
  }

  /**
   * Sends the next message, timed from now. An echo may come back before
   * the send's own answer; then the next send waits for that answer, as a
   * client's does (one send in flight per session).
   */
  echoNext() {
    if (this.closed) return;
    sequence += 1;
    const tag = sequence.toString(36);
    this.sentAt = performance.now();
    this.next = `["${tag}${payload.slice(tag.length)}"]`;
    if (!this.sending) this.send();
  }

  send() {
    const body = this.next;
    this.next = null;
    this.sending = true;
    this.post(this.via, 'xhr_send', body, null, (err, status) => {
      this.sending = false;
      if (err !== null) this.fail(err);
      else if (status !== 204) this.fail(new Error(`xhr_send answered ${status}`));
      else if (this.next !== null && !this.closed) this.send();
    });
  }
}

const sessions = [];

async function openSessions() {
  const outcomes = await Promise.allSettled(
    Array.from({ length: config.sessions }, async (_, i) => {
      const s = new Session(i);
      await s.open();
      s.receive();
      sessions.push(s);
    }),
  );
  const failed = outcomes.filter((o) => o.status === 'rejected');
  for (const f of failed) noteError(f.reason);
  return {
    opened: sessions.length,
    failed: failed.length,
    stopReason: failed.length === 0 ? null : `${failed.length} opens failed`,
  };
}

function exit() {
  running = false;
  for (const s of sessions) s.closed = true;
  closeAll();
  setTimeout(() => process.exit(0), 200).unref();
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line === 'start') {
    running = true;
    for (const s of sessions) s.echoNext();
  } else if (line === 'mark') {
    counted = 0;
    errors = 0;
    firstError = null;
    latencies = new Reservoir(20_000);
    cpuAtMark = process.cpuUsage();
  } else if (line === 'stop') {
    running = false;
    const cpu = process.cpuUsage(cpuAtMark);
    const cpuUs = cpu.user + cpu.system;
    // As load.js answers for the cluster rows (run.js's measureCluster),
    // with no near or far: every latency here is a session's own.
    const values = latencies.values();
    reply({
      type: 'result',
      count: counted,
      errors,
      firstError,
      cpuUs,
      latencies: values,
      latenciesByServer: [values],
    });
  } else if (line === 'exit') {
    exit();
  }
});
lines.on('close', exit);

openSessions().then((outcome) => reply({ type: 'ready', ...outcome, firstError }));
