// Heartbeats and disconnect_delay on every transport, on a mocked clock
// (node:test's MockTimers for setTimeout and Date, which the timer wheel and
// the sessions read): the requests and sockets are real, time moves only
// when a test ticks it, so each deadline is checked one millisecond before
// and at the moment it is due. No assertion here depends on how fast the
// machine is.
//
// What the server writes is recorded synchronously from its sockets: a
// deadline runs inside mock.timers.tick(), so right after a tick the frame it
// wrote is (or is not) in `written`.

import assert from 'node:assert/strict';
import type net from 'node:net';
import { after, before, describe, mock, test } from 'node:test';
import {
  post,
  request,
  Stream,
  sessionPath,
  startServer,
  type TestServer,
  WsClient,
} from './support.js';

// The defaults, as documented.
const HEARTBEAT = 25_000;
const DISCONNECT = 5_000;

let s: TestServer;
let written = '';
const arrivedUrls: string[] = [];

before(async () => {
  // Before the server: its timer wheel reads the clock it is made with.
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  s = await startServer();
  s.http.on('connection', (socket: net.Socket) => {
    const write = socket.write;
    socket.write = function (this: net.Socket, chunk: unknown, ...rest: unknown[]) {
      written +=
        typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('latin1');
      return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof socket.write;
  });
  s.http.prependListener('request', (req: { url?: string }) => {
    arrivedUrls.push(req.url ?? '');
  });
});
after(async () => {
  mock.timers.reset();
  await s.stop();
});

/** Moves the clock by `ms` (running every deadline due) and returns what the server wrote meanwhile. */
function tick(ms: number): string {
  written = '';
  mock.timers.tick(ms);
  return written;
}

/**
 * Resolves once the server has been handed `count` requests for `path` (its
 * handlers run in the same turn, so a poll is attached by then).
 */
async function arrived(path: string, count: number): Promise<void> {
  while (arrivedUrls.filter((u) => u === path).length < count)
    await new Promise((resolve) => setImmediate(resolve));
}

/** The clock is a multiple of the wheel's 50 ms slots, so deadlines fall on exact ticks. */
function assertOnSlot(): void {
  assert.equal(Date.now() % 50, 0, `clock at ${Date.now()}`);
}

describe('heartbeat_delay: a heartbeat after exactly heartbeat_delay without frames', () => {
  const streams: [transport: string, url: (path: string) => string, method: string, h: string][] = [
    ['xhr_streaming', (p) => `${p}/xhr_streaming`, 'POST', 'h\n'],
    ['eventsource', (p) => `${p}/eventsource`, 'GET', 'data: h\r\n\r\n'],
    ['htmlfile', (p) => `${p}/htmlfile?c=cb`, 'GET', '<script>\np("h");\n</script>\r\n'],
  ];

  for (const [transport, url, method, h] of streams) {
    test(`${transport}: none at heartbeat_delay - 1, one at heartbeat_delay, the next a delay later`, async () => {
      assertOnSlot();
      const stream = new Stream(s.port, url(sessionPath()), { method });
      await stream.waitFor(
        transport === 'eventsource' ? 'data: o' : transport === 'htmlfile' ? 'p("o")' : 'o\n',
      );
      assert.equal(tick(HEARTBEAT - 1), '');
      assert.ok(tick(1).includes(h), 'heartbeat at heartbeat_delay');
      await stream.waitFor(h);
      assert.equal(tick(HEARTBEAT - 1), '');
      assert.ok(tick(1).includes(h), 'the second heartbeat');
      await stream.waitFor(new RegExp(`(${h.replace(/[()[\]\\.*+?^$|]/g, '\\$&')}.*){2}`, 's'));
      stream.abort();
    });
  }

  test('a frame sent restarts the count: the heartbeat comes heartbeat_delay after it', async () => {
    assertOnSlot();
    const path = sessionPath();
    const stream = new Stream(s.port, `${path}/xhr_streaming`, { method: 'POST' });
    await stream.waitFor('o\n');
    tick(HEARTBEAT / 2);
    assert.equal((await post(s.port, `${path}/xhr_send`, '["m"]')).status, 204);
    await stream.waitFor('a["m"]\n');
    // Where the heartbeat was first due, the message is too recent.
    assert.equal(tick(HEARTBEAT / 2), '');
    assert.equal(tick(HEARTBEAT / 2 - 1), '');
    assert.ok(tick(1).includes('h\n'));
    await stream.waitFor('a["m"]\nh\n');
    stream.abort();
  });

  for (const [transport, url, method, h] of [
    ['xhr', (p: string) => `${p}/xhr`, 'POST', 'h\n'],
    ['jsonp', (p: string) => `${p}/jsonp?c=cb`, 'GET', '/**/cb("h");\r\n'],
  ] as const) {
    test(`${transport} polling: a waiting poll is answered with a heartbeat at heartbeat_delay`, async () => {
      assertOnSlot();
      const path = sessionPath();
      assert.equal((await request(s.port, url(path), { method })).status, 200);
      const poll = new Stream(s.port, url(path), { method });
      // The opening request, then the waiting poll.
      await arrived(url(path), 2);
      assert.equal(tick(HEARTBEAT - 1), '');
      assert.ok(tick(1).includes(h));
      assert.equal(await poll.waitEnd(), h);
    });
  }

  test('SockJS websocket: an h text frame and a WebSocket ping per heartbeat, exactly', async () => {
    assertOnSlot();
    const ws = new WsClient(`ws://127.0.0.1:${s.port}${sessionPath()}/websocket`);
    assert.equal(await ws.message(1), 'o');
    assert.equal(tick(HEARTBEAT - 1), '');
    assert.ok(tick(1).includes('\x81\x01h'));
    assert.equal(await ws.message(2), 'h');
    await ws.until(() => ws.pings === 1, 'the first ping', 5000);
    // A round trip on another socket: the pong the client sent back at once
    // is read by then, so the next heartbeat does not cut the socket.
    assert.equal((await request(s.port, '/echo/info')).status, 200);
    assert.equal(tick(HEARTBEAT - 1), '');
    assert.ok(tick(1).includes('\x81\x01h'));
    assert.equal(await ws.message(3), 'h');
    await ws.until(() => ws.pings === 2, 'the second ping', 5000);
    assert.deepEqual(ws.messages, ['o', 'h', 'h']);
    assert.equal(ws.pings, 2);
    ws.ws.close();
    await ws.closed();
  });

  test('raw websocket: no text, only a WebSocket ping at heartbeat_delay', async () => {
    assertOnSlot();
    const ws = new WsClient(`ws://127.0.0.1:${s.port}/echo/websocket`);
    await ws.opened;
    assert.equal(tick(HEARTBEAT - 1), '');
    assert.equal(tick(1), '\x89\x00');
    await ws.until(() => ws.pings === 1, 'the ping', 5000);
    ws.ws.send('still here?');
    assert.equal(await ws.message(1), 'still here?');
    assert.deepEqual(ws.messages, ['still here?']);
    ws.ws.close();
    await ws.closed();
  });
});

describe('disconnect_delay: a session without a receiver lives exactly disconnect_delay', () => {
  test('xhr_send at disconnect_delay - 1 is 204, at disconnect_delay 404; the next receiver opens a new session', async () => {
    assertOnSlot();
    const path = sessionPath();
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'o\n');
    const conn = s.connections.at(-1)!;
    tick(DISCONNECT - 1);
    assert.equal(conn.readyState, 1);
    assert.equal((await post(s.port, `${path}/xhr_send`, '["x"]')).status, 204);
    tick(1);
    assert.equal(conn.readyState, 3);
    assert.equal((await post(s.port, `${path}/xhr_send`, '["y"]')).status, 404);
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'o\n');
    assert.notEqual(s.connections.at(-1), conn);
  });

  test('counted from the end of the last receiver: a poll ended by a heartbeat', async () => {
    assertOnSlot();
    const path = sessionPath();
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'o\n');
    const conn = s.connections.at(-1)!;
    const poll = new Stream(s.port, `${path}/xhr`, { method: 'POST' });
    await arrived(`${path}/xhr`, 2);
    // Attached, the session outlives the delay many times over.
    tick(HEARTBEAT);
    assert.equal(await poll.waitEnd(), 'h\n');
    tick(DISCONNECT - 1);
    assert.equal(conn.readyState, 1);
    tick(1);
    assert.equal(conn.readyState, 3);
  });

  test('counted afresh after every poll: a deadline that moved later neither expires early nor is lost', async () => {
    assertOnSlot();
    const path = sessionPath();
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'o\n');
    const conn = s.connections.at(-1)!;
    // Three more polls, each answered by a send 4 s after the one before:
    // every detach moves the expiry later than where the wheel holds it.
    for (let i = 0; i < 3; i++) {
      tick(DISCONNECT - 1000);
      const poll = new Stream(s.port, `${path}/xhr`, { method: 'POST' });
      await arrived(`${path}/xhr`, i + 2);
      assert.equal((await post(s.port, `${path}/xhr_send`, `["${i}"]`)).status, 204);
      assert.equal(await poll.waitEnd(), `a["${i}"]\n`);
    }
    assert.equal(conn.readyState, 1);
    tick(DISCONNECT - 1);
    assert.equal(conn.readyState, 1, 'not expired by the earlier deadlines');
    tick(1);
    assert.equal(conn.readyState, 3, 'expired disconnect_delay after the last poll');
  });

  test('a streaming receiver keeps the session alive past the delay', async () => {
    assertOnSlot();
    const path = sessionPath();
    const stream = new Stream(s.port, `${path}/xhr_streaming`, { method: 'POST' });
    await stream.waitFor('o\n');
    tick(DISCONNECT * 4);
    assert.equal((await post(s.port, `${path}/xhr_send`, '["alive"]')).status, 204);
    await stream.waitFor('a["alive"]\n');
    stream.abort();
  });

  test('a closed session answers its close frame until disconnect_delay, then is forgotten', async () => {
    assertOnSlot();
    const path = sessionPath('/close');
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'o\n');
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'c[3000,"Go away!"]\n');
    // Receivers that only get the close frame do not extend the delay.
    tick(DISCONNECT - 1);
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'c[3000,"Go away!"]\n');
    tick(1);
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'o\n');
  });
});
