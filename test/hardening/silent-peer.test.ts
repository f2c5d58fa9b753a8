// The server's side of liveness: a SockJS websocket whose peer went silent
// (no pong, no message; the network drops bytes, no FIN, no RST) is cut
// within a bounded time. Each heartbeat pings; a socket that answered
// nothing since the previous heartbeat is terminated. So an idle session is
// cut between 1 and 2 heartbeat_delay after the peer's last answer
// (25-50 s by default), and its connection's close follows.
//
// A session that keeps writing never reaches a heartbeat (the heartbeat
// clock restarts on every frame), so its sends make the same check once per
// heartbeat_delay: a busy session's silent peer is cut within the same bound.

import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { type Connection, createServer } from '../../packages/server/src/index.js';
import { HeartbeatClock } from '../helpers/http-client.ts';
import { listen, stopHttp, trackSockets } from '../helpers/http-server.ts';
import { type Relay, startRelay } from '../helpers/relay.ts';

const HEARTBEAT_MS = 300;

let http: ReturnType<typeof createHttpServer>;
let relay: Relay;
let clock: HeartbeatClock;
const connections: Connection[] = [];
before(async () => {
  http = createHttpServer();
  trackSockets(http);
  const sockjs = createServer({
    heartbeat_delay: HEARTBEAT_MS,
    disconnect_delay: 300,
    log: () => {},
  });
  sockjs.on('connection', (conn) => {
    connections.push(conn);
    conn.on('data', (m: string) => {
      // 'count': 30 numbered messages, one every 20 ms (several heartbeats).
      if (m === 'count') {
        let i = 0;
        const timer = setInterval(() => {
          conn.write(`n${i++}`);
          if (i === 30) clearInterval(timer);
        }, 20);
        conn.on('close', () => clearInterval(timer));
        return;
      }
      // 'busy': the server writes every 50 ms from now on.
      if (m !== 'busy') return;
      const timer = setInterval(() => conn.write('tick'), 50);
      conn.on('close', () => clearInterval(timer));
    });
  });
  sockjs.installHandlers(http, { prefix: '/echo' });
  const port = await listen(http);
  relay = await startRelay(port);
  // The server's heartbeat as the test's clock, straight to the server (not
  // through the relay, which the tests silence).
  clock = new HeartbeatClock(port, '/echo');
  await clock.tick();
});
after(async () => {
  clock.stop();
  await relay.close();
  await stopHttp(http);
});

let n = 0;
/** A SockJS websocket through the relay; resolves with its server connection once open. */
async function openThroughRelay(
  options: { autoPong?: boolean } = {},
): Promise<{ ws: WebSocket; conn: Connection }> {
  const known = connections.length;
  const ws = new WebSocket(
    relay.url(`/echo/000/s${++n}${Date.now()}/websocket`).replace('http', 'ws'),
    options,
  );
  ws.on('error', () => {});
  await new Promise<void>((resolve) => ws.once('message', () => resolve()));
  while (connections.length === known) await new Promise((r) => setTimeout(r, 5));
  return { ws, conn: connections.at(-1)! };
}

/** How many of the clock's heartbeats pass from now until `conn` closes. */
function beatsUntilClosed(conn: Connection): Promise<number> {
  const start = clock.beats;
  return new Promise((resolve) => conn.on('close', () => resolve(clock.beats - start)));
}

test('an idle session whose peer went silent is cut within 2 heartbeat_delay', {
  timeout: 10_000,
}, async () => {
  relay.mode = 'forward';
  const { ws, conn } = await openThroughRelay();
  // Let the heartbeat/pong cycle run once through the relay.
  await clock.tick();
  await clock.tick();
  // Silent right after a beat; cut after one unanswered ping, so within two
  // heartbeats of the last answer: before the clock's third beat.
  await clock.tick();
  relay.mode = 'silent';
  const beats = await beatsUntilClosed(conn);
  relay.mode = 'forward';
  ws.terminate();
  assert.ok(beats < 3, `still open after ${beats} heartbeats`);
  console.log(`idle silent peer cut after ${beats} heartbeats (heartbeat_delay ${HEARTBEAT_MS})`);
});

test('a busy session whose peer went silent is cut too', { timeout: 10_000 }, async () => {
  relay.mode = 'forward';
  const { ws, conn } = await openThroughRelay();
  ws.send('["busy"]');
  await clock.tick();
  relay.mode = 'silent';
  const beats = await beatsUntilClosed(conn);
  relay.mode = 'forward';
  ws.terminate();
  assert.ok(beats < 3, `still open after ${beats} heartbeats`);
  console.log(`busy silent peer cut after ${beats} heartbeats (heartbeat_delay ${HEARTBEAT_MS})`);
});

test('a busy session whose peer answers loses no frame at its liveness checks', {
  timeout: 10_000,
}, async () => {
  relay.mode = 'forward';
  const { ws } = await openThroughRelay();
  const frames: string[] = [];
  const all = new Promise<void>((resolve) =>
    ws.on('message', (data) => {
      frames.push(String(data));
      if (String(data).includes('"n29"')) resolve();
    }),
  );
  ws.send('["count"]');
  await all;
  ws.close();
  const numbered = frames.filter((f) => f.startsWith('a')).flatMap((f) => JSON.parse(f.slice(1)));
  assert.deepEqual(
    numbered,
    Array.from({ length: 30 }, (_, i) => `n${i}`),
  );
});

test('a peer that answers no ping but keeps sending is alive', { timeout: 10_000 }, async () => {
  relay.mode = 'forward';
  const { ws, conn } = await openThroughRelay({ autoPong: false });
  let closed = false;
  conn.on('close', () => {
    closed = true;
  });
  const start = clock.beats;
  const timer = setInterval(() => ws.send('["still here"]'), 50);
  while (clock.beats - start < 4 && !closed) await clock.tick();
  clearInterval(timer);
  ws.close();
  assert.equal(closed, false, `cut after ${clock.beats - start} heartbeats`);
});
