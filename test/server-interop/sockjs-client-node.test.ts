// sockjs-client 1.6.1 in Node against our server, on every transport the
// client can use in Node.
//
// In Node sockjs-client runs four transports:
// - websocket: faye-websocket stands in for the browser's WebSocket;
// - xhr-streaming and xhr-polling: its XHR driver is built on node:http;
// - eventsource: the `eventsource` npm package stands in for EventSource.
// The others cannot run in Node, by the client's own checks:
// - jsonp-polling: needs `document` to add script tags;
// - htmlfile: needs ActiveX htmlfile or postMessage, and a same-origin page;
// - iframe-eventsource, iframe-htmlfile, iframe-xhr-polling: need `document`
//   to create the iframe;
// - xdr-streaming, xdr-polling: need Internet Explorer's XDomainRequest.
// A check below proves that each of them fails with 2000, so that a client
// upgrade that changes this shows up here.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { describeCodeUnits, EDGE_CASES, edgeCaseValue } from '../helpers/edge-cases.ts';
import { sleep, withDeadline } from '../helpers/timing.ts';
import { type InteropServer, startInteropServer } from './harness.js';
import { ClientProbe } from './sockjs-client.js';

const NODE_TRANSPORTS = ['websocket', 'xhr-streaming', 'xhr-polling', 'eventsource'] as const;
const BROWSER_ONLY = [
  'jsonp-polling',
  'htmlfile',
  'iframe-eventsource',
  'iframe-htmlfile',
  'iframe-xhr-polling',
  'xdr-streaming',
  'xdr-polling',
];

let server: InteropServer;
before(async () => {
  // A small response limit, as the protocol suite's /echo has, so that the
  // streaming transports also reopen their receiving request mid-test.
  server = await startInteropServer({ sockjs: { response_limit: 4096 } });
});
after(() => server.stop());

for (const transport of NODE_TRANSPORTS) {
  describe(`sockjs-client in Node, ${transport}`, { timeout: 20_000 }, () => {
    test('opens on the forced transport and echoes the edge cases exactly', async () => {
      const client = new ClientProbe(`${server.origin}/echo`, transport);
      try {
        assert.equal(await client.open(), transport);
        for (const c of EDGE_CASES) client.sock.send(edgeCaseValue(c));
        const echoed = await client.messages(EDGE_CASES.length);
        EDGE_CASES.forEach((c, i) => {
          const sent = edgeCaseValue(c);
          const got = echoed[i]!;
          assert.ok(
            got === sent,
            `${c.name}: sent ${describeCodeUnits(sent)}, got ${describeCodeUnits(got)}`,
          );
        });
      } finally {
        client.sock.close();
      }
    });

    test('echoes 1000 messages sent in a burst, in order', async () => {
      const client = new ClientProbe(`${server.origin}/echo`, transport);
      try {
        await client.open();
        const sent = Array.from({ length: 1000 }, (_, i) => `message ${i}`);
        for (const m of sent) client.sock.send(m);
        assert.deepEqual(await client.messages(sent.length, 10_000), sent);
      } finally {
        client.sock.close();
      }
    });

    test("receives the server's close(3000, 'Go away!')", async () => {
      const client = new ClientProbe(`${server.origin}/close`, transport);
      assert.equal(await client.open(), transport);
      const event = await withDeadline(client.closed, 5000, 'close event');
      assert.deepEqual(event, { code: 3000, reason: 'Go away!', wasClean: true });
    });

    test('gets what the server writes on connection, then its close after a write', async () => {
      const client = new ClientProbe(`${server.origin}/scripted`, transport);
      await client.open();
      assert.deepEqual(await client.messages(1), ['welcome']);
      client.sock.send('close 4001 Schluß \u2028 😀');
      assert.deepEqual(await client.messages(1), ['closing']);
      const event = await withDeadline(client.closed, 5000, 'close event');
      assert.deepEqual(event, { code: 4001, reason: 'Schluß \u2028 😀', wasClean: true });
    });

    test("server end('last words') arrives, then 1000", async () => {
      const client = new ClientProbe(`${server.origin}/scripted`, transport);
      await client.open();
      client.sock.send('end');
      assert.deepEqual(await client.messages(2), ['welcome', 'last words']);
      const event = await withDeadline(client.closed, 5000, 'close event');
      assert.deepEqual(event, { code: 1000, reason: 'Normal closure', wasClean: true });
    });

    test('heartbeats reach the client and the session stays usable', async () => {
      const client = new ClientProbe(`${server.origin}/heartbeat_echo`, transport);
      try {
        await client.open();
        // Two heartbeats at 150 ms take 300 ms; a loaded machine gets 5 s.
        for (let waited = 0; client.heartbeats < 2 && waited < 5000; waited += 50) await sleep(50);
        assert.ok(client.heartbeats >= 2, `${client.heartbeats} heartbeats in 5 s at 150 ms`);
        client.sock.send('still here');
        assert.deepEqual(await client.messages(1), ['still here']);
      } finally {
        client.sock.close();
      }
    });

    test("client close() ends the server's connection", async () => {
      const accepted = server.nextConnection();
      const client = new ClientProbe(`${server.origin}/echo`, transport);
      await client.open();
      const { conn, closed: serverClosed } = await withDeadline(
        accepted,
        2000,
        'server connection',
      );
      client.sock.send('ping');
      assert.deepEqual(await client.messages(1), ['ping']);
      // Wait for a polling client's next poll, so that the close aborts a
      // live request rather than waiting out the disconnect delay.
      if (transport !== 'websocket') {
        await withDeadline(server.liveReceiver(), 2000, 'the next poll');
      }
      client.sock.close();
      const event = await withDeadline(client.closed, 2000, 'client close event');
      assert.deepEqual(event, { code: 1000, reason: 'Normal closure', wasClean: true });
      await withDeadline(serverClosed, 2000, "server 'close' event");
      assert.equal(conn.protocol, transport);
    });
  });
}

describe('sockjs-client in Node, transport choice', { timeout: 20_000 }, () => {
  test('with no transports option it picks websocket', async () => {
    const client = new ClientProbe(`${server.origin}/echo`);
    try {
      assert.equal(await client.open(), 'websocket');
    } finally {
      client.sock.close();
    }
  });

  test('with websocket off on the server it picks xhr-streaming', async () => {
    const client = new ClientProbe(`${server.origin}/no_websocket_echo`);
    try {
      assert.equal(await client.open(), 'xhr-streaming');
    } finally {
      client.sock.close();
    }
  });

  test('browser-only transports fail with 2000 in Node', async () => {
    for (const transport of BROWSER_ONLY) {
      const client = new ClientProbe(`${server.origin}/echo`, transport);
      const event = await withDeadline(client.closed, 5000, transport);
      assert.equal(event.code, 2000, transport);
      assert.equal(event.reason, 'All transports failed', transport);
    }
  });
});
