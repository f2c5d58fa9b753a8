// A streaming response whose client has stopped reading is cut once it has
// not drained for a whole heartbeat interval: at the second heartbeat that
// finds it backed up, never at the first (a client that is merely slow keeps
// its session), and a response that drained in between starts counting
// again. On a mocked clock (MockTimers for setTimeout and Date, as in
// timers.test.ts) over real sockets: the backlog is real, time moves only
// when the test ticks it.

import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, mock, test } from 'node:test';
import { listen, stopHttp, trackSockets } from '../../../test/helpers/http-server.ts';
import { type Connection, createServer, type SockJSServer } from '../src/index.js';
import { post, sessionPath } from './support.js';

const HEARTBEAT = 25_000;
const MESSAGE = 'm'.repeat(64 * 1024);
// 32 MiB in one frame: more than loopback socket buffers take while unread.
const COUNT = 512;

let sockjs: SockJSServer;
let server: http.Server;
let port: number;
const conns: Connection[] = [];

before(async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  sockjs = createServer({
    prefix: '/stall',
    response_limit: 1 << 30,
    max_queue_size: 1 << 30,
  });
  sockjs.on('connection', (conn) => {
    conns.push(conn);
    conn.on('data', (m: string) => {
      if (m === 'burst') for (let i = 0; i < COUNT; i++) conn.write(MESSAGE);
      else conn.write(`echo:${m}`);
    });
  });
  server = http.createServer();
  trackSockets(server);
  sockjs.installHandlers(server);
  port = await listen(server);
});
after(async () => {
  mock.timers.reset();
  await stopHttp(server, [sockjs]);
});

/** Waits (in real time, a turn of the event loop at a time) until `check` holds. */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let turns = 0; !check(); turns++) {
    assert.ok(turns < 200_000, `never: ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** An xhr-streaming client on a raw socket that can stop reading. */
class Reader {
  readonly socket: net.Socket;
  tail = '';
  received = 0;
  constructor(path: string) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('error', () => {});
    this.socket.on('data', (chunk: Buffer) => {
      this.received += chunk.length;
      this.tail = (this.tail + chunk.toString('latin1')).slice(-200);
    });
    this.socket.write(
      `POST ${path}/xhr_streaming HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`,
    );
  }
}

/**
 * Stops the reader, then has the server send 32 MiB and one more message,
 * which waits in the session: the response is backed up.
 */
async function backUp(
  path: string,
  reader: Reader,
  conn: () => Connection,
  probe: string,
): Promise<void> {
  reader.socket.pause();
  assert.equal((await post(port, `${path}/xhr_send`, '["burst"]')).status, 204);
  assert.equal((await post(port, `${path}/xhr_send`, JSON.stringify([probe]))).status, 204);
  await until(() => conn().writableLength === 1, 'the probe queued behind the backlog');
}

describe('a backed-up streaming response and the heartbeat', () => {
  test('the first heartbeat that finds it backed up leaves it; the second cuts it', async () => {
    const path = sessionPath('/stall');
    const reader = new Reader(path);
    await until(() => reader.tail.includes('\no\n'), 'the open frame');
    const conn = () => conns.find((c) => path.endsWith(c.id))!;
    await backUp(path, reader, conn, 'probe');
    mock.timers.tick(HEARTBEAT);
    await turns(20); // a cut would close the response within a turn or two
    assert.equal(conn().readyState, 1, 'open after one heartbeat backed up');
    mock.timers.tick(HEARTBEAT);
    // Cut: the session loses its receiver and leaves OPEN (1002, as a lost stream).
    await until(() => conn().readyState !== 1, 'closed at the second');
    reader.socket.destroy();
  });

  test('a response that drained between two heartbeats starts counting again', async () => {
    const path = sessionPath('/stall');
    const reader = new Reader(path);
    await until(() => reader.tail.includes('\no\n'), 'the open frame');
    const conn = () => conns.find((c) => path.endsWith(c.id))!;
    await backUp(path, reader, conn, 'first');
    mock.timers.tick(HEARTBEAT); // backed up once
    reader.socket.resume();
    await until(() => reader.tail.includes('a["echo:first"]\n'), 'the backlog read');
    mock.timers.tick(HEARTBEAT); // drained: a heartbeat frame goes out
    await until(() => reader.tail.includes('\nh\n'), 'the heartbeat frame');
    await backUp(path, reader, conn, 'second');
    mock.timers.tick(HEARTBEAT); // backed up once again: not yet cut
    reader.socket.resume();
    await until(() => reader.tail.includes('a["echo:second"]\n'), 'the second backlog read');
    assert.equal(conn().readyState, 1, 'open after one heartbeat backed up again');
    reader.socket.destroy();
  });
});
