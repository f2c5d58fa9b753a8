// Session lifetime over real sockets: open and close frames, one receiver
// per session, aborted receivers, expiry. Heartbeats and disconnect_delay,
// to the millisecond on a mocked clock, are in timers.test.ts.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  post,
  request,
  Stream,
  sessionPath,
  sleep,
  startServer,
  type TestServer,
  WsClient,
} from './support.js';

const PRELUDE = 'h'.repeat(2048) + '\n';

let s: TestServer;
// Same delays, but no heartbeat to interleave with exact expectations.
let quiet: TestServer;
before(async () => {
  s = await startServer({ heartbeat_delay: 200, disconnect_delay: 300 });
  quiet = await startServer({ disconnect_delay: 300 });
});
after(async () => {
  await s.stop();
  await quiet.stop();
});

describe('close frames', () => {
  test('c[3000,"Go away!"] follows o, and is repeated to every later receiver', async () => {
    const path = sessionPath('/close');
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'o\n');
    for (let i = 0; i < 3; i++) {
      assert.equal((await post(s.port, `${path}/xhr`)).body, 'c[3000,"Go away!"]\n');
    }
    const stream = new Stream(s.port, `${path}/xhr_streaming`, { method: 'POST' });
    assert.equal(await stream.waitEnd(), PRELUDE + 'c[3000,"Go away!"]\n');
    const jsonp = await request(s.port, `${path}/jsonp?c=cb`);
    assert.equal(jsonp.body, '/**/cb("c[3000,\\"Go away!\\"]");\r\n');
  });

  test('a streaming receiver gets o and the close frame, then the response ends', async () => {
    const stream = new Stream(s.port, `${sessionPath('/close')}/xhr_streaming`, { method: 'POST' });
    assert.equal(await stream.waitEnd(), PRELUDE + 'o\nc[3000,"Go away!"]\n');
    const es = new Stream(s.port, `${sessionPath('/close')}/eventsource`);
    assert.equal(await es.waitEnd(), '\r\ndata: o\r\n\r\ndata: c[3000,"Go away!"]\r\n\r\n');
  });
});

describe('one receiver per session', () => {
  test('a second streaming receiver gets 2010 and ends; the first one keeps working', async () => {
    const path = sessionPath();
    const first = new Stream(quiet.port, `${path}/xhr_streaming`, { method: 'POST' });
    await first.waitFor('o\n');
    const second = new Stream(quiet.port, `${path}/xhr_streaming`, { method: 'POST' });
    assert.equal(await second.waitEnd(), PRELUDE + 'c[2010,"Another connection still open"]\n');
    assert.equal((await post(quiet.port, `${path}/xhr_send`, '["still"]')).status, 204);
    await first.waitFor('o\na["still"]\n');
    assert.equal(first.ended, false);
    first.abort();
  });

  test('a second polling receiver gets 2010; the session stays alive', async () => {
    const path = sessionPath();
    assert.equal((await post(quiet.port, `${path}/xhr`)).body, 'o\n');
    const waiting = new Stream(quiet.port, `${path}/xhr`, { method: 'POST' });
    await sleep(50);
    const busy = await post(quiet.port, `${path}/xhr`);
    assert.equal(busy.body, 'c[2010,"Another connection still open"]\n');
    await post(quiet.port, `${path}/xhr_send`, '["x"]');
    assert.equal(await waiting.waitEnd(), 'a["x"]\n');
  });
});

describe('aborted receivers', () => {
  test('aborting xhr_streaming closes the session with 1002; the next receiver gets c[1002,...]', async () => {
    const path = sessionPath();
    const stream = new Stream(s.port, `${path}/xhr_streaming`, { method: 'POST' });
    await stream.waitFor('o\n');
    const conn = s.connections.at(-1)!;
    const closed = new Promise<void>((resolve) => conn.once('close', () => resolve()));
    stream.abort();
    await closed;
    assert.equal(conn.readyState, 2);
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'c[1002,"Connection interrupted"]\n');
    assert.equal((await post(s.port, `${path}/xhr_send`, '["x"]')).status, 404);
  });

  test('aborting a long poll does the same', async () => {
    const path = sessionPath();
    await post(s.port, `${path}/xhr`);
    const poll = new Stream(s.port, `${path}/xhr`, { method: 'POST' });
    await sleep(50);
    poll.abort();
    await sleep(50);
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'c[1002,"Connection interrupted"]\n');
  });

  test('closing the SockJS websocket from the client emits close on the connection', async () => {
    const ws = new WsClient(`ws://127.0.0.1:${s.port}${sessionPath()}/websocket`);
    assert.equal(await ws.message(1), 'o');
    const conn = s.connections.at(-1)!;
    assert.equal(conn.protocol, 'websocket');
    const closed = new Promise<void>((resolve) => conn.once('close', () => resolve()));
    ws.ws.close();
    await closed;
  });
});

describe('expiry frees sessions and timers', () => {
  test('after disconnect_delay no session and no deadline is left', async () => {
    const t = await startServer({ heartbeat_delay: 100, disconnect_delay: 150 });
    try {
      let closes = 0;
      const closed: Promise<void>[] = [];
      t.echo.on('connection', (c) => {
        closed.push(new Promise((resolve) => c.once('close', () => resolve())));
        c.on('close', () => closes++);
      });
      for (let i = 0; i < 4; i++) {
        assert.equal((await post(t.port, `${sessionPath()}/xhr`)).body, 'o\n');
      }
      const stream = new Stream(t.port, `${sessionPath()}/xhr_streaming`, { method: 'POST' });
      await stream.waitFor('o\n');
      const ws = new WsClient(`ws://127.0.0.1:${t.port}${sessionPath()}/websocket`);
      assert.equal(await ws.message(1), 'o');
      const raw = new WsClient(`ws://127.0.0.1:${t.port}/echo/websocket`);
      await raw.opened;
      await sleep(20);
      assert.equal(t.connections.length, 7, t.connections.map((c) => c.protocol).join());
      // Idle sessions may already have expired (a loaded machine is slow);
      // each one still open is counted.
      assert.equal(t.echo.stats().sessions.total, 7 - closes);
      stream.abort();
      ws.ws.close();
      raw.ws.close();
      await Promise.all(closed);
      const deadline = Date.now() + 2000;
      // Closed sessions linger for disconnect_delay (later receivers get the
      // close frame again); then their deadlines leave the wheel.
      while (
        (t.echo.stats().sessions.total > 0 || t.echo.wheel.size > 0) &&
        Date.now() < deadline
      ) {
        await sleep(20);
      }
      assert.equal(closes, 7);
      assert.equal(t.echo.stats().sessions.total, 0);
      assert.equal(t.echo.wheel.size, 0);
      for (const c of t.connections) assert.equal(c.readyState, 3);
    } finally {
      await t.stop();
    }
  });
});
