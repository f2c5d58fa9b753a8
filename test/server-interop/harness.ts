// Shared pieces of the sockjs-client interop tests: our SockJS server on a
// loopback port with an echo service and a closing service, a static server
// for the browser page, and the messages whose round trip we check.

import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type Connection, createServer, type ServerOptions } from '@sockjs-ts/server';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** sockjs-client's own browser bundle, the one a script tag would load. */
export const SOCKJS_CLIENT_BUNDLE = readFileSync(
  root + 'node_modules/sockjs-client/dist/sockjs.min.js',
  'utf8',
);

/** A message to echo, as UTF-16 code units so that the browser side can rebuild it exactly. */
export interface EdgeCase {
  readonly name: string;
  readonly units: readonly number[];
  readonly repeat?: number;
}

const units = (s: string): number[] => Array.from({ length: s.length }, (_, i) => s.charCodeAt(i));

/**
 * Characters that JSON, browsers or the SockJS escaping rules treat
 * specially. U+2028/U+2029 end lines in JavaScript source (htmlfile and jsonp
 * frames are JavaScript); U+200C and U+FFFF are on the server's escape list;
 * lone surrogates only survive because both ends write them as \uXXXX
 * escapes: raw UTF-8 cannot carry them and turns them into U+FFFD. '%' must be
 * escaped by the server on eventsource, as sockjs-client runs decodeURI on
 * every eventsource line.
 */
export const EDGE_CASES: readonly EdgeCase[] = [
  { name: 'ascii', units: units('hello, world') },
  { name: 'empty-ish space', units: units(' ') },
  { name: 'quotes and backslash', units: units('"\\\'</script>') },
  { name: 'percent', units: units('100% %25 %') },
  { name: 'controls', units: [0, 10, 13, 9, 31] },
  { name: 'U+2028', units: [0x2028] },
  { name: 'U+2029', units: [0x2029] },
  { name: 'U+200C', units: [0x200c] },
  { name: 'U+FFFF', units: [0xffff] },
  { name: 'lone U+D800', units: [0xd800] },
  { name: 'lone U+DC00', units: [0xdc00] },
  { name: 'emoji', units: units('😀') },
  { name: 'mixed', units: units('a\u2028b\ud800c😀d\uffff') },
  { name: '100 KB', units: units('0123456789abcdef'), repeat: 6400 },
];

export function edgeCaseValue(c: EdgeCase): string {
  return String.fromCharCode(...c.units).repeat(c.repeat ?? 1);
}

/** Describes a string by its code units, so a mismatch is readable. */
export function describe(s: string): string {
  if (s.length > 40) return `${s.length} code units`;
  return Array.from({ length: s.length }, (_, i) =>
    s.charCodeAt(i).toString(16).padStart(4, '0'),
  ).join(' ');
}

export interface InteropServer {
  readonly port: number;
  /** Origin as given, e.g. http://127.0.0.1:1234 or http://localhost:1234. */
  readonly origin: string;
  /** Resolves with the next connection the echo service accepts. */
  nextConnection(): Promise<AcceptedConnection>;
  /**
   * Resolves with the number of a receiving HTTP request (a poll or a stream)
   * of the latest echo session that the server holds open: at once if it
   * holds one now, else when the next one arrives.
   */
  liveReceiver(): Promise<number>;
  /** Whether the server still holds receiving request `id` open. */
  receiverOpen(id: number): boolean;
  stop(): Promise<void>;
}

export interface AcceptedConnection {
  readonly conn: Connection;
  /** Resolves on the connection's 'close' event. */
  readonly closed: Promise<void>;
}

export interface InteropServerOptions {
  /** Host name used in `origin`; the socket always listens on 127.0.0.1. */
  host?: string;
  /** Options for both SockJS services (sockjs_url, response_limit...). */
  sockjs?: ServerOptions;
  /** Files served outside the SockJS prefixes, by path. */
  files?: Readonly<Record<string, StaticFile>>;
}

export interface StaticFile {
  readonly type: string;
  readonly body: string;
}

