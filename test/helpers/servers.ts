// Echo servers for the end-to-end tests: sockjs-node 0.3.24 and our own
// server, behind one interface, on ephemeral loopback ports. Each also serves
// a test page and the client bundles, so that one server gives both the
// same-origin page (http://127.0.0.1:P) and a cross-origin one
// (http://localhost:P, which the browser maps to 127.0.0.1).

import { existsSync, readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createRequire } from 'node:module';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { listen, stopHttp, trackSockets } from './http-server.ts';
import { sleep } from './timing.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const CLIENT_BUNDLE = root + 'packages/client/dist/sockjs.min.js';
const SOCKJS_CLIENT_BUNDLE = root + 'node_modules/sockjs-client/dist/sockjs.min.js';
const OUR_SERVER = root + 'packages/server/dist/index.js';

/** The part of a server-side connection the test apps use. */
export interface TestConnection {
  write(data: string): unknown;
  close(code?: number, reason?: string): unknown;
  on(event: 'data', listener: (data: string) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  protocol?: string;
  headers?: Record<string, unknown>;
}

export interface ServerConfig {
  /** Offer the websocket transport (default true). */
  websocket?: boolean;
  /** Set JSESSIONID cookies (default false). */
  jsessionid?: boolean;
  /** Which script iframe.html loads: our bundle (default) or sockjs-client's. */
  iframeClient?: 'ours' | 'sockjs-client';
  /** The application; the default echoes, and 'close:<code>:<reason>' closes. */
  app?: (conn: TestConnection) => void;
  /** Listen on this port (to restart a killed server in its place); ephemeral by default. */
  port?: number;
}

export interface TestServer {
  /** 'sockjs-node' or 'sockjs-ts'. */
  readonly name: string;
  readonly port: number;
  /** The SockJS URL, http://127.0.0.1:P/echo. */
  readonly url: string;
  /** Every request under /echo, in order (to check cookies and headers). */
  readonly requests: { url: string; headers: IncomingMessage['headers'] }[];
  /** Connections seen by the app. */
  readonly connections: TestConnection[];
  /** Kills every socket at once, as if the process died. */
  kill(): Promise<void>;
  close(): Promise<void>;
}

export function echoApp(conn: TestConnection): void {
  conn.on('data', (data) => {
    const m = /^close:(\d+):(.*)$/s.exec(data);
    if (m) conn.close(Number(m[1]), m[2]);
    else conn.write(data);
  });
}

/**
 * An app that records what its one client sends: `settled(count, ms)` waits
 * until `count` messages arrived and the session ended, or `ms` passed.
 */
export function recordingApp(): {
  app: (conn: TestConnection) => void;
  received: string[];
  readonly ended: boolean;
  settled(count: number, ms: number): Promise<void>;
} {
  const received: string[] = [];
  let ended = false;
  return {
    app: (conn) => {
      conn.on('data', (d) => received.push(d));
      conn.on('close', () => {
        ended = true;
      });
    },
    received,
    get ended() {
      return ended;
    },
    async settled(count, ms) {
      const deadline = Date.now() + ms;
      while ((received.length < count || !ended) && Date.now() < deadline) await sleep(20);
    },
  };
}

export const TEST_PAGE = `<!doctype html><html><head><meta charset="utf-8"><script src="/sockjs.min.js"></script></head><body>test page</body></html>`;

type Installer = (
  http: Server,
  config: ServerConfig,
  onConnection: (c: TestConnection) => void,
) => void;

interface SockjsLike {
  createServer(options: Record<string, unknown>): {
    on(event: 'connection', listener: (conn: TestConnection) => void): unknown;
    installHandlers(http: Server, options: { prefix: string }): unknown;
  };
}

function installWith(lib: SockjsLike): Installer {
  return (http, config, onConnection) => {
    const sockjs = lib.createServer({
      // Relative, so iframe.html loads it from the server's own origin.
      sockjs_url:
        '/' + (config.iframeClient === 'sockjs-client' ? 'sockjs-client.min.js' : 'sockjs.min.js'),
      websocket: config.websocket ?? true,
      jsessionid: config.jsessionid ?? false,
      log: () => {},
    });
    sockjs.on('connection', onConnection);
    sockjs.installHandlers(http, { prefix: '/echo' });
  };
}

export interface ServerFactory {
  readonly name: string;
  start(config?: ServerConfig): Promise<TestServer>;
}

/** node:http's createServer, or one with the same events and request/response shapes. */
type HttpServerMaker = () => Server;

async function start(
  name: string,
  install: Installer,
  config: ServerConfig,
  makeServer: HttpServerMaker = createHttpServer,
): Promise<TestServer> {
  const requests: TestServer['requests'] = [];
  const connections: TestConnection[] = [];
  const http = makeServer();
  // Our HTTP/1.1 layer answers 404 by default: these handlers replace that.
  http.removeAllListeners('request');
  http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    const file =
      path === '/sockjs.min.js'
        ? CLIENT_BUNDLE
        : path === '/sockjs-client.min.js'
          ? SOCKJS_CLIENT_BUNDLE
          : null;
    if (file) {
      res.writeHead(200, { 'Content-Type': 'application/javascript; charset=UTF-8' });
      res.end(readFileSync(file));
    } else if (path === '/page.html') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8' });
      res.end(TEST_PAGE);
    } else if (!path?.startsWith('/echo')) {
      res.writeHead(404);
      res.end();
    }
  });
  trackSockets(http);
  const record = (req: IncomingMessage) => {
    if (req.url?.startsWith('/echo')) requests.push({ url: req.url, headers: req.headers });
  };
  const app = config.app ?? echoApp;
  install(http, config, (conn) => {
    connections.push(conn);
    app(conn);
  });
  // After install: sockjs-node takes over the listeners present at that time.
  http.prependListener('request', record);
  http.prependListener('upgrade', record);
  const port = await listen(http, config.port);
  return {
    name,
    port,
    url: `http://127.0.0.1:${port}/echo`,
    requests,
    connections,
    async kill() {
      void stopHttp(http);
    },
    close: () => stopHttp(http),
  };
}

