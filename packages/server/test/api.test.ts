// The sockjs-node API: createServer, installHandlers/attach with other
// listeners kept, handleRequest/handleUpgrade on a plain server, the
// connection event and the Connection object, backpressure.

import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { WebSocketServer } from 'ws';
import sockjsDefault, { type Connection, createServer, SockJSServer } from '../src/index.js';
import {
  post,
  request,
  Stream,
  sessionPath,
  sleep,
  startServer,
  stopHttp,
  type TestServer,
  WsClient,
} from './support.js';

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('createServer and installHandlers', () => {
  test('the default export has createServer; it returns a SockJSServer', () => {
    assert.equal(sockjsDefault.createServer, createServer);
    assert.ok(createServer() instanceof SockJSServer);
  });

  test('bad options fail early', () => {
    assert.throws(() => createServer({ heartbeat_delay: -1 }), TypeError);
    assert.throws(() => createServer({ response_limit: 0 }), TypeError);
  });

  test('other request and upgrade listeners keep their URLs', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('app');
    });
    const other = new WebSocketServer({ noServer: true });
    other.on('connection', (ws) => ws.send('other ws'));
    server.on('upgrade', (req, socket, head) => {
      other.handleUpgrade(req, socket, head, (ws) => other.emit('connection', ws, req));
    });
    const sockjs = createServer();
    sockjs.on('connection', (conn) => conn.on('data', (m) => conn.write(m)));
    sockjs.installHandlers(server, { prefix: '/sock' });
    const port = await listen(server);
    try {
      assert.equal((await request(port, '/')).body, 'app');
      assert.equal((await request(port, '/sockets')).body, 'app');
      assert.equal((await request(port, '/sock')).body, 'Welcome to SockJS!\n');
      assert.equal((await post(port, '/sock/0/abc/xhr')).body, 'o\n');
      const otherWs = new WsClient(`ws://127.0.0.1:${port}/elsewhere`);
      assert.equal(await otherWs.message(1), 'other ws');
      otherWs.ws.close();
      const ws = new WsClient(`ws://127.0.0.1:${port}/sock/0/def/websocket`);
      assert.equal(await ws.message(1), 'o');
      ws.ws.close();
    } finally {
      other.close();
      await stopHttp(server, [sockjs]);
    }
  });

  test('attach is installHandlers; one server may serve several prefixes', async () => {
    const server = http.createServer((_req, res) => res.end('rest'));
    const sockjs = createServer({ response_limit: 4096 });
    sockjs.attach(server, { prefix: '/a' });
    sockjs.attach(server, { prefix: '/b/c/' });
    const port = await listen(server);
    try {
      assert.equal((await request(port, '/a/')).body, 'Welcome to SockJS!\n');
      assert.equal((await request(port, '/b/c')).body, 'Welcome to SockJS!\n');
      assert.equal((await request(port, '/b')).body, 'rest');
    } finally {
      await stopHttp(server, [sockjs]);
    }
  });

  test('an upgrade nobody takes is not left hanging', async () => {
    const server = http.createServer((_req, res) => res.end('rest'));
    const sockjs = createServer();
    sockjs.installHandlers(server, { prefix: '/a' });
    const port = await listen(server);
    try {
      const ws = new WsClient(`ws://127.0.0.1:${port}/nowhere`);
      await assert.rejects(ws.opened);
    } finally {
      await stopHttp(server, [sockjs]);
    }
  });
});

