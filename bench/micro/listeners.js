// Listeners shared by every emitter, which find their owner through a
// symbol-keyed property of the emitter (OwnerTag, packages/server/src/
// owner-tag.ts, used by the receivers and by InFlight; http1/connection.ts
// writes its own the same way), against a closure per listener per emitter.
// Measured: heap per socket with three listeners (close, error, message), as
// a websocket receiver attaches them; the time to attach them; the time to
// deliver one message event.
//
// usage: npm run build && node bench/micro/listeners.js

import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { OwnerTag } from '../../packages/server/dist/owner-tag.js';
import { compare, header } from './lib.js';

if (globalThis.gc === undefined) {
  const run = spawnSync(process.execPath, ['--expose-gc', ...process.argv.slice(1)], {
    stdio: 'inherit',
  });
  process.exit(run.status ?? 1);
}

const RECEIVER = Symbol('receiver');

class Receiver {
  constructor(socket) {
    this.socket = socket;
    this.gone = false;
    this.count = 0;
  }
  socketGone() {
    this.gone = true;
  }
  socketMessage() {
    this.count++;
  }
}

function onGone() {
  this[RECEIVER]?.socketGone();
}
function onMessage(data) {
  this[RECEIVER]?.socketMessage(data);
}

function tagged(socket) {
  const r = new Receiver(socket);
  socket[RECEIVER] = r;
  socket.on('close', onGone);
  socket.on('error', onGone);
  socket.on('message', onMessage);
  return r;
}

const receiverOf = new OwnerTag('receiver');
const onGoneTag = receiverOf.listener((r) => r.socketGone());
const onMessageTag = receiverOf.listener((r, _socket, data) => r.socketMessage(data));

function ownerTag(socket) {
  const r = new Receiver(socket);
  receiverOf.set(socket, r);
  socket.on('close', onGoneTag);
  socket.on('error', onGoneTag);
  socket.on('message', onMessageTag);
  return r;
}

function closures(socket) {
  const r = new Receiver(socket);
  socket.on('close', () => r.socketGone());
  socket.on('error', () => r.socketGone());
  socket.on('message', (data) => r.socketMessage(data));
  return r;
}

function bytesPerSocket(attach, count) {
  globalThis.gc();
  const before = process.memoryUsage().heapUsed;
  const kept = [];
  for (let i = 0; i < count; i++) {
    const socket = new EventEmitter();
    kept.push(attach(socket));
  }
  globalThis.gc();
  const after = process.memoryUsage().heapUsed;
  if (kept.length !== count) throw new Error('lost');
  return (after - before) / count;
}

header('heap per socket with three listeners: OwnerTag, hand-written tag, closures');
const COUNT = 100_000;
for (let round = 0; round < 3; round++) {
  const a = bytesPerSocket(ownerTag, COUNT);
  const b = bytesPerSocket(tagged, COUNT);
  const c = bytesPerSocket(closures, COUNT);
  console.log(
    `round ${round + 1}: OwnerTag ${a.toFixed(0)} B, hand-written ${b.toFixed(0)} B, closures ${c.toFixed(0)} B`,
  );
}

header('attaching three listeners to a new socket');
compare(
  'attach',
  [
    ['OwnerTag', () => [ownerTag(new EventEmitter())]],
    ['closures', () => [closures(new EventEmitter())]],
    ['hand-written', () => [tagged(new EventEmitter())]],
  ],
  50_000,
);

header('one message event delivered to its receiver');
{
  const sockets = [ownerTag, closures, tagged].map((attach) => {
    const socket = new EventEmitter();
    attach(socket);
    return socket;
  });
  const data = Buffer.from('x');
  compare(
    'emit',
    [
      ['OwnerTag', () => sockets[0].emit('message', data) && data],
      ['closures', () => sockets[1].emit('message', data) && data],
      ['hand-written', () => sockets[2].emit('message', data) && data],
    ],
    1_000_000,
  );
}