function serveFiles(files: Readonly<Record<string, StaticFile>>) {
  return (req: IncomingMessage, res: import('node:http').ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const file = files[path];
    if (!file || req.method !== 'GET') {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': file.type, 'Cache-Control': 'no-store' });
    res.end(file.body);
  };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

async function shut(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

/** A poll or a stream of an echo session: /PREFIX/SERVER/SESSION/TRANSPORT. */
const RECEIVING_REQUEST =
  /^(\/(?:echo|no_websocket_echo|heartbeat_echo|cookie_needed_echo)\/[^/]+\/[^/]+\/)(?:xhr|xhr_streaming|eventsource|htmlfile|jsonp)(?:\?|$)/;

/** /PREFIX/SERVER/SESSION/ of a session's request. */
const sessionPath = (url: string) => /^(\/[^/]+\/[^/]+\/[^/]+\/)/.exec(url)?.[1] ?? url;

/**
 * Our server with these services:
 * - /echo writes back every message (as in the SockJS test suite);
 * - /no_websocket_echo the same with websocket off;
 * - /heartbeat_echo the same with a heartbeat every 150 ms;
 * - /cookie_needed_echo the same with JSESSIONID cookies (cookie_needed);
 * - /close closes each session at once with 3000 "Go away!" (as in the suite);
 * - /scripted writes "welcome" on connection, answers "close CODE REASON" with
 *   "closing" then close(CODE, REASON), and "end" with end("last words").
 */
export async function startInteropServer(
  options: InteropServerOptions = {},
): Promise<InteropServer> {
  const http = createHttpServer(serveFiles(options.files ?? {}));
  const waiting: ((accepted: AcceptedConnection) => void)[] = [];
  const echo = createServer(options.sockjs);
  let latestSession = '';
  echo.on('connection', (conn) => {
    latestSession = sessionPath(conn.url);
    const closed = new Promise<void>((resolve) => conn.once('close', () => resolve()));
    conn.on('data', (message) => conn.write(message));
    if (conn.prefix === '/echo') waiting.shift()?.({ conn, closed });
  });
  echo.installHandlers(http, { prefix: '/echo' });
  echo.installHandlers(http, { prefix: '/no_websocket_echo', websocket: false });
  echo.installHandlers(http, { prefix: '/heartbeat_echo', heartbeat_delay: 150 });
  echo.installHandlers(http, { prefix: '/cookie_needed_echo', jsessionid: true });
  const close = createServer(options.sockjs);
  close.on('connection', (conn) => conn.close(3000, 'Go away!'));
  close.installHandlers(http, { prefix: '/close' });
  const scripted = createServer(options.sockjs);
  scripted.on('connection', (conn) => {
    conn.write('welcome');
    conn.on('data', (message) => {
      const command = /^close (\d+) (.*)$/s.exec(message);
      if (command) {
        conn.write('closing');
        conn.close(Number(command[1]), command[2]);
      } else if (message === 'end') {
        conn.end('last words');
      }
    });
  });
  scripted.installHandlers(http, { prefix: '/scripted' });
  // Open receiving requests per echo session, by number. A listener added
  // after the SockJS handlers sees a request once the session has taken it.
  const openReceivers = new Map<number, string>();
  let lastReceiver = 0;
  let receiverWaiters: (() => void)[] = [];
  http.on('request', (req: IncomingMessage, res: import('node:http').ServerResponse) => {
    const session = RECEIVING_REQUEST.exec(req.url ?? '')?.[1];
    if (session === undefined) return;
    const id = ++lastReceiver;
    openReceivers.set(id, session);
    res.once('close', () => openReceivers.delete(id));
    const waking = receiverWaiters;
    receiverWaiters = [];
    for (const wake of waking) wake();
  });
  const port = await listen(http);
  return {
    port,
    origin: `http://${options.host ?? '127.0.0.1'}:${port}`,
    nextConnection: () => new Promise((resolve) => waiting.push(resolve)),
    liveReceiver() {
      const session = latestSession;
      const check = (resolve: (id: number) => void) => {
        for (const [id, of] of openReceivers) if (of === session) return resolve(id);
        receiverWaiters.push(() => check(resolve));
      };
      return new Promise<number>(check);
    },
    receiverOpen: (id) => openReceivers.has(id),
    async stop() {
      for (const service of [echo, close, scripted]) void service.close(undefined, undefined, 0);
      await shut(http);
    },
  };
}

/** A plain static server, for a page on an origin of its own. */
export async function startStaticServer(
  files: Readonly<Record<string, StaticFile>>,
): Promise<{ origin: string; stop(): Promise<void> }> {
  const http = createHttpServer(serveFiles(files));
  const port = await listen(http);
  return { origin: `http://127.0.0.1:${port}`, stop: () => shut(http) };
}

/** Rejects after `ms` with a message naming what timed out. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
