// Faults over real sockets: clients that stop reading, clients that vanish
// without a FIN, and receivers that come and go while the application writes.

import assert from 'node:assert/strict';
import diagnostics_channel from 'node:diagnostics_channel';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import {
  CHANNELS,
  type Connection,
  type SessionCloseMessage,
} from '../../packages/server/src/index.js';
import { RawSocket, Stream } from '../helpers/http-client.ts';
import { eventually, sleep, withDeadline } from '../helpers/timing.ts';
import {
  type Harness,
  newSessionId,
  Relay,
  request,
  startHarness,
  upgradeRequest,
} from './helpers.js';

const MAX_QUEUE = 256 * 1024;
const HIGH_WATER = 64 * 1024;

const closes: SessionCloseMessage[] = [];
const onClose = (m: unknown) => closes.push(m as SessionCloseMessage);
before(() => diagnostics_channel.subscribe(CHANNELS.sessionClose, onClose));
after(() => diagnostics_channel.unsubscribe(CHANNELS.sessionClose, onClose));

/** An xhr echo round trip on a new session. */
async function echoWorks(port: number): Promise<void> {
  const path = `/echo/000/${newSessionId()}`;
  assert.equal((await request(port, `${path}/xhr`, { method: 'POST' })).body, 'o\n');
  assert.equal(
    (await request(port, `${path}/xhr_send`, { method: 'POST', body: '["ping"]' })).status,
    204,
  );
  assert.equal((await request(port, `${path}/xhr`, { method: 'POST' })).body, 'a["ping"]\n');
}

function openSockets(h: Harness): Promise<number> {
  return new Promise((resolve, reject) =>
    h.http.getConnections((err, n) => (err ? reject(err) : resolve(n))),
  );
}

/** Resolves true at the next 'drain' or false after `ms`. */
function drainWithin(conn: Connection, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (drained: boolean) => {
      clearTimeout(timer);
      conn.off('drain', onDrain);
      resolve(drained);
    };
    const onDrain = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    conn.on('drain', onDrain);
  });
}

describe('a client that stops reading', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      max_queue_size: MAX_QUEUE,
      high_water_mark: HIGH_WATER,
      // Long enough for echoWorks' polls on a loaded machine (a shorter one
      // let a session expire between its xhr and its xhr_send once).
      disconnect_delay: 1000,
      // Streams stay open however much goes through: the socket is what fills.
      response_limit: 1 << 30,
    });
  });
  after(() => h.stop());

  const opens: Record<string, (id: string) => string> = {
    'xhr-streaming': (id) =>
      `POST /echo/000/${id}/xhr_streaming HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n`,
    eventsource: (id) => `GET /echo/000/${id}/eventsource HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
    htmlfile: (id) => `GET /echo/000/${id}/htmlfile?c=cb HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
    websocket: (id) => upgradeRequest(`/echo/000/${id}/websocket`),
  };

  for (const [transport, open] of Object.entries(opens)) {
    test(`${transport}: write() returns false, no drain while stuck, then 1008 and the session is freed`, async () => {
      const id = newSessionId();
      const client = new RawSocket(h.port);
      client.socket.write(open(id));
      const conn = await h.connection(id);
      assert.equal(conn.protocol, transport);
      await client.waitText(transport === 'websocket' ? '\x81\x01o' : 'o');
      // From here on nothing is read: the TCP window fills up.
      client.socket.pause();
      let closed = false;
      conn.on('close', () => {
        closed = true;
      });

      // Fill the socket: while drains keep coming the data still flows into
      // kernel buffers; once no drain comes, the client is stuck.
      const chunk = 'x'.repeat(16 * 1024);
      let stuck = false;
      for (let round = 0; round < 4000 && !closed; round++) {
        let accepted = true;
        while (accepted) accepted = conn.write(chunk);
        if (!(await drainWithin(conn, 500))) {
          stuck = true;
          break;
        }
      }
      assert.equal(closed, false, 'closed before the socket filled up');
      assert.ok(stuck, 'drain kept coming');

      // Stuck: write() says false, no drain comes, and others are served.
      assert.equal(conn.write('one more'), false);
      const drained = drainWithin(conn, 1000);
      await echoWorks(h.port);
      assert.equal(await drained, false, "'drain' while the client reads nothing");
      assert.equal(closed, false);

      // Past max_queue_size the session is closed with 1008.
      for (let i = 0; i < 100 && !closed; i++) conn.write(chunk);
      assert.ok(closed, "no 'close' after max_queue_size was passed");
      const message = closes.find((m) => m.id === id);
      assert.deepEqual(message && { code: message.code, reason: message.reason }, {
        code: 1008,
        reason: 'Outbound queue full',
      });
      // The session and the socket it was stuck on (with the frames buffered
      // in it) are let go of.
      await eventually(() => h.sockjs.stats().sessions.total === 0, 'session freed', 5000);
      const start = Date.now();
      while ((await openSockets(h)) > 0) {
        assert.ok(Date.now() - start < 5000, 'the server still holds the stuck socket');
        await sleep(50);
      }
      client.socket.destroy();
      await echoWorks(h.port);
    });
  }
});

