// Express 5: the recipe of examples/frameworks/express.js (SockJS mounted at
// /echo) and the naive wirings a user writes first, all in this process, over
// real sockets, with the official sockjs-client.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createServer } from '@sockjs-ts/server';
import express from 'express';
import { start } from '../../examples/frameworks/express.js';
import { listen } from '../helpers/http-server.ts';
import {
  APP_HOME,
  call,
  echoesOver,
  NODE_TRANSPORTS,
  type Running,
  recordUncaught,
  sendsLeaveItServing,
  stop,
  type Target,
  targetOf,
} from './recipe-checks.ts';

const uncaught = recordUncaught();

/** An Express app with SockJS at `mount` (or in front of everything) and no prefix. */
async function naive(mount: string | null): Promise<Running> {
  const sockjs = createServer();
  sockjs.on('connection', (conn) => conn.on('data', (message) => conn.write(message)));
  const app = express();
  const handler: express.RequestHandler = (req, res, next) =>
    sockjs.handleRequest(req, res) || next();
  if (mount === null) app.use(handler);
  else app.use(mount, handler);
  app.get('/', (_req, res) => res.send(APP_HOME));
  const server = http.createServer(app);
  server.on(
    'upgrade',
    (req, socket, head) => sockjs.handleUpgrade(req, socket, head) || socket.destroy(),
  );
  await listen(server);
  return { server, sockjs: sockjs as unknown as Running['sockjs'] };
}

describe('Express, the recipe: mounted at /echo with prefix /echo', () => {
  let running: Running;
  let target: Target;
  before(async () => {
    running = (await start(0)) as unknown as Running;
    target = targetOf(running, '/echo');
  });
  after(() => stop(running));

  for (const transport of NODE_TRANSPORTS) {
    test(`sockjs-client echoes over ${transport}`, () => echoesOver(target, transport));
  }

  test('xhr_send to an open and to an unknown session: answered, and the app keeps serving', () =>
    sendsLeaveItServing(target, uncaught, true));

  test('the greeting, and the iframe page loading the bundle it serves below the mount', async () => {
    assert.equal((await call(target, '/echo')).body, 'Welcome to SockJS!\n');
    const page = await call(target, '/echo/iframe.html');
    const src = /<script src="([^"]+)"/.exec(page.body)?.[1];
    // An absolute path (the protocol suite requires one), under the mount path.
    assert.match(src ?? '', /^\/echo\/sockjs-ts-client-[^/]+\.min\.js$/);
    const bundle = await call(
      target,
      new URL(src ?? '', `${target.base}/echo/iframe.html`).pathname,
    );
    assert.equal(bundle.status, 200);
    assert.match(String(bundle.headers['content-type']), /javascript/);
  });

  test('URLs outside the mount are the app’s', async () => {
    assert.equal((await call(target, '/elsewhere')).status, 404);
    assert.match((await call(target, '/elsewhere')).body, /Cannot GET \/elsewhere/);
  });
});

describe('Express, naive: app.use(handler) with no prefix, SockJS at the root', () => {
  let running: Running;
  let target: Target;
  before(async () => {
    running = await naive(null);
    target = targetOf(running, '');
  });
  after(() => stop(running));

  for (const transport of NODE_TRANSPORTS) {
    test(`sockjs-client echoes over ${transport}`, () => echoesOver(target, transport));
  }

  test('xhr_send to an open and to an unknown session: answered, and the app keeps serving', () =>
    sendsLeaveItServing(target, uncaught, true));

  test('SockJS leaves the app’s URLs alone: its home page and its 404', async () => {
    assert.equal((await call(target, '/')).body, APP_HOME);
    const other = await call(target, '/elsewhere');
    assert.equal(other.status, 404);
    assert.match(other.body, /Cannot GET \/elsewhere/);
  });
});

describe('Express, naive: app.use("/echo", handler) with no prefix', () => {
  let running: Running;
  let target: Target;
  before(async () => {
    running = await naive('/echo');
    target = targetOf(running, '/echo');
  });
  after(() => stop(running));

  // The upgrade event bypasses Express, so without a prefix handleUpgrade
  // cannot know the mount path: websocket needs the prefix (the recipe).
  for (const transport of NODE_TRANSPORTS.filter((t) => t !== 'websocket')) {
    test(`served at the mount path: sockjs-client echoes over ${transport}`, () =>
      echoesOver(target, transport));
  }

  test('xhr_send to an open and to an unknown session: answered, and the app keeps serving', () =>
    sendsLeaveItServing(target, uncaught, true));
});
