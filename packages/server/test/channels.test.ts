// Channels in one process, what allowRequest hands to connections
// (conn.data), and the health URL, over real HTTP and WebSocket sockets.

import assert from 'node:assert/strict';
import type net from 'node:net';
import { describe, test } from 'node:test';
import { eventually } from '../../../test/helpers/timing.ts';
import { type Broker, createServer } from '../src/index.js';
import { post, request, sessionPath, startServer, WsClient } from './support.js';

/** The messages a SockJS websocket client got, out of its `a[...]` frames. */
function got(client: WsClient): string[] {
  return client.messages.flatMap((f) => (f[0] === 'a' ? (JSON.parse(f.slice(1)) as string[]) : []));
}

/** Waits until `client` has `n` messages. */
function gets(client: WsClient, n: number, what: string): Promise<void> {
  return client.until(() => got(client).length >= n, what, 2000);
}

describe('channels', () => {
  test('publish reaches the members of a channel, in order; leave and close take them out', async () => {
    const s = await startServer();
    try {
      // The app: "join:<name>", "leave:<name>", "pub:<name>:<text>", "all:<text>".
      s.echo.removeAllListeners('connection');
      s.echo.on('connection', (conn) => {
        conn.on('data', (m) => {
          const [verb, name = '', ...rest] = m.split(':');
          if (verb === 'join') conn.join(name).write(`joined ${name}`);
          else if (verb === 'leave') conn.leave(name).write(`left ${name}`);
          else if (verb === 'pub') s.echo.publish(name, rest.join(':'));
          else if (verb === 'all') s.echo.broadcast(name);
        });
      });
      const a = new WsClient(`ws://127.0.0.1:${s.port}${sessionPath()}/websocket`);
      const b = new WsClient(`ws://127.0.0.1:${s.port}${sessionPath()}/websocket`);
      const c = new WsClient(`ws://127.0.0.1:${s.port}${sessionPath()}/websocket`);
      await Promise.all([a.opened, b.opened, c.opened]);
      a.ws.send('["join:red"]');
      b.ws.send('["join:red"]');
      b.ws.send('["join:blue"]');
      await gets(a, 1, 'a joined');
      await gets(b, 2, 'b joined');
      assert.deepEqual([...s.echo.members('red')].length, 2);
      for (let i = 1; i <= 50; i++) c.ws.send(JSON.stringify([`pub:red:m${i}`]));
      c.ws.send('["pub:blue:only b"]');
      await gets(b, 2 + 51, 'b got every publish');
      await gets(a, 1 + 50, 'a got every red publish');
      const red = Array.from({ length: 50 }, (_, i) => `m${i + 1}`);
      assert.deepEqual(got(a).slice(1), red);
      assert.deepEqual(got(b).slice(2), [...red, 'only b']);
      assert.equal(got(c).length, 0, 'a publisher outside the channel gets nothing');

      b.ws.send('["leave:red"]');
      await gets(b, 54, 'b left');
      c.ws.send('["pub:red:after leave"]');
      await gets(a, 52, 'a got the publish after b left');
      assert.equal(got(a).at(-1), 'after leave');
      assert.equal(got(b).at(-1), 'left red');
      assert.deepEqual(
        [...s.echo.members('red')].map((conn) => conn.channels.has('red')),
        [true],
      );

      a.ws.close();
      await eventually(() => s.echo.members('red').size === 0, 'closing left the channel');
      c.ws.send('["all:hello everyone"]');
      await b.until(() => got(b).at(-1) === 'hello everyone', 'broadcast to b', 2000);
      await c.until(() => got(c).at(-1) === 'hello everyone', 'broadcast to c', 2000);
      b.ws.close();
      c.ws.close();
    } finally {
      await s.stop();
    }
  });

  test('a publish to a member that does not read meets max_queue_size, not unbounded memory', async () => {
    const s = await startServer({ max_queue_size: 64 * 1024 });
    try {
      s.echo.removeAllListeners('connection');
      s.echo.on('connection', (conn) => conn.join('room'));
      // A receiving request that is never made again: the session's queue fills.
      const path = sessionPath();
      assert.equal((await post(s.port, `${path}/xhr`)).body, 'o\n');
      await eventually(() => s.echo.members('room').size === 1, 'joined');
      const [member] = s.echo.members('room');
      const closed = new Promise<void>((resolve) => member!.once('close', () => resolve()));
      for (let i = 0; i < 100; i++) s.echo.publish('room', 'x'.repeat(1024));
      await closed;
      assert.equal(s.echo.members('room').size, 0);
    } finally {
      await s.stop();
    }
  });
});

