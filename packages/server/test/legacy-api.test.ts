// sockjs-node's early README API, as aliases of today's: the Server class,
// the 'open' event, disabled_transports and the '[/]echo' prefix. (The
// connection's send() and 'message' event are in connection-stream.test.ts;
// the README's whole echo server runs in test/migrate/early-readme.test.ts.)

import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import sockjsDefault, { type Connection, Server, SockJSServer } from '../src/index.js';
import { resolveOptions } from '../src/options.js';
import { post, request, sessionPath, stopHttp } from './support.js';

async function serve(sockjs: SockJSServer, prefix: string): Promise<http.Server> {
  const server = http.createServer();
  sockjs.installHandlers(server, { prefix });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}
const portOf = (server: http.Server) => (server.address() as AddressInfo).port;

test('Server is the SockJSServer class, on the module and on the default export', () => {
  assert.equal(Server, SockJSServer);
  assert.equal(sockjsDefault.Server, SockJSServer);
  assert.ok(new Server({ prefix: '/echo' }) instanceof SockJSServer);
});

test("'open' follows 'connection' with the same connection; '[/]echo' serves /echo", async () => {
  const sockjs = new Server();
  const order: string[] = [];
  let fromConnection: Connection | undefined;
  sockjs.on('connection', (conn) => {
    order.push('connection');
    fromConnection = conn;
  });
  const opened = once(sockjs, 'open') as Promise<[Connection]>;
  sockjs.on('open', () => order.push('open'));
  const server = await serve(sockjs, '[/]echo');
  try {
    assert.equal((await request(portOf(server), '/echo')).body, 'Welcome to SockJS!\n');
    assert.equal((await post(portOf(server), `${sessionPath('/echo')}/xhr`)).body, 'o\n');
    const [conn] = await opened;
    assert.equal(conn, fromConnection);
    assert.deepEqual(order, ['connection', 'open']);
    assert.equal(conn.prefix, '/echo');
  } finally {
    await stopHttp(server, [sockjs]);
  }
});

test("disabled_transports: ['websockets'] (the early README's spelling) turns websocket off", async () => {
  const sockjs = new Server({ disabled_transports: ['websockets'] });
  const server = await serve(sockjs, '/echo');
  try {
    const info = JSON.parse((await request(portOf(server), '/echo/info')).body) as {
      websocket: boolean;
    };
    assert.equal(info.websocket, false);
    const ws = await request(portOf(server), `${sessionPath('/echo')}/websocket`, {
      headers: { Upgrade: 'websocket', Connection: 'Upgrade' },
    });
    assert.equal(ws.status, 404);
  } finally {
    await stopHttp(server, [sockjs]);
  }
});

test("disabled_transports: ['eventsource', 'xhr-streaming'] answer 404 on those URLs only", async () => {
  const sockjs = new Server({ disabled_transports: ['eventsource', 'xhr-streaming'] });
  const server = await serve(sockjs, '/echo');
  try {
    const path = sessionPath('/echo');
    assert.equal((await request(portOf(server), `${path}/eventsource`)).status, 404);
    assert.equal((await post(portOf(server), `${path}/xhr_streaming`)).status, 404);
    assert.equal((await post(portOf(server), `${path}/xhr`)).body, 'o\n');
  } finally {
    await stopHttp(server, [sockjs]);
  }
});

test('disabled_transports resolves each name sockjs-node took, and refuses others', () => {
  assert.equal(resolveOptions({ disabled_transports: ['websocket'] }).websocket, false);
  assert.equal(resolveOptions({ disabled_transports: [] }).websocket, true);
  assert.deepEqual(
    resolveOptions({ disabled_transports: ['websockets', 'eventsource', 'xhr-streaming'] })
      .disabledTransports,
    ['eventsource', 'xhr_streaming'],
  );
  assert.throws(
    () => new Server({ disabled_transports: ['jsonp' as 'eventsource'] }),
    /unknown transport "jsonp"/,
  );
  assert.throws(
    () => new Server({ disabled_transports: 'websocket' as unknown as ['websocket'] }),
    TypeError,
  );
});

test("prefixes: '[/]echo' is '/echo'; other forms as before", () => {
  assert.equal(resolveOptions({ prefix: '[/]echo' }).prefix, '/echo');
  assert.equal(resolveOptions({ prefix: '[/]echo/' }).prefix, '/echo');
  assert.equal(resolveOptions({ prefix: 'echo' }).prefix, '/echo');
  assert.equal(resolveOptions({ prefix: '/' }).prefix, '');
});
