// Helpers for the server's integration tests: a real http.Server on
// 127.0.0.1 port 0, real HTTP requests, raw sockets and WebSockets.

import assert from 'node:assert/strict';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { WebSocket } from 'ws';
import {
  type Connection,
  createHttp1Server,
  createServer,
  type Http1Server,
  type ServerOptions,
  type SockJSServer,
} from '../src/index.js';

/**
 * SOCKJS_TEST_HTTP1=1 runs the tests that use startServer() on the server's
 * own HTTP/1.1 layer (createHttp1Server) instead of node:http; scripts/test.js
 * runs the HTTP-level suites both ways.
 */
export const HTTP1 = process.env.SOCKJS_TEST_HTTP1 === '1';

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
  const server: http.Server | Http1Server = HTTP1 ? createHttp1Server() : http.createServer();
  server.removeAllListeners('request');
  server.on('request', (_req: unknown, res: http.ServerResponse) => {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not sockjs\n');
  });
  trackSockets(server);
  const connections: Connection[] = [];
  const echo = createServer(options);
  echo.on('connection', (conn) => {
    connections.push(conn);
    conn.on('data', (m) => conn.write(m));
  });
  echo.installHandlers(server, { prefix: '/echo' });
  const closer = createServer(options);
  closer.on('connection', (conn) => {
    connections.push(conn);
    conn.close(3000, 'Go away!');
  });
  closer.installHandlers(server, { prefix: '/close' });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    http: server,
    port,
    base: `http://127.0.0.1:${port}`,
    connections,
    echo,
    closer,
    stop: () => stopHttp(server, [echo, closer]),
  };
}

const SOCKETS = Symbol('test sockets');
type Tracked = (http.Server | Http1Server | net.Server) & { [SOCKETS]?: Set<net.Socket> };

/** Remembers a server's sockets, so that stopHttp can cut them. */
export function trackSockets(server: http.Server | Http1Server | net.Server): void {
  const sockets = new Set<net.Socket>();
  (server as Tracked)[SOCKETS] = sockets;
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
}

export function stopHttp(
  server: http.Server | Http1Server,
  sockjs: SockJSServer[] = [],
): Promise<void> {
  // No grace period: every session and response is cut at once.
  for (const s of sockjs) void s.close(undefined, undefined, 0);
  return new Promise((resolve) => {
    server.close(() => resolve());
    if (server instanceof http.Server) server.closeAllConnections();
    for (const socket of (server as Tracked)[SOCKETS] ?? []) socket.destroy();
  });
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  httpVersion: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string | number>;
  body?: string | Buffer;
}

/** One HTTP request on a fresh connection; resolves with the whole answer. */
export function request(port: number, path: string, opts: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: opts.method ?? 'GET',
        headers: opts.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            httpVersion: res.httpVersion,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

export const post = (port: number, path: string, body = '', headers?: Record<string, string>) =>
  request(port, path, { method: 'POST', body, headers });

/** A response read as it streams: `text` grows; `waitFor` waits for a pattern. */
export class Stream {
  text = '';
  status = 0;
  headers: IncomingHttpHeaders = {};
  ended = false;
  private readonly req: http.ClientRequest;
  private waiters: (() => void)[] = [];
  private readonly opened: Promise<void>;

  constructor(port: number, path: string, opts: RequestOptions = {}) {
    this.req = http.request({
      host: '127.0.0.1',
      port,
      path,
      method: opts.method ?? 'GET',
      headers: opts.headers,
      agent: false,
    });
    this.opened = new Promise((resolve, reject) => {
      this.req.on('response', (res) => {
        this.status = res.statusCode ?? 0;
        this.headers = res.headers;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          this.text += chunk;
          this.wake();
        });
        res.on('end', () => {
          this.ended = true;
          this.wake();
        });
        res.on('error', () => {});
        resolve();
      });
      this.req.on('error', (err) => {
        this.ended = true;
        this.wake();
        reject(err);
      });
    });
    this.opened.catch(() => {});
    this.req.end(opts.body);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  async response(): Promise<void> {
    await this.opened;
  }

  /** Waits until the text matches (string: contains), or fails after `ms`. */
  async waitFor(pattern: string | RegExp, ms = 5000): Promise<string> {
    const matches = () =>
      typeof pattern === 'string' ? this.text.includes(pattern) : pattern.test(this.text);
    const deadline = Date.now() + ms;
    while (!matches()) {
      if (this.ended) assert.fail(`stream ended without ${String(pattern)}: ${this.tail()}`);
      const left = deadline - Date.now();
      if (left <= 0) assert.fail(`timed out waiting for ${String(pattern)}: ${this.tail()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.text;
  }

  async waitEnd(ms = 5000): Promise<string> {
    const deadline = Date.now() + ms;
    while (!this.ended) {
      const left = deadline - Date.now();
      if (left <= 0) assert.fail(`stream did not end: ${this.tail()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.text;
  }

  private tail(): string {
    return JSON.stringify(this.text.slice(-300));
  }

  /** Drops the connection from the client side. */
  abort(): void {
    this.req.destroy();
  }
}

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

/** A raw TCP connection to read incrementally. */
export class RawSocket {
  readonly socket: net.Socket;
  data: Buffer = Buffer.alloc(0);
  closed = false;
  private waiters: (() => void)[] = [];

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (c) => {
      this.data = Buffer.concat([this.data, c]);
      this.wake();
    });
    this.socket.on('error', () => {});
    this.socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  get text(): string {
    return this.data.toString('latin1');
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  async until(check: () => boolean, what: string, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check()) {
      const left = deadline - Date.now();
      if (left <= 0 || (this.closed && !check())) {
        assert.fail(`${what}: got ${JSON.stringify(this.text.slice(-300))}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  waitBytes(n: number, ms?: number): Promise<void> {
    return this.until(() => this.data.length >= n, `waiting for ${n} bytes`, ms);
  }

  waitText(s: string, ms?: number): Promise<void> {
    return this.until(() => this.text.includes(s), `waiting for ${JSON.stringify(s)}`, ms);
  }

  waitClose(ms?: number): Promise<void> {
    return this.until(() => this.closed, 'waiting for close', ms);
  }
}

/** A `ws` client that records what it gets. */
export class WsClient {
  readonly ws: WebSocket;
  readonly messages: string[] = [];
  pings = 0;
  closeCode: number | null = null;
  closeReason = '';
  private waiters: (() => void)[] = [];
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
    });
    this.ws.on('message', (data) => {
      this.messages.push(data.toString());
      this.wake();
    });
    this.ws.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  async until(check: () => boolean, what: string, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check()) {
      const left = deadline - Date.now();
      if (left <= 0) {
        assert.fail(`${what}: got ${JSON.stringify(this.messages)} close ${this.closeCode}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
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

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
