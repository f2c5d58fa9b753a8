// Helpers for the server's integration tests: a real http.Server on
// 127.0.0.1 port 0, real HTTP requests, raw sockets and WebSockets. Starting
// servers, HTTP requests and timing come from the shared test harness in
// test/helpers/; what only these tests use lives here.

import assert from 'node:assert/strict';
import type http from 'node:http';
import net from 'node:net';
import { WebSocket } from 'ws';
import { request } from '../../../test/helpers/http-client.ts';
import { stopHttp } from '../../../test/helpers/http-server.ts';
import { startSockjsServer } from '../../../test/helpers/sockjs-server.ts';
import { Wakeup } from '../../../test/helpers/timing.ts';
import type { Connection, Http1Server, ServerOptions, SockJSServer } from '../src/index.js';

export {
  RawSocket,
  type Reply,
  type RequestOptions,
  request,
  Stream,
} from '../../../test/helpers/http-client.ts';
export { stopHttp, trackSockets } from '../../../test/helpers/http-server.ts';
export { HTTP1 } from '../../../test/helpers/sockjs-server.ts';
export { sleep } from '../../../test/helpers/timing.ts';

export interface TestServer {
  readonly http: http.Server | Http1Server;
  readonly port: number;
  readonly base: string;
  /** Every connection the SockJS servers emitted, in order. */
  readonly connections: Connection[];
  readonly echo: SockJSServer;
  readonly closer: SockJSServer;
  stop(): Promise<void>;
}

/**
 * An HTTP server with `/echo` (echoes every message) and `/close` (closes
 * each session with 3000 "Go away!"), both taking `options`. Other URLs get
 * a 404 from a plain 'request' listener installed before SockJS.
 */
export async function startServer(options: ServerOptions = {}): Promise<TestServer> {
  const running = await startSockjsServer(options, [
    { prefix: '/echo', app: (conn) => conn.on('data', (m) => conn.write(m)) },
    { prefix: '/close', app: (conn) => conn.close(3000, 'Go away!') },
  ]);
  const [echo, closer] = running.sockjs as [SockJSServer, SockJSServer];
  return {
    http: running.http,
    port: running.port,
    base: running.base,
    connections: running.connections,
    echo,
    closer,
    stop: () => stopHttp(running.http, running.sockjs),
  };
}

export const post = (port: number, path: string, body = '', headers?: Record<string, string>) =>
  request(port, path, { method: 'POST', body, headers });

/** Sends raw bytes on a TCP connection and resolves with all it got until the server closed. */
export function rawExchange(port: number, data: string | Buffer, ms = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`server did not close: ${Buffer.concat(chunks).toString('latin1')}`));
    }, ms);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(data);
  });
}

/** A `ws` client that records what it gets. */
export class WsClient {
  readonly ws: WebSocket;
  readonly messages: string[] = [];
  pings = 0;
  closeCode: number | null = null;
  closeReason = '';
  private readonly wakeup = new Wakeup();
  readonly opened: Promise<void>;

  constructor(url: string, options?: ConstructorParameters<typeof WebSocket>[2]) {
    this.ws = new WebSocket(url, options);
    this.opened = new Promise((resolve, reject) => {
      this.ws.on('open', () => resolve());
      this.ws.on('error', reject);
      this.ws.on('unexpected-response', (_req, res) =>
        reject(new Error(`unexpected response ${res.statusCode}`)),
      );
    });
    this.opened.catch(() => {});
    this.ws.on('error', () => {});
    this.ws.on('ping', () => {
      this.pings++;
      this.wakeup.wake();
    });
    this.ws.on('message', (data, isBinary) => {
      // SockJS frames are text: a binary one is recorded so that no
      // expected frame can match it.
      this.messages.push(isBinary ? `(binary) ${data.toString()}` : data.toString());
      this.wakeup.wake();
    });
    this.ws.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
      this.wakeup.wake();
    });
  }

  until(check: () => boolean, what: string, ms: number): Promise<void> {
    return this.wakeup.until(
      check,
      () => assert.fail(`${what}: got ${JSON.stringify(this.messages)} close ${this.closeCode}`),
      ms,
    );
  }

  /** Waits for the n-th message (1-based) and returns it. */
  async message(n: number, ms = 2000): Promise<string> {
    await this.until(() => this.messages.length >= n, `waiting for message ${n}`, ms);
    return this.messages[n - 1]!;
  }

  async closed(ms = 2000): Promise<{ code: number; reason: string }> {
    await this.until(() => this.closeCode !== null, 'waiting for close', ms);
    return { code: this.closeCode!, reason: this.closeReason };
  }
}

let counter = 0;
/** A fresh session path under a prefix: `<prefix>/000/<unique>`. */
export function sessionPath(prefix = '/echo'): string {
  counter++;
  return `${prefix}/000/s${process.pid}x${counter}`;
}

/** The server still answers a normal request. */
export async function assertAlive(port: number): Promise<void> {
  const r = await request(port, '/echo/info');
  assert.equal(r.status, 200);
  assert.equal(JSON.parse(r.body).websocket !== undefined, true);
}
