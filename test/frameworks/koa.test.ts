// Koa 3 in front of the SockJS server. Koa answers every request its
// middleware did not mark `ctx.respond = false` as soon as the middleware
// returns, so wired naively (`handleRequest(ctx.req, ctx.res) || next()`)
// it answers 404 to requests SockJS is still working on. Whatever Koa does,
// the process must keep serving: no SockJS path may write to a response
// whose headers Koa already sent. Wired as docs/api.md says, every
// transport echoes.

import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import Koa from 'koa';
import { SockJS } from '../../packages/client/src/node.ts';
import { createServer, type SockJSServer } from '../../packages/server/src/index.ts';
import { stopHttp } from '../helpers/http-server.ts';
import { sleep } from '../helpers/timing.ts';

const uncaught: unknown[] = [];
const record = (err: unknown) => uncaught.push(err);
before(() => {
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
});
after(() => {
  process.off('uncaughtException', record);
  process.off('unhandledRejection', record);
});

type Wiring = (sockjs: SockJSServer) => Koa.Middleware;
const WIRINGS: Record<string, Wiring> = {
  naive: (sockjs) => (ctx, next) => sockjs.handleRequest(ctx.req, ctx.res) || next(),
  documented: (sockjs) => (ctx, next) => {
    if (!sockjs.handleRequest(ctx.req, ctx.res)) return next();
    ctx.respond = false;
  },
};

/**
 * A Koa app with SockJS at /echo; with `authenticates`, an async
 * allowRequest decides each new session later, as apps that authenticate do.
 */
async function koaApp(
  wiring: Wiring,
  authenticates = false,
): Promise<{ server: http.Server; base: string }> {
  const allowRequest = async () => {
    await sleep(5);
    return true;
  };
  const sockjs = createServer({ prefix: '/echo', ...(authenticates ? { allowRequest } : {}) });
  sockjs.on('connection', (conn) => conn.on('data', (m) => conn.write(m)));
  const app = new Koa();
  app.use(wiring(sockjs));
  app.use((ctx) => {
    ctx.body = 'koa route';
  });
  const server = http.createServer(app.callback());
  server.on('upgrade', (req, socket: Duplex, head: Buffer) => {
    if (!sockjs.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function send(base: string, path: string, body?: string): Promise<number> {
  const res = await fetch(`${base}${path}`, { method: body === undefined ? 'GET' : 'POST', body });
  await res.arrayBuffer();
  return res.status;
}

for (const [name, wiring, authenticates] of [
  ['naive', WIRINGS.naive!, false],
  ['naive, with an async allowRequest', WIRINGS.naive!, true],
  ['as documented', WIRINGS.documented!, false],
  ['as documented, with an async allowRequest', WIRINGS.documented!, true],
] as const) {
  describe(`Koa, wired ${name}`, () => {
    let app: { server: http.Server; base: string };
    before(async () => {
      app = await koaApp(wiring, authenticates);
    });
    after(() => stopHttp(app.server));

    test('an xhr_send to an open session and to an unknown one, polls and streams: the process keeps serving', async () => {
      const errorsBefore = uncaught.length;
      const sid = `/echo/000/${authenticates ? 'a' : 'b'}${name.length}`;
      await send(app.base, `${sid}/xhr`, '');
      await send(app.base, `${sid}/xhr_send`, '["a"]');
      await send(app.base, '/echo/000/unknown/xhr_send', '["a"]');
      await send(app.base, `${sid}/xhr`, '');
      const stream = fetch(`${app.base}${sid}s/xhr_streaming`, { method: 'POST' });
      await stream.then((r) => r.body?.cancel()).catch(() => {});
      await sleep(100);
      assert.equal(await send(app.base, '/elsewhere'), 200);
      assert.equal(await send(app.base, '/echo/info'), 200);
      assert.deepEqual(uncaught.slice(errorsBefore), []);
    });
  });
}

describe('Koa, wired as documented: every transport echoes', () => {
  let app: { server: http.Server; base: string };
  before(async () => {
    app = await koaApp(WIRINGS.documented!, true);
  });
  after(() => stopHttp(app.server));

  for (const transport of ['websocket', 'xhr-streaming', 'xhr-polling', 'eventsource']) {
    test(`echoes over ${transport}`, async () => {
      const sock = new SockJS(`${app.base}/echo`, null, { transports: [transport], timeout: 5000 });
      const echo = await new Promise<string>((resolve, reject) => {
        sock.onopen = () => sock.send(`over ${transport}`);
        sock.onmessage = (e) => resolve(e.data as string);
        sock.onclose = (e) => reject(new Error(`closed ${e.code} ${e.reason}`));
      });
      assert.equal(sock.transport, transport);
      sock.onclose = null;
      sock.close();
      assert.equal(echo, `over ${transport}`);
    });
  }
});
