// A streaming response that really backs up, for the backpressure tests
// (transport-edges.test.ts, stall-timing.test.ts): a server whose sessions
// answer "burst" with 32 MiB in one frame (more than loopback socket buffers
// take while unread) and echo anything else as "echo:<message>", and an
// xhr-streaming client on a raw socket that can stop reading.

import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { listen, stopHttp, trackSockets } from '../../../test/helpers/http-server.ts';
import { type Connection, createServer } from '../src/index.js';
import { turnsUntil } from './resume-support.js';
import { post } from './support.js';

const MESSAGE = 'm'.repeat(64 * 1024);
const COUNT = 512;
/** The bytes of messages one burst sends. */
export const BURST_BYTES = COUNT * MESSAGE.length;

export interface BurstServer {
  readonly port: number;
  /** The connection of the session at `path` (`<prefix>/<server>/<id>`). */
  connection(path: string): Connection;
  stop(): Promise<void>;
}

/** Starts the burst server under `prefix`; no limit stops a burst. */
export async function startBurstServer(prefix: string): Promise<BurstServer> {
  const sockjs = createServer({ prefix, response_limit: 1 << 30, max_queue_size: 1 << 30 });
  const conns: Connection[] = [];
  sockjs.on('connection', (conn) => {
    conns.push(conn);
    conn.on('data', (m: string) => {
      if (m === 'burst') for (let i = 0; i < COUNT; i++) conn.write(MESSAGE);
      else conn.write(`echo:${m}`);
    });
  });
  const server = http.createServer();
  trackSockets(server);
  sockjs.installHandlers(server);
  const port = await listen(server);
  return {
    port,
    connection: (path) => {
      const conn = conns.find((c) => path.endsWith(`/${c.id}`));
      assert.ok(conn, `a connection for ${path}`);
      return conn;
    },
    stop: () => stopHttp(server, [sockjs]),
  };
}

/** An xhr-streaming client on a raw socket that can stop reading. */
export class StreamReader {
  readonly socket: net.Socket;
  /** The last 200 characters read (the raw socket sees the chunked encoding too). */
  tail = '';
  received = 0;

  constructor(port: number, path: string) {
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
 * Stops the reader, then has the session send a burst and `probe`, which
 * waits in the session behind the backlog: the response is backed up.
 * Waits by turns of the event loop, so it works on a mocked clock too.
 */
export async function backUp(
  server: BurstServer,
  path: string,
  reader: StreamReader,
  probe: string,
): Promise<void> {
  reader.socket.pause();
  assert.equal((await post(server.port, `${path}/xhr_send`, '["burst"]')).status, 204);
  assert.equal((await post(server.port, `${path}/xhr_send`, JSON.stringify([probe]))).status, 204);
  await turnsUntil(
    () => server.connection(path).writableLength === 1,
    'the probe queued behind the backlog',
  );
}