describe('a streaming response that does not drain for a whole heartbeat is cut', () => {
  let h: Harness;
  before(async () => {
    // Streams stay open however much goes through, and the queue never
    // reaches max_queue_size: only the heartbeat can end the stuck stream.
    h = await startHarness({
      heartbeat_delay: 200,
      disconnect_delay: 5000,
      response_limit: 1 << 30,
    });
  });
  after(() => h.stop());

  const streams: Record<string, [open: (id: string) => string, openFrame: string]> = {
    'xhr-streaming': [
      (id) =>
        `POST /echo/000/${id}/xhr_streaming HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n`,
      'o\n',
    ],
    eventsource: [
      (id) => `GET /echo/000/${id}/eventsource HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
      'data: o\r\n',
    ],
    htmlfile: [
      (id) => `GET /echo/000/${id}/htmlfile?c=cb HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
      'p("o");',
    ],
  };

  for (const [transport, [open, openFrame]] of Object.entries(streams)) {
    test(`${transport}: the session closes with 1002 "Connection interrupted"`, async () => {
      const id = newSessionId();
      const client = new RawSocket(h.port);
      client.socket.write(open(id));
      const conn = await h.connection(id);
      await client.waitText(openFrame);
      client.socket.pause();
      let closed = false;
      conn.on('close', () => {
        closed = true;
      });
      // Fill the socket until no drain comes: the response is stuck.
      const chunk = 'x'.repeat(16 * 1024);
      let stuck = false;
      for (let round = 0; round < 4000 && !closed && !stuck; round++) {
        while (conn.write(chunk)) {}
        stuck = !(await drainWithin(conn, 100));
      }
      // Heartbeats are 200 ms apart; a stuck stream is cut at the second one
      // without a drain. Without the cut nothing else would close it: the
      // queue stays far below max_queue_size and the client never goes.
      await eventually(() => closed, 'the stuck stream cut', 5000);
      const message = closes.find((m) => m.id === id);
      assert.deepEqual(message && { code: message.code, reason: message.reason }, {
        code: 1002,
        reason: 'Connection interrupted',
      });
      // The server destroyed the socket: reading again, the client sees it go.
      client.socket.resume();
      await client.waitClose();
      await echoWorks(h.port);
    });
  }

  test('a stream that keeps draining is not cut across many heartbeats', async () => {
    const id = newSessionId();
    const stream = new Stream(h.port, `/echo/000/${id}/xhr_streaming`, { method: 'POST' });
    await stream.waitFor('o\n');
    const conn = await h.connection(id);
    let closed = false;
    conn.on('close', () => {
      closed = true;
    });
    // Five heartbeats of 200 ms each reach the reading client.
    const heartbeats = () => stream.text.split('\n').filter((line) => line === 'h').length;
    await eventually(() => heartbeats() >= 5, 'five heartbeats', 5000);
    assert.equal(closed, false);
    stream.abort();
  });
});