describe('handleRequest and handleUpgrade on a plain HTTP server', () => {
  let server: http.Server;
  let sockjs: SockJSServer;
  let port: number;
  const conns: Connection[] = [];
  before(async () => {
    sockjs = createServer({ prefix: '/plain', disconnect_delay: 200 });
    sockjs.on('connection', (conn) => {
      conns.push(conn);
      conn.on('data', (m) => conn.write(m));
    });
    server = http.createServer((req, res) => {
      if (sockjs.handleRequest(req, res)) return;
      res.writeHead(404);
      res.end('mine');
    });
    server.on('upgrade', (req, socket, head) => {
      if (!sockjs.handleUpgrade(req, socket, head)) socket.destroy();
    });
    port = await listen(server);
  });
  after(() => stopHttp(server, [sockjs]));

  test('they take URLs under the prefix and return false for others', async () => {
    assert.equal((await request(port, '/plain/info')).status, 200);
    assert.equal((await request(port, '/plainly')).body, 'mine');
    assert.equal((await request(port, '/')).body, 'mine');
    const ws = new WsClient(`ws://127.0.0.1:${port}/plain/websocket`);
    await ws.opened;
    ws.ws.send('raw');
    assert.equal(await ws.message(1), 'raw');
    ws.ws.close();
    const refused = new WsClient(`ws://127.0.0.1:${port}/other/websocket`);
    await assert.rejects(refused.opened);
  });

  test('sessions opened through them are counted and freed after expiry', async () => {
    const before = conns.length;
    const closes: Promise<void>[] = [];
    for (let i = 0; i < 3; i++) {
      assert.equal((await post(port, `${sessionPath('/plain')}/xhr`)).body, 'o\n');
    }
    assert.equal(conns.length, before + 3);
    for (const c of conns.slice(before)) {
      closes.push(new Promise((resolve) => c.once('close', () => resolve())));
    }
    assert.equal(sockjs.stats().sessions.total >= 3, true);
    await Promise.all(closes);
    await sleep(100);
    assert.equal(sockjs.stats().sessions.total, 0);
    assert.equal(sockjs.wheel.size, 0);
  });
});

