// Resume (docs/resume.md) end to end in Node, on every transport the Node
// client has, through the loopback relay (test/helpers/relay.ts) and our
// server: a burst of 2,000 messages each way cut three times (RST, FIN,
// silence) arrives whole, in order, once, with no close on either side; the
// same burst without resume (ReconnectingSockJS) loses messages, and the
// count is printed. Also: a silent relay is noticed within heartbeatTimeout,
// a window that passes closes with 2012, a server that does not know the
// session answers 2012 and ReconnectingSockJS starts a new one, and the
// option changes nothing against sockjs-node 0.3.24.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SockJS } from '../../packages/client/src/node.ts';
import { ReconnectingSockJS } from '../../packages/client/src/reconnecting.node.ts';
import { type Relay, startRelay } from '../helpers/relay.ts';
import { sockjsNode } from '../helpers/servers.ts';
import { eventually } from '../helpers/timing.ts';
import {
  assertWhole,
  type ClientState,
  clientBurst,
  cutThrice,
  LIVENESS_MS,
  type ResumeServer,
  reportLoss,
  serverBurst,
  settledCheck,
  startResumeServer,
  TOTAL,
} from './fixtures/resume-burst.ts';

const TRANSPORTS = ['websocket', 'xhr-streaming', 'eventsource', 'xhr-polling'] as const;
const BACKOFF = { minDelay: 100, maxDelay: 400 };

let server: ResumeServer;
before(async () => {
  server = await startResumeServer();
});
after(() => server.close());

/** A relay in front of `port` for one test, closed when the test ends. */
async function relayFor(t: { after(fn: () => unknown): void }, port = server.port): Promise<Relay> {
  const relay = await startRelay(port);
  t.after(() => relay.close());
  return relay;
}

const typesOf = (state: ClientState) => state.events.map((e) => e.type);

for (const transport of TRANSPORTS) {
  describe(`${transport}: resume through a relay`, () => {
    test('2,000 messages each way, cut by RST, FIN and silence: all arrive, in order, once, and nothing closes', {
      timeout: 60_000,
    }, async (t) => {
      const relay = await relayFor(t);
      const burst = serverBurst();
      server.app = burst.app;
      const sock = new SockJS(relay.url('/echo'), null, {
        transports: [transport],
        resume: true,
        heartbeatTimeout: LIVENESS_MS,
        ...BACKOFF,
      } as ConstructorParameters<typeof SockJS>[2]);
      const client = clientBurst(sock, TOTAL);
      const cuts = await cutThrice(relay, () => client, burst);
      assert.deepEqual(cuts, ['reset', 'fin', 'silence']);
      await eventually(
        () => client.got.length >= TOTAL && burst.state.got.length >= TOTAL,
        `all ${TOTAL} both ways (client ${client.got.length}, server ${burst.state.got.length})`,
        30_000,
      );
      assert.equal(sock.transport, transport);
      const resumed = assertWhole(client, burst.state);
      // Node's HTTP client never retries a request on its own: each cut is a drop.
      assert.ok(resumed >= 3, `resumed ${resumed} times for 3 cuts: ${typesOf(client)}`);
      assert.equal(sock.readyState, sock.OPEN);
      assert.equal(sock.bufferedAmount, 0);
      console.log(
        `${transport}: resume: 0 lost each way over ${cuts.length} cuts (${resumed} resumes, ${relay.accepted} relayed connections)`,
      );
      sock.close();
    });

    test('the same burst without resume (ReconnectingSockJS): closes, reconnects, and loses messages', {
      timeout: 60_000,
    }, async (t) => {
      const relay = await relayFor(t);
      const burst = serverBurst();
      server.app = burst.app;
      const sock = new ReconnectingSockJS(relay.url('/echo'), null, {
        transports: [transport],
        heartbeatTimeout: LIVENESS_MS,
        ...BACKOFF,
      });
      const client = clientBurst(sock, TOTAL);
      const over = () => burst.state.written === TOTAL && client.sent === TOTAL;
      const cuts = await cutThrice(relay, () => client, burst);
      await eventually(over, 'the end of the burst', 30_000);
      const settled = settledCheck(burst.state);
      await eventually(
        () => settled(client, sock.readyState === sock.OPEN),
        'the burst to settle',
        20_000,
      );
      const lost = reportLoss(transport, client, burst.state, cuts);
      assert.ok(lost > 0, 'a plain session loses what was in flight');
      sock.close();
    });

    test('a relay that goes silent is noticed within heartbeatTimeout, and the session resumes', {
      timeout: 30_000,
    }, async (t) => {
      const relay = await relayFor(t);
      server.app = (conn) => conn.on('data', (m) => conn.write(m));
      const sock = new SockJS(relay.url('/echo'), null, {
        transports: [transport],
        resume: true,
        heartbeatTimeout: LIVENESS_MS,
        ...BACKOFF,
      } as ConstructorParameters<typeof SockJS>[2]);
      const client = clientBurst(sock, 0);
      await eventually(() => typesOf(client).includes('open'), 'open', 10_000);
      sock.send('before');
      await eventually(() => client.got.includes('before'), 'echo before', 10_000);
      relay.silence();
      const silentAt = Date.now();
      await eventually(() => typesOf(client).includes('resuming'), 'resuming', 10_000);
      const took = Date.now() - silentAt;
      // Meanwhile the socket stays OPEN and buffers.
      assert.equal(sock.readyState, sock.OPEN);
      sock.send('during');
      await eventually(() => typesOf(client).includes('resumed'), 'resumed', 10_000);
      await eventually(() => client.got.includes('during'), 'echo during', 10_000);
      assert.deepEqual(client.got, ['before', 'during']);
      assert.ok(!typesOf(client).includes('close'));
      // The liveness clock's own accuracy is checked on a mocked clock
      // (packages/client/test/liveness.test.ts); here the time is printed.
      console.log(
        `${transport}: silence noticed after ${took} ms (heartbeatTimeout ${LIVENESS_MS})`,
      );
      sock.close();
    });
  });
}

