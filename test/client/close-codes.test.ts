// End-to-end: the close event the Node client reports, code, reason and
// wasClean, pinned per transport and per way a connection ends: the server's
// sockets dropped under an open session, the server closing the session
// (its code, and an aborted session's 1002), and the client's own close().
// Pinned exactly, not "not 1000": a transport that reports a wrong code is
// a bug apps see (they retry on 1006, and not on 1002 or 3000-4999).

import assert from 'node:assert/strict';
import type net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SockJS, type TransportName } from '../../packages/client/src/node.ts';
import type { Connection } from '../../packages/server/src/index.js';
import { type RunningSockjs, startSockjsServer } from '../helpers/sockjs-server.ts';
import { withDeadline } from '../helpers/timing.ts';

interface CloseSeen {
  code: number;
  reason: string;
  wasClean: boolean;
}

const TRANSPORTS = ['websocket', 'xhr-streaming', 'eventsource', 'xhr-polling'] as const;

/** What the client reports when the server's sockets vanish under an open session. */
const DROPPED: Record<(typeof TRANSPORTS)[number], CloseSeen> = {
  websocket: { code: 1006, reason: 'WebSocket connection broken', wasClean: false },
  'xhr-streaming': { code: 1006, reason: 'Connection broken', wasClean: false },
  eventsource: { code: 1006, reason: 'Connection broken', wasClean: false },
  'xhr-polling': { code: 1006, reason: 'Connection broken', wasClean: false },
};

/**
 * An echo whose messages can ask for a close: 'close <code> <reason>' closes
 * the session with that code; anything else is echoed.
 */
function app(conn: Connection): void {
  conn.on('data', (m: string) => {
    const [verb, code, ...reason] = m.split(' ');
    if (verb === 'close') conn.close(Number(code), reason.join(' '));
    else conn.write(m);
  });
}

let server: RunningSockjs;
const sockets = new Set<net.Socket>();
before(async () => {
  server = await startSockjsServer({ heartbeat_delay: 60_000 }, [{ prefix: '/echo', app }]);
  server.http.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
});
after(async () => {
  for (const s of server.sockjs) void s.close(undefined, undefined, 0);
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.http.close(() => resolve()));
});

/** A client on one transport, resolved once it is open. */
async function openClient(
  transport: TransportName,
  url = `${server.base}/echo`,
): Promise<{ sock: SockJS; closed: Promise<CloseSeen> }> {
  const sock = new SockJS(url, null, { transports: [transport] });
  const closed = new Promise<CloseSeen>((resolve) => {
    sock.onclose = (e) => resolve({ code: e.code, reason: e.reason, wasClean: e.wasClean });
  });
  await withDeadline(
    new Promise<void>((resolve, reject) => {
      sock.onopen = () => resolve();
      closed.then((c) => reject(new Error(`closed before open: ${JSON.stringify(c)}`)));
    }),
    10_000,
    `${transport} open`,
  );
  return { sock, closed };
}

function echo(sock: SockJS, message: string): Promise<string> {
  return withDeadline(
    new Promise<string>((resolve) => {
      sock.onmessage = (e) => resolve(e.data);
      sock.send(message);
    }),
    10_000,
    'echo',
  );
}

for (const transport of TRANSPORTS) {
  describe(`${transport}: close events`, () => {
    test('the server closing the session with an application code: that code and reason, clean', async () => {
      const { sock, closed } = await openClient(transport);
      sock.send('close 3042 bye now');
      assert.deepEqual(await withDeadline(closed, 10_000, 'close'), {
        code: 3042,
        reason: 'bye now',
        wasClean: true,
      });
    });

    test('the client\'s close(): 1000 "Normal closure", clean', async () => {
      const { sock, closed } = await openClient(transport);
      assert.equal(await echo(sock, 'x'), 'x');
      sock.close();
      assert.deepEqual(await withDeadline(closed, 10_000, 'close'), {
        code: 1000,
        reason: 'Normal closure',
        wasClean: true,
      });
    });

    test('the server closing the session with 1002 (an aborted session): 1002, clean', async () => {
      const { sock, closed } = await openClient(transport);
      sock.send('close 1002 Connection interrupted');
      assert.deepEqual(await withDeadline(closed, 10_000, 'close'), {
        code: 1002,
        reason: 'Connection interrupted',
        wasClean: true,
      });
    });
  });
}

describe('sockets dropped under an open session', () => {
  for (const transport of TRANSPORTS) {
    test(`${transport}: ${DROPPED[transport].code} "${DROPPED[transport].reason}"`, async () => {
      // A server of its own, so that dropping it leaves the others alone.
      const own = await startSockjsServer({ heartbeat_delay: 60_000 }, [{ prefix: '/echo', app }]);
      const ownSockets = new Set<net.Socket>();
      own.http.on('connection', (socket: net.Socket) => {
        ownSockets.add(socket);
        socket.on('close', () => ownSockets.delete(socket));
      });
      const { sock, closed } = await openClient(transport, `${own.base}/echo`);
      assert.equal(await echo(sock, 'before'), 'before');
      // No close frame: the listener goes and every socket is destroyed, as
      // when the server's process dies. The client's reconnecting requests
      // find nobody listening.
      own.http.close();
      for (const socket of ownSockets) socket.destroy();
      assert.deepEqual(await withDeadline(closed, 10_000, 'close'), DROPPED[transport]);
      for (const s of own.sockjs) void s.close(undefined, undefined, 0);
    });
  }
});