describe('Connection', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ disconnect_delay: 300, high_water_mark: 100, max_queue_size: 300 });
  });
  after(() => s.stop());

  test('connection event and properties (xhr-polling)', async () => {
    const path = sessionPath();
    const got = new Promise<Connection>((resolve) => s.echo.once('connection', resolve));
    await post(s.port, `${path}/xhr?x=1`, '', {
      'User-Agent': 'tester/1',
      Cookie: 'secret=1',
      'X-Forwarded-For': '10.0.0.1',
      Origin: 'http://o.test',
    });
    const conn = await got;
    assert.equal(conn.id, path.split('/').at(-1));
    assert.equal(conn.readyState, 1);
    assert.equal(conn.protocol, 'xhr-polling');
    assert.equal(conn.remoteAddress, '127.0.0.1');
    assert.equal(typeof conn.remotePort, 'number');
    assert.deepEqual(conn.address, { address: '127.0.0.1', port: s.port });
    assert.equal(conn.headers['user-agent'], 'tester/1');
    assert.equal(conn.headers['x-forwarded-for'], '10.0.0.1');
    assert.equal(conn.headers.origin, 'http://o.test');
    assert.equal(conn.headers.host, `127.0.0.1:${s.port}`);
    assert.equal(conn.headers.cookie, undefined);
    assert.equal(conn.url, `${path}/xhr?x=1`);
    assert.equal(conn.pathname, `${path}/xhr`);
    assert.equal(conn.prefix, '/echo');
  });

  test('protocol names the transport that opened the session', async () => {
    const names: string[] = [];
    const listener = (c: Connection) => names.push(c.protocol);
    s.echo.on('connection', listener);
    try {
      const st = new Stream(s.port, `${sessionPath()}/xhr_streaming`, { method: 'POST' });
      await st.waitFor('o\n');
      st.abort();
      const es = new Stream(s.port, `${sessionPath()}/eventsource`);
      await es.waitFor('data: o');
      es.abort();
      const hf = new Stream(s.port, `${sessionPath()}/htmlfile?c=x`);
      await hf.waitFor('p("o")');
      hf.abort();
      await request(s.port, `${sessionPath()}/jsonp?c=x`);
      const ws = new WsClient(`ws://127.0.0.1:${s.port}${sessionPath()}/websocket`);
      await ws.message(1);
      ws.ws.close();
      assert.deepEqual(names, [
        'xhr-streaming',
        'eventsource',
        'htmlfile',
        'jsonp-polling',
        'websocket',
      ]);
    } finally {
      s.echo.off('connection', listener);
    }
  });

  async function openPolling(): Promise<{ path: string; conn: Connection }> {
    const path = sessionPath();
    const got = new Promise<Connection>((resolve) => s.echo.once('connection', resolve));
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'o\n');
    return { path, conn: await got };
  }

  test('data events carry each message; write queues for the next receiver', async () => {
    const { path, conn } = await openPolling();
    const seen: string[] = [];
    conn.on('data', (m) => seen.push(m));
    await post(s.port, `${path}/xhr_send`, '["one","two"]');
    assert.deepEqual(seen, ['one', 'two']);
    assert.equal(conn.write('three'), true);
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'a["one","two","three"]\n');
  });

  test('write stringifies non-strings', async () => {
    const { path, conn } = await openPolling();
    conn.write(42);
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'a["42"]\n');
  });

  test('close(code, reason) sends the close frame and emits close once', async () => {
    const { path, conn } = await openPolling();
    let closes = 0;
    conn.on('close', () => closes++);
    assert.equal(conn.close(4001, 'custom'), true);
    assert.equal(conn.close(4002, 'again'), false);
    assert.equal(conn.readyState, 2);
    assert.equal(conn.write('late'), false);
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'c[4001,"custom"]\n');
    assert.equal(closes, 1);
  });

  test('close() defaults to 1000 "Normal closure"', async () => {
    const { path, conn } = await openPolling();
    conn.close();
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'c[1000,"Normal closure"]\n');
  });

  test('end(message) writes the message, then closes', async () => {
    const path = sessionPath();
    const stream = new Stream(s.port, `${path}/xhr_streaming`, { method: 'POST' });
    await stream.waitFor('o\n');
    s.connections.at(-1)!.end('bye');
    assert.equal(
      await stream.waitEnd(),
      'h'.repeat(2048) + '\no\na["bye"]\nc[1000,"Normal closure"]\n',
    );
  });

  test('close on an open websocket sends the frame, then the WebSocket close', async () => {
    const ws = new WsClient(`ws://127.0.0.1:${s.port}${sessionPath()}/websocket`);
    assert.equal(await ws.message(1), 'o');
    s.connections.at(-1)!.close(4000, 'bye bye');
    assert.equal(await ws.message(2), 'c[4000,"bye bye"]');
    assert.deepEqual(await ws.closed(), { code: 4000, reason: 'bye bye' });
  });

  test('destroy closes with 1000 and drops the data listeners (as sockjs-node)', async () => {
    const path = sessionPath();
    const stream = new Stream(s.port, `${path}/xhr_streaming`, { method: 'POST' });
    await stream.waitFor('o\n');
    const conn = s.connections.at(-1)!;
    let closed = false;
    conn.on('close', () => {
      closed = true;
    });
    conn.destroy();
    assert.equal(closed, true);
    assert.equal(conn.readyState, 2);
    assert.equal(conn.writable, false);
    assert.equal(conn.readable, false);
    assert.equal(conn.listenerCount('data'), 0);
    assert.equal(await stream.waitEnd(), 'h'.repeat(2048) + '\no\nc[1000,"Normal closure"]\n');
  });

  test('server.close() closes every session, then frees it (readyState 3)', async () => {
    const t = await startServer();
    try {
      const path = sessionPath();
      const stream = new Stream(t.port, `${path}/xhr_streaming`, { method: 'POST' });
      await stream.waitFor('o\n');
      const conn = t.connections.at(-1)!;
      await t.echo.close(4500, 'Maintenance', 500);
      assert.equal(await stream.waitEnd(), 'h'.repeat(2048) + '\no\nc[4500,"Maintenance"]\n');
      assert.equal(conn.readyState, 3);
      assert.equal(t.echo.stats().sessions.total, 0);
      assert.equal(t.echo.wheel.size, 0);
    } finally {
      await t.stop();
    }
  });

  test('write returns false above high_water_mark, and drain follows the flush', async () => {
    const { path, conn } = await openPolling();
    let drains = 0;
    conn.on('drain', () => drains++);
    assert.equal(conn.write('x'.repeat(60)), true);
    assert.equal(conn.write('y'.repeat(60)), false);
    assert.equal(drains, 0);
    const poll = await post(s.port, `${path}/xhr`);
    assert.equal(poll.body, `a["${'x'.repeat(60)}","${'y'.repeat(60)}"]\n`);
    assert.equal(drains, 1);
    assert.equal(conn.write('z'), true);
  });

  test('above max_queue_size the session is closed with 1008', async () => {
    const { path, conn } = await openPolling();
    let closed = false;
    conn.on('close', () => {
      closed = true;
    });
    conn.write('a'.repeat(200));
    assert.equal(closed, false);
    assert.equal(conn.write('b'.repeat(200)), false);
    assert.equal(closed, true);
    assert.equal(conn.readyState, 2);
    const bodies: string[] = [];
    for (let i = 0; i < 3; i++) bodies.push((await post(s.port, `${path}/xhr`)).body);
    assert.equal(bodies.at(-1), 'c[1008,"Outbound queue full"]\n');
  });
});
