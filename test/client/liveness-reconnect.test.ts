// Liveness and reconnect end to end, in Node, on every transport the Node
// client has, through a loopback relay the test controls (test/helpers/relay.ts):
// a relay that goes silent is noticed within heartbeatTimeout (2011); a
// connection cut with RST or FIN closes with a non-1000 code and
// ReconnectingSockJS comes back on a new session.

import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createServer } from '@sockjs-ts/server';
import { SockJS } from '../../packages/client/src/node.ts';
import { ReconnectingSockJS } from '../../packages/client/src/reconnecting.node.ts';
import { listen, stopHttp, trackSockets } from '../helpers/http-server.ts';
import { type Relay, startRelay } from '../helpers/relay.ts';

const TRANSPORTS = ['websocket', 'xhr-streaming', 'eventsource', 'xhr-polling'] as const;
const HEARTBEAT_MS = 200;
const LIVENESS_MS = 600;

let http: ReturnType<typeof createHttpServer>;
let port: number;
before(async () => {
  http = createHttpServer();
  trackSockets(http);
  const echo = createServer({
    heartbeat_delay: HEARTBEAT_MS,
    disconnect_delay: 500,
    log: () => {},
  });
  echo.on('connection', (conn) => conn.on('data', (m: string) => conn.write(m)));
  echo.installHandlers(http, { prefix: '/echo' });
  port = await listen(http);
});
after(() => stopHttp(http));

function waitFor<T = Record<string, unknown>>(
  target: { addEventListener(type: string, fn: (ev: never) => void): void },
  type: string,
  ms = 10_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} within ${ms} ms`)), ms);
    target.addEventListener(type, ((ev: T) => {
      clearTimeout(timer);
      resolve(ev);
    }) as (ev: never) => void);
  });
}

async function echoes(
  sock: { send(d: string): void } & Parameters<typeof waitFor>[0],
  text: string,
) {
  const got = waitFor<{ data: string }>(sock, 'message');
  sock.send(text);
  assert.equal((await got).data, text);
}

for (const transport of TRANSPORTS) {
  describe(`${transport} through a relay`, () => {
    let relay: Relay;
    before(async () => {
      relay = await startRelay(port);
    });
    after(() => relay.close());

    test('a relay that goes silent is noticed within heartbeatTimeout: 2011, not clean', {
      timeout: 20_000,
    }, async () => {
      relay.mode = 'forward';
      const sock = new SockJS(relay.url('/echo'), null, {
        transports: [transport],
        heartbeatTimeout: LIVENESS_MS,
      });
      await waitFor(sock, 'open');
      assert.equal(sock.transport, transport);
      // On websocket the clock starts at the first h.
      await waitFor(sock, 'heartbeat');
      await echoes(sock, 'before');
      relay.mode = 'silent';
      const silentAt = Date.now();
      const closed = await waitFor<{ code: number; reason: string; wasClean: boolean }>(
        sock,
        'close',
      );
      const took = Date.now() - silentAt;
      assert.equal(closed.code, 2011);
      assert.equal(closed.reason, 'Heartbeat timeout');
      assert.equal(closed.wasClean, false);
      // 2011 is the liveness timeout's own code: the time it took is printed, not asserted.
      console.log(
        `${transport}: silence noticed after ${took} ms (heartbeatTimeout ${LIVENESS_MS})`,
      );
      relay.mode = 'forward';
    });

    for (const cut of ['reset', 'fin'] as const) {
      test(`a ${cut === 'reset' ? 'RST' : 'FIN'} closes with a non-1000 code and ReconnectingSockJS comes back`, {
        timeout: 20_000,
      }, async () => {
        relay.mode = 'forward';
        const sock = new ReconnectingSockJS(relay.url('/echo'), null, {
          transports: [transport],
          heartbeatTimeout: LIVENESS_MS,
          minDelay: 100,
          maxDelay: 500,
        });
        const events: string[] = [];
        sock.addEventListener('close', () => events.push('close'));
        await waitFor(sock, 'open');
        await echoes(sock, 'one');
        const dropped = waitFor<{ code: number; attempt: number; delay: number }>(
          sock,
          'reconnecting',
        );
        const back = waitFor<{ attempt: number; transport: string }>(sock, 'reconnected');
        relay[cut]();
        const drop = await dropped;
        assert.notEqual(drop.code, 1000);
        assert.equal(drop.attempt, 1);
        assert.ok(drop.delay >= 0 && drop.delay < 100, `delay ${drop.delay}`);
        assert.equal(sock.readyState, sock.CONNECTING);
        assert.throws(() => sock.send('between'), { name: 'InvalidStateError' });
        const again = await back;
        assert.equal(again.transport, transport);
        assert.equal(sock.readyState, sock.OPEN);
        await echoes(sock, 'two');
        assert.deepEqual(events, [], 'no close event while reconnecting');
        sock.close();
        const closed = await waitFor<{ code: number }>(sock, 'close');
        assert.equal(closed.code, 1000);
      });
    }

    test('silence, then the network comes back: 2011, reconnecting, reconnected', {
      timeout: 20_000,
    }, async () => {
      relay.mode = 'forward';
      const sock = new ReconnectingSockJS(relay.url('/echo'), null, {
        transports: [transport],
        heartbeatTimeout: LIVENESS_MS,
        minDelay: 200,
        maxDelay: 400,
        timeout: 1000,
      });
      await waitFor(sock, 'open');
      await waitFor(sock, 'heartbeat');
      relay.mode = 'silent';
      const drop = await waitFor<{ code: number }>(sock, 'reconnecting');
      assert.equal(drop.code, 2011);
      relay.mode = 'forward';
      await waitFor(sock, 'reconnected');
      await echoes(sock, 'back');
      sock.close();
      await waitFor(sock, 'close');
    });
  });
}