test('ReconnectingSockJS with resume: a cut the session survives is resuming and resumed, not a reconnect', {
  timeout: 30_000,
}, async (t) => {
  const relay = await relayFor(t);
  const burst = serverBurst(0);
  server.app = (conn) => {
    burst.app(conn);
    conn.on('data', (m) => conn.write(m));
  };
  const sock = new ReconnectingSockJS(relay.url('/echo'), null, {
    transports: ['xhr-streaming'],
    resume: true,
    heartbeatTimeout: LIVENESS_MS,
    ...BACKOFF,
  });
  const client = clientBurst(sock, 0);
  await eventually(() => typesOf(client).includes('open'), 'open', 10_000);
  relay.reset();
  sock.send('during the drop');
  await eventually(() => client.got.includes('during the drop'), 'echo', 10_000);
  assert.deepEqual(typesOf(client), ['open', 'resuming', 'resumed']);
  assert.equal(burst.state.connections, 1);
  sock.close();
});

describe('when the session cannot be resumed', () => {
  test('the window passes while the network is down: 2012 "Cannot resume", not clean', {
    timeout: 30_000,
  }, async (t) => {
    const short = await startResumeServer(1500);
    t.after(() => short.close());
    const relay = await relayFor(t, short.port);
    const sock = new SockJS(relay.url('/echo'), null, {
      transports: ['websocket'],
      resume: true,
      heartbeatTimeout: LIVENESS_MS,
      ...BACKOFF,
    } as ConstructorParameters<typeof SockJS>[2]);
    const client = clientBurst(sock, 0);
    await eventually(() => typesOf(client).includes('open'), 'open', 10_000);
    relay.mode = 'silent';
    await eventually(() => typesOf(client).includes('close'), 'close', 20_000);
    const close = client.events.find((e) => e.type === 'close')!;
    assert.equal(close.code, 2012);
    assert.equal(close.reason, 'Cannot resume');
    assert.equal(close.wasClean, false);
    assert.ok(typesOf(client).filter((type) => type === 'resuming').length >= 1);
    assert.ok(!typesOf(client).includes('resumed'));
  });

  for (const transport of ['websocket', 'xhr-streaming'] as const) {
    test(`${transport}: a server that does not know the session: 2012, and ReconnectingSockJS opens a new one`, {
      timeout: 30_000,
    }, async (t) => {
      const other = await startResumeServer();
      t.after(() => other.close());
      const relay = await relayFor(t);
      const sock = new ReconnectingSockJS(relay.url('/echo'), null, {
        transports: [transport],
        resume: true,
        heartbeatTimeout: LIVENESS_MS,
        ...BACKOFF,
      });
      const client = clientBurst(sock, 0);
      await eventually(() => typesOf(client).includes('open'), 'open', 10_000);
      // Another process takes the address: it never saw this session.
      relay.retarget(other.port);
      relay.reset();
      await eventually(() => typesOf(client).includes('reconnected'), 'reconnected', 20_000);
      const drop = client.events.find((e) => e.type === 'reconnecting')!;
      assert.equal(drop.code, 2012);
      assert.ok(typesOf(client).includes('resuming'));
      assert.ok(!typesOf(client).includes('close'));
      sock.send('on the new session');
      await eventually(() => client.got.includes('on the new session'), 'echo', 10_000);
      sock.close();
    });
  }
});

describe('resume against sockjs-node 0.3.24 (no resume in its /info)', () => {
  for (const transport of TRANSPORTS) {
    test(`${transport}: a plain session, no resume= on the wire`, {
      timeout: 20_000,
    }, async (t) => {
      const node = await sockjsNode.start();
      t.after(() => node.close());
      const sock = new SockJS(node.url, null, {
        transports: [transport],
        resume: true,
      });
      const client = clientBurst(sock, 0);
      await eventually(() => typesOf(client).includes('open'), 'open', 10_000);
      for (const text of ['one', 'two', 'three']) sock.send(text);
      await eventually(() => client.got.length === 3, 'three echoes', 10_000);
      assert.deepEqual(client.got, ['one', 'two', 'three']);
      assert.equal(sock.transport, transport);
      sock.close();
      await eventually(() => typesOf(client).includes('close'), 'close', 10_000);
      const urls = node.requests.map((r) => r.url);
      assert.ok(urls.length > 0);
      assert.deepEqual(
        urls.filter((url) => url.includes('resume=')),
        [],
      );
    });
  }
});
