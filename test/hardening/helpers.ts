// Helpers for the hardening tests: a SockJS server on 127.0.0.1, HTTP
// exchanges with a deadline, streams read as they arrive, raw sockets and a
// TCP relay that can turn into a black hole.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import {
  type Connection,
  createHttp1Server,
  createServer,
  type Http1Server,
  type ServerOptions,
  type SockJSServer,
} from '../../packages/server/src/index.js';
import {
  HTTP1,
  type RequestOptions as PlainRequestOptions,
  request as plainRequest,
  type Reply,
  stopHttp,
  trackSockets,
} from '../../packages/server/test/support.js';

export interface Harness {
  readonly http: http.Server | Http1Server;
  readonly sockjs: SockJSServer;
  readonly port: number;
  /** Connections the server emitted, in order. */
  readonly connections: Connection[];
  /** Resolves with the connection of session `id` once it opens. */
  connection(id: string, ms?: number): Promise<Connection>;
  stop(): Promise<void>;
}

export type App = (conn: Connection) => void;

export const echoApp: App = (conn) => conn.on('data', (m) => conn.write(m));

/** A SockJS server under `/echo` on an ephemeral loopback port. */
export async function startHarness(options: ServerOptions = {}, app = echoApp): Promise<Harness> {
  // SOCKJS_TEST_HTTP1=1: on our own HTTP/1.1 layer (see support.ts).
  const server: http.Server | Http1Server = HTTP1 ? createHttp1Server() : http.createServer();
  server.removeAllListeners('request');
  server.on('request', (_req: unknown, res: http.ServerResponse) => {
    res.writeHead(404);
    res.end();
  });
  trackSockets(server);
  const sockjs = createServer(options);
  const connections: Connection[] = [];
  const waiting = new Map<string, (c: Connection) => void>();
  sockjs.on('connection', (conn) => {
    connections.push(conn);
    app(conn);
    waiting.get(conn.id)?.(conn);
  });
  sockjs.installHandlers(server, { prefix: '/echo' });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    http: server,
    sockjs,
    port,
    connections,
    connection(id, ms = 5000) {
      const known = connections.find((c) => c.id === id);
      if (known) return Promise.resolve(known);
      return withDeadline(
        new Promise<Connection>((resolve) => waiting.set(id, resolve)),
        ms,
        `connection ${id}`,
      );
    },
    async stop() {
      await sockjs.close(1001, 'Server shutting down', 500);
      await stopHttp(server);
    },
  };
}

/** Rejects when `promise` has not settled within `ms`. */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits until `check()` holds, polling every 20 ms, or fails after `ms`. */
export async function eventually(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

let sessionCounter = 0;
/** A fresh session id, unique in this process. */
export function newSessionId(): string {
  return `h${process.pid}x${++sessionCounter}x${randomBytes(3).toString('hex')}`;
}

// Plain HTTP requests, streams read as they arrive and raw sockets are the
// server tests' own helpers; requests here also get a deadline.
export { RawSocket, type Reply, Stream } from '../../packages/server/test/support.js';

export interface RequestOptions extends PlainRequestOptions {
  /** Fail when no complete answer arrived within this many ms. */
  timeout?: number;
}

/** One HTTP request on its own connection; resolves with the whole answer. */
export function request(port: number, path: string, opts: RequestOptions = {}): Promise<Reply> {
  return withDeadline(
    plainRequest(port, path, opts),
    opts.timeout ?? 5000,
    `${opts.method ?? 'GET'} ${path}`,
  );
}

/** The start of an RFC 6455 handshake for a raw socket. */
export function upgradeRequest(path: string, extra: Record<string, string> = {}): string {
  const headers = {
    Host: '127.0.0.1',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
    'Sec-WebSocket-Version': '13',
    ...extra,
  };
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
  return `GET ${path} HTTP/1.1\r\n${lines.join('')}\r\n`;
}

/** A masked client WebSocket frame (RFC 6455). */
export function clientFrame(opcode: number, payload: Buffer, fin = true): Buffer {
  const mask = randomBytes(4);
  const len = payload.length;
  const head =
    len < 126
      ? Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | len])
      : len < 65536
        ? Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | 126, len >> 8, len & 255])
        : Buffer.concat([
            Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | 127]),
            (() => {
              const b = Buffer.alloc(8);
              b.writeBigUInt64BE(BigInt(len));
              return b;
            })(),
          ]);
  const masked = Buffer.from(payload);
  for (let i = 0; i < masked.length; i++) masked[i]! ^= mask[i & 3]!;
  return Buffer.concat([head, mask, masked]);
}

/**
 * A TCP relay between a client and the server. `blackHole()` makes it a
 * peer that vanished without a FIN: nothing is forwarded or read any more in
 * either direction, and both sockets stay open.
 */
export class Relay {
  readonly server: net.Server;
  port = 0;
  private readonly pairs: [net.Socket, net.Socket][] = [];

  constructor(targetPort: number) {
    this.server = net.createServer((client) => {
      const upstream = net.connect(targetPort, '127.0.0.1');
      client.on('error', () => {});
      upstream.on('error', () => {});
      client.on('data', (c: Buffer) => upstream.write(c));
      upstream.on('data', (c: Buffer) => client.write(c));
      client.on('end', () => upstream.end());
      upstream.on('end', () => client.end());
      this.pairs.push([client, upstream]);
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  blackHole(): void {
    for (const pair of this.pairs) {
      for (const socket of pair) {
        socket.removeAllListeners('data');
        socket.removeAllListeners('end');
        socket.pause();
      }
    }
  }

  close(): void {
    for (const pair of this.pairs) for (const socket of pair) socket.destroy();
    this.server.close();
  }
}