const require = createRequire(import.meta.url);

export const sockjsNode: ServerFactory = {
  name: 'sockjs-node',
  start: (config = {}) =>
    start('sockjs-node', installWith(require('sockjs') as SockjsLike), config),
};

/** Our server, once packages/server is built and loads. */
export async function ourServer(): Promise<ServerFactory | null> {
  if (!existsSync(OUR_SERVER)) return null;
  try {
    const lib = (await import('@sockjs-ts/server')) as unknown as SockjsLike;
    if (typeof lib.createServer !== 'function') return null;
    return {
      name: 'sockjs-ts',
      start: (config = {}) => start('sockjs-ts', installWith(lib), config),
    };
  } catch {
    return null;
  }
}

/** Our server on its own HTTP/1.1 layer (createHttp1Server) instead of node:http. */
export async function ourServerHttp1(): Promise<ServerFactory | null> {
  if (!existsSync(OUR_SERVER)) return null;
  const lib = (await import('@sockjs-ts/server')) as unknown as SockjsLike & {
    createHttp1Server?: () => Server;
  };
  const make = lib.createHttp1Server;
  if (typeof make !== 'function') throw new Error('@sockjs-ts/server has no createHttp1Server');
  return {
    name: 'sockjs-ts/http1',
    start: (config = {}) => start('sockjs-ts/http1', installWith(lib), config, () => make()),
  };
}

/** Every server the end-to-end tests run against. */
export async function serverFactories(): Promise<ServerFactory[]> {
  const ours = await ourServer();
  const http1 = await ourServerHttp1();
  return [sockjsNode, ...(ours ? [ours] : []), ...(http1 ? [http1] : [])];
}

/**
 * A `start` for one describe block: servers it starts from `factory` are all
 * closed when the block ends. Call it inside the describe callback.
 */
export function serverPool(factory: ServerFactory): (config?: ServerConfig) => Promise<TestServer> {
  const servers: TestServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  return async (config) => {
    const server = await factory.start(config);
    servers.push(server);
    return server;
  };
}
