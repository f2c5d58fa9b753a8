#!/usr/bin/env node
// What conn.write() costs per message now that Connection is a stream.Duplex,
// on a real session: a real http.Server, our SockJS server, and a real
// websocket client (ws) that reads everything it is sent.
//
// usage: npm run build && node bench/micro/connection-write.js [--messages N] [--rounds R]
//
// Four ways to write the same message to the same open session, interleaved
// round by round so that drift on a busy machine hits them alike:
//   conn.write       what applications call: Connection's own write(), which
//                    goes straight to the session's queue
//   conn.send        the legacy alias
//   Writable.write   the full Node stream machinery (Writable.prototype.write,
//                    which buffers and calls _write): what write() would cost
//                    if Connection kept Node's Writable path
//   plain wrapper    what write() was before the Duplex: an EventEmitter
//                    subclass whose write() calls session.write()
// Only the synchronous write loop is timed; the flush that follows (framing,
// the socket write) is the same for all four and happens between batches.
//
// It also prints the heap one idle Connection-shaped object costs with the
// Duplex base against an EventEmitter base.
//
// The numbers are per-message nanoseconds on whatever else the machine is
// doing: compare the rows of one run, not runs on different machines.

import { EventEmitter, once } from 'node:events';
import http from 'node:http';
import { Duplex, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { createServer } from '../../packages/server/dist/index.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '5' },
    batch: { type: 'string', default: '100' },
  },
});
const MESSAGES = Number(values.messages);
const ROUNDS = Number(values.rounds);
const BATCH = Number(values.batch);
const MESSAGE = 'x'.repeat(32);

/** The pre-Duplex Connection's write path, around the same session. */
class PlainConnection extends EventEmitter {
  constructor(session) {
    super();
    this.session = session;
  }
  write(message) {
    return this.session.write(typeof message === 'string' ? message : String(message));
  }
}

const sockjs = createServer({
  prefix: '/bench',
  high_water_mark: 1 << 30,
  max_queue_size: 1 << 30,
});
const opened = once(sockjs, 'connection');
const server = http.createServer();
sockjs.installHandlers(server);
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
const client = new WebSocket(`ws://127.0.0.1:${port}/bench/000/micro/websocket`);
let received = 0;
client.on('message', () => received++);
const [conn] = await opened;
const plain = new PlainConnection(conn.session);
const streamWrite = Writable.prototype.write;

const ways = {
  'conn.write': (m) => conn.write(m),
  'conn.send': (m) => conn.send(m),
  'Writable.write': (m) => streamWrite.call(conn, m),
  'plain wrapper': (m) => plain.write(m),
};
const spent = Object.fromEntries(Object.keys(ways).map((k) => [k, []]));
const tick = () => new Promise((resolve) => setImmediate(resolve));

async function measure(write) {
  let ns = 0n;
  for (let sent = 0; sent < MESSAGES; sent += BATCH) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < BATCH; i++) write(MESSAGE);
    ns += process.hrtime.bigint() - t0;
    await tick();
  }
  return Number(ns) / MESSAGES;
}

// Warm-up: let every path be optimised before anything counts.
for (const write of Object.values(ways)) await measure(write);
for (let round = 0; round < ROUNDS; round++) {
  const order = Object.keys(ways);
  if (round % 2 === 1) order.reverse();
  for (const name of order) spent[name].push(await measure(ways[name]));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `${MESSAGES} messages of ${MESSAGE.length} chars per round, batches of ${BATCH}, ${ROUNDS} rounds`,
);
console.log('write path          median ns/msg   rounds');
for (const [name, xs] of Object.entries(spent)) {
  console.log(
    `${name.padEnd(20)}${median(xs).toFixed(1).padStart(13)}   ${xs.map((x) => x.toFixed(1)).join(' ')}`,
  );
}

// Heap per idle object: the Duplex base (with Connection's options) against EventEmitter.
function heapPer(make, n = 20_000) {
  globalThis.gc?.();
  const before = process.memoryUsage().heapUsed;
  const keep = new Array(n);
  for (let i = 0; i < n; i++) keep[i] = make();
  globalThis.gc?.();
  const bytes = (process.memoryUsage().heapUsed - before) / n;
  keep.length = 0;
  return bytes;
}
const duplexOptions = {
  readableObjectMode: true,
  writableObjectMode: true,
  decodeStrings: false,
  emitClose: false,
  autoDestroy: false,
};
const eeBytes = heapPer(() => new EventEmitter());
const duplexBytes = heapPer(() => {
  const d = new Duplex(duplexOptions);
  d.prependListener('close', () => {});
  return d;
});
console.log(
  `heap per idle base object: EventEmitter ${eeBytes.toFixed(0)} B, Duplex ${duplexBytes.toFixed(0)} B` +
    `${globalThis.gc ? '' : ' (run with --expose-gc for steadier numbers)'}`,
);

client.close();
await sockjs.close();
server.close();
console.error(`(client received ${received} frames)`);
