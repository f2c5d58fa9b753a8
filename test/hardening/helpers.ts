// Helpers only the hardening tests use: a SockJS server under /echo that
// closes gracefully, requests with a deadline, WebSocket frames written by
// hand and a TCP relay that can turn into a black hole. Starting servers,
// streams, raw sockets and timing come from the shared harness in test/helpers/.

import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import net from 'node:net';
import type {
  Connection,
  Http1Server,
  ServerOptions,
  SockJSServer,
} from '../../packages/server/src/index.js';
import {
  request as plainRequest,
  type Reply,
  type RequestOptions,
} from '../helpers/http-client.ts';
import { listen, stopHttp } from '../helpers/http-server.ts';
import { startSockjsServer } from '../helpers/sockjs-server.ts';

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
  const running = await startSockjsServer(options, [{ prefix: '/echo', app }]);
  const sockjs = running.sockjs[0]!;
  return {
    http: running.http,
    sockjs,
    port: running.port,
    connections: running.connections,
    connection: running.connection,
    async stop() {
      await sockjs.close(1001, 'Server shutting down', 500);
      await stopHttp(running.http);
    },
  };
}

let sessionCounter = 0;
/** A fresh session id, unique in this process. */
export function newSessionId(): string {
  return `h${process.pid}x${++sessionCounter}x${randomBytes(3).toString('hex')}`;
}

/** One HTTP request on its own connection; fails when no answer came within 5 s (or `timeout`). */
export function request(port: number, path: string, opts: RequestOptions = {}): Promise<Reply> {
  return plainRequest(port, path, { ...opts, timeout: opts.timeout ?? 5000 });
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
    this.port = await listen(this.server);
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
