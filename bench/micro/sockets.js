// What goes to `ws` for each socket, as WireCache hands it out
// (packages/server/src/wire-cache.ts), against the plain string:
//
// - echo frames: a lone message a SockJS websocket client sent goes back as
//   `a` and the bytes it came in, cut from a slab, one Buffer for every
//   socket, instead of the string frame that ws encodes again;
// - the slab: a frame's memory cut from a 64 KiB slab against an allocation
//   of its own (the comment quotes 5 % of the server's time in the 4 KiB
//   websocket echo profile for the latter);
// - shared socket bytes: a frame sent to many sockets goes out as one
//   Buffer from the second socket on, instead of being encoded into every
//   socket's write (4 KiB to 1,000 sockets is 4 MB of encoding); this is
//   measured on real loopback sockets, down to 64 B frames, which used to go
//   as strings (SHARE_FROM, 512 code units, removed);
// - raw websocket echo: a message goes back as the bytes it came in.
//
// Elsewhere each "socket" is a ws Sender writing to a stream that drops what
// it gets, so a string pays its byte length, then its encoding into the
// write (a Writable does it with Buffer.from, a real socket in C++).
//
// usage: npm run build && node bench/micro/sockets.js

import net from 'node:net';
import { Writable } from 'node:stream';
import { Sender } from 'ws';
import { Slab, WireCache } from '../../packages/server/dist/wire-cache.js';
import { compare, format, header } from './lib.js';

function socket() {
  const sink = new Writable({
    write(_chunk, _encoding, cb) {
      cb();
    },
    writev(_chunks, cb) {
      cb();
    },
  });
  return new Sender(sink);
}
const TEXT = { binary: false, fin: true, mask: false, compress: false };

header('websocket echo: a + the bytes it came in (slab) vs the string frame');
{
  const sender = socket();
  for (const [name, message] of [
    ['4 KiB ASCII', 'x'.repeat(4096)],
    ['4 KiB non-ASCII', 'é'.repeat(2048)],
    ['100 B ASCII', 'y'.repeat(100)],
  ]) {
    const payload = Buffer.from(`["${message}"]`);
    const cache = new WireCache();
    compare(
      name,
      [
        [
          'bytes',
          () => {
            cache.receivedPlain(message, payload);
            const frame = cache.echoFrame(message);
            sender.send(frame, TEXT);
            return frame;
          },
        ],
        [
          'string',
          () => {
            cache.receivedPlain(message, payload);
            const frame = cache.messageFrame([message]);
            cache.messageFrame(['next']);
            sender.send(frame, TEXT);
            return frame;
          },
        ],
      ],
      20_000,
    );
  }
}

header("an echo frame's memory: slab vs a Buffer of its own");
{
  const slab = new Slab();
  const payload = Buffer.from(`["${'x'.repeat(4096)}"]`);
  for (const size of [4099, 1000, 16_000]) {
    const bytes = payload.subarray(0, Math.min(size - 1, payload.length));
    compare(
      `${size} B`,
      [
        [
          'slab',
          () => {
            const frame = slab.take(bytes.length + 1);
            frame[0] = 0x61;
            bytes.copy(frame, 1);
            return frame;
          },
        ],
        [
          'allocUnsafeSlow',
          () => {
            const frame = Buffer.allocUnsafeSlow(bytes.length + 1);
            frame[0] = 0x61;
            bytes.copy(frame, 1);
            return frame;
          },
        ],
        [
          'allocUnsafe',
          () => {
            const frame = Buffer.allocUnsafe(bytes.length + 1);
            frame[0] = 0x61;
            bytes.copy(frame, 1);
            return frame;
          },
        ],
      ],
      20_000,
    );
  }
}

header('broadcast to 200 loopback sockets: one shared Buffer vs the string to each');
{
  // Real sockets here: on one, a short string is encoded in C++ into the
  // write, more cheaply than the Writable above does it.
  const server = net.createServer((c) => c.resume());
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const sockets = await Promise.all(
    Array.from(
      { length: 200 },
      () =>
        new Promise((resolve) => {
          const c = net.connect(port, '127.0.0.1', () => resolve(c));
        }),
    ),
  );
  const senders = sockets.map((c) => new Sender(c));
  const idle = () =>
    new Promise((resolve) => {
      const check = () =>
        sockets.every((c) => c.writableLength === 0) ? resolve() : setTimeout(check, 1);
      check();
    });
  /** Microseconds of one broadcast (the median of 151, each once the sockets are idle). */
  async function broadcast(send) {
    const rounds = [];
    for (let r = 0; r < 151; r++) {
      await idle();
      const start = process.hrtime.bigint();
      send();
      rounds.push(Number(process.hrtime.bigint() - start));
    }
    return rounds.sort((a, b) => a - b)[75];
  }
  for (const length of [4096, 512, 64]) {
    const cache = new WireCache();
    const frame = `a["${'z'.repeat(length - 5)}"]`;
    const shared = await broadcast(() => {
      for (const s of senders) s.send(cache.socketData(frame), TEXT);
      cache.socketData('next');
    });
    const string = await broadcast(() => {
      for (const s of senders) s.send(frame, TEXT);
    });
    console.log(
      `${length} B frame: shared ${format(shared)}, string ${format(string)} (${(string / shared).toFixed(1)}x)`,
    );
  }
  for (const c of sockets) c.destroy();
  server.close();
}

header('raw websocket echo: the bytes it came in vs the string');
{
  const sender = socket();
  for (const [name, message] of [
    ['4 KiB ASCII', 'x'.repeat(4096)],
    ['4 KiB non-ASCII', 'é'.repeat(2048)],
  ]) {
    const bytes = Buffer.from(message);
    const cache = new WireCache();
    compare(
      name,
      [
        [
          'bytes',
          () => {
            const text = bytes.toString('utf8');
            cache.receivedRaw(text, bytes);
            sender.send(cache.socketData(text), TEXT);
            return text;
          },
        ],
        [
          'string',
          () => {
            const text = bytes.toString('utf8');
            sender.send(text, TEXT);
            return text;
          },
        ],
      ],
      20_000,
    );
  }
}

header('one socket, distinct short frames: socketData vs the string as it is');
{
  const sender = socket();
  const cache = new WireCache();
  const frames = Array.from({ length: 1024 }, (_, i) => `a["message ${i}"]`);
  compare(
    '~16 B frames',
    [
      [
        'socketData',
        (i) => {
          const frame = frames[i & 1023];
          sender.send(cache.socketData(frame), TEXT);
          return frame;
        },
      ],
      [
        'string',
        (i) => {
          const frame = frames[i & 1023];
          sender.send(frame, TEXT);
          return frame;
        },
      ],
    ],
    20_000,
  );
}