describe('channels with a broker', () => {
  test("the broker's client writes a publish before the members' frames go out", async () => {
    // A broker whose client, as node-redis does, writes from a setImmediate
    // callback: has any byte gone to the members by then?
    const sockets: net.Socket[] = [];
    const written = () => sockets.reduce((sum, socket) => sum + socket.bytesWritten, 0);
    const order: string[] = [];
    const broker: Broker = {
      start() {},
      publish(_channel, message) {
        const before = written();
        setImmediate(() => {
          order.push(`${message}: ${written() === before ? 'broker first' : 'members first'}`);
        });
      },
      close: async () => {},
    };
    const s = await startServer({ broker });
    try {
      s.http.on('connection', (socket: net.Socket) => sockets.push(socket));
      s.echo.removeAllListeners('connection');
      s.echo.on('connection', (conn) => {
        conn.on('data', (m) => {
          if (m === 'join') conn.join('room').write('joined');
          else s.echo.publish('room', m);
        });
      });
      const members = [0, 1, 2].map(
        () => new WsClient(`ws://127.0.0.1:${s.port}${sessionPath()}/websocket`),
      );
      await Promise.all(members.map((m) => m.opened));
      for (const m of members) m.ws.send('["join"]');
      for (const m of members) await gets(m, 1, 'joined');
      members[0]!.ws.send('["one"]');
      for (const m of members) await gets(m, 2, 'the publish');
      members[1]!.ws.send('["two"]');
      for (const m of members) await gets(m, 3, 'the second publish');
      assert.deepEqual(order, ['one: broker first', 'two: broker first']);
      for (const m of members) assert.deepEqual(got(m), ['joined', 'one', 'two']);
      for (const m of members) m.ws.close();
    } finally {
      await s.stop();
    }
  });
});

describe('conn.data: what allowRequest gives', () => {
  test('{ data } from a sync or async allowRequest reaches the connection on every transport', async () => {
    const seen: unknown[] = [];
    const s = await startServer({
      allowRequest: async (req) => {
        const user = new URL(req.url ?? '', 'http://x').searchParams.get('user');
        if (user === null) return { status: 401, reason: 'Who are you?' };
        return { data: { user } };
      },
    });
    try {
      s.echo.on('connection', (conn) => seen.push(conn.data));
      const ws = new WsClient(`ws://127.0.0.1:${s.port}${sessionPath()}/websocket?user=ada`);
      await ws.opened;
      assert.equal((await post(s.port, `${sessionPath()}/xhr?user=bob`)).body, 'o\n');
      const refused = await post(s.port, `${sessionPath()}/xhr`);
      assert.equal(refused.status, 401);
      await eventually(() => seen.length === 2, 'two connections');
      assert.deepEqual(seen, [{ user: 'ada' }, { user: 'bob' }]);
      ws.ws.close();
    } finally {
      await s.stop();
    }
  });

  test('without allowRequest, or when it answers true, conn.data is undefined', async () => {
    const s = await startServer({ allowRequest: () => true });
    try {
      const data: unknown[] = [];
      s.echo.on('connection', (conn) => data.push(conn.data));
      assert.equal((await post(s.port, `${sessionPath()}/xhr`)).body, 'o\n');
      await eventually(() => data.length === 1, 'connection');
      assert.deepEqual(data, [undefined]);
    } finally {
      await s.stop();
    }
  });
});

describe('health_path', () => {
  test('answers 200 with the session count while serving and 503 once close() began', async () => {
    const sockjs = createServer({ health_path: '/health' });
    assert.throws(() => createServer({ health_path: 'health' }), /must start with/);
    const s = await startServer();
    try {
      // A second SockJS server on the same HTTP server, owning the health URL.
      sockjs.installHandlers(s.http, { prefix: '/other' });
      const ok = await request(s.port, '/health?probe=1');
      assert.equal(ok.status, 200);
      assert.equal(ok.headers['content-type'], 'application/json; charset=UTF-8');
      assert.deepEqual(JSON.parse(ok.body), { status: 'ok', sessions: 0 });
      assert.equal((await request(s.port, '/healthz')).status, 404);
      await sockjs.close();
      const closing = await request(s.port, '/health');
      assert.equal(closing.status, 503);
      assert.deepEqual(JSON.parse(closing.body), { status: 'closing', sessions: 0 });
    } finally {
      await s.stop();
    }
  });
});
