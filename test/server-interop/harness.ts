// Shared pieces of the sockjs-client interop tests: our SockJS server on a
// loopback port with an echo service and a closing service, and a static
// server for the browser page. The messages whose round trip they check are
// test/helpers/edge-cases.ts.

import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { fileURLToPath } from 'node:url';
import { type Connection, createServer, type ServerOptions } from '@sockjs-ts/server';
import { listen, stopHttp } from '../helpers/http-server.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** sockjs-client's own browser bundle, the one a script tag would load. */
export const SOCKJS_CLIENT_BUNDLE = readFileSync(
  root + 'node_modules/sockjs-client/dist/sockjs.min.js',
  'utf8',
);

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
      await stopHttp(http);
    },
  };
}

/** A plain static server, for a page on an origin of its own. */
export async function startStaticServer(
  files: Readonly<Record<string, StaticFile>>,
): Promise<{ origin: string; stop(): Promise<void> }> {
  const http = createHttpServer(serveFiles(files));
  const port = await listen(http);
  return { origin: `http://127.0.0.1:${port}`, stop: () => stopHttp(http) };
}