describe('a client that vanishes without a FIN', () => {
  let h: Harness;
  let relay: Relay;
  before(async () => {
    h = await startHarness({ heartbeat_delay: 200, disconnect_delay: 300 });
    relay = new Relay(h.port);
    await relay.listen();
  });
  after(async () => {
    relay.close();
    await h.stop();
  });

  test('websocket: the heartbeat deadline closes the session', async () => {
    const id = newSessionId();
    const ws = new WebSocket(`ws://127.0.0.1:${relay.port}/echo/000/${id}/websocket`);
    ws.on('error', () => {});
    const messages: string[] = [];
    ws.on('message', (d) => messages.push(String(d)));
    await eventually(() => messages[0] === 'o', 'open frame through the relay');
    ws.send('["through"]');
    await eventually(() => messages.includes('a["through"]'), 'echo through the relay');
    const conn = await h.connection(id);
    const closed = new Promise<void>((resolve) => conn.on('close', resolve));

    relay.blackHole();
    // A few heartbeats of 200 ms are enough to notice; TCP alone would
    // take many minutes.
    await withDeadline(closed, 5000, 'session close after the peer vanished');
    await eventually(() => h.sockjs.stats().sessions.total === 0, 'session freed', 3000);
    ws.terminate();
  });
});

describe('nothing acknowledged is lost', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ heartbeat_delay: 300, disconnect_delay: 2000, response_limit: 600 });
  });
  after(() => h.stop());

  test('xhr polling: messages written between polls reach the next poll, in order', async () => {
    const id = newSessionId();
    const path = `/echo/000/${id}/xhr`;
    assert.equal((await request(h.port, path, { method: 'POST' })).body, 'o\n');
    const conn = await h.connection(id);
    const written: string[] = [];
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < 300; i++) {
        const m = `m${i}-${'\u2028"\\'.repeat(i % 3)}`;
        conn.write(m);
        written.push(m);
        // Sometimes a burst in one tick, sometimes a pause across polls.
        if (i % 7 === 0) await sleep(Math.floor(Math.random() * 15));
      }
      writing = false;
    })();
    const received: string[] = [];
    while (writing || received.length < written.length) {
      const r = await request(h.port, path, { method: 'POST' });
      assert.equal(r.status, 200);
      const frame = r.body.slice(0, -1);
      if (frame === 'h') continue;
      assert.equal(frame[0], 'a', r.body);
      received.push(...(JSON.parse(frame.slice(1)) as string[]));
      // Sometimes the client is slow to come back.
      if (Math.random() < 0.2) await sleep(10);
    }
    await writer;
    assert.deepEqual(received, written);
  });

  test('xhr streaming: across response_limit reconnects, every message arrives once, in order', async () => {
    const id = newSessionId();
    const url = `/echo/000/${id}/xhr_streaming`;
    let stream = new Stream(h.port, url, { method: 'POST' });
    await stream.waitFor('o\n');
    const conn = await h.connection(id);
    const written: string[] = [];
    for (let i = 0; i < 200; i++) {
      written.push(`n${i}`);
      conn.write(`n${i}`);
      if (i % 10 === 0) await sleep(1);
    }
    const received: string[] = [];
    const collect = (text: string) => {
      for (const line of text.split('\n')) {
        if (line.startsWith('a[')) received.push(...(JSON.parse(line.slice(1)) as string[]));
      }
    };
    for (let reconnects = 0; received.length < written.length; reconnects++) {
      assert.ok(reconnects < 200, `stuck at ${received.length} messages`);
      await stream.waitEnd();
      collect(stream.text);
      if (received.length === written.length) break;
      stream = new Stream(h.port, url, { method: 'POST' });
      await eventually(() => stream.ended || stream.text.includes('\na['), 'next frames');
    }
    assert.deepEqual(received, written);
    stream.abort();
  });
});
