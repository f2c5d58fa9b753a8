// End-to-end: the Node client (src/node.ts) over real sockets against
// sockjs-node 0.3.24 and our server: websocket, xhr-streaming, eventsource
// and xhr-polling; the cookie jar, the headers option, a dead server, and
// @stomp/stompjs through its webSocketFactory.

import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { describe, test } from 'node:test';
import { Client as StompClient } from '@stomp/stompjs';
import { CookieJar, SockJS } from '../../packages/client/src/node.ts';
import { ATTEMPT_TIMEOUT_MS, ECHO_SCENARIO, type EchoResult } from '../helpers/scenarios.ts';
import { serverFactories, serverPool, type TestConnection } from '../helpers/servers.ts';

const TRANSPORTS = ['websocket', 'xhr-streaming', 'eventsource', 'xhr-polling'];
// biome-ignore lint/security/noGlobalEval: the same scenario text runs in the browser tests
const echoScenario = globalThis.eval(ECHO_SCENARIO) as (
  ctor: typeof SockJS,
  args: { url: string; transports?: string[]; options?: object },
) => Promise<EchoResult>;

function opened(sock: SockJS): Promise<void> {
  return new Promise((resolve, reject) => {
    sock.onopen = () => resolve();
    sock.onclose = (e) => reject(new Error(`closed before open: ${e.code} ${e.reason}`));
  });
}

function closed(sock: SockJS, ms = 10_000): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no close event')), ms);
    sock.onclose = (e) => {
      clearTimeout(timer);
      resolve({ code: e.code, reason: e.reason });
    };
  });
}

function nextMessage(sock: SockJS): Promise<string> {
  return new Promise((resolve) => {
    sock.onmessage = (e) => resolve(e.data);
  });
}

/** A STOMP 1.2 broker in a few lines: CONNECTED, SUBSCRIBE, SEND echoed as MESSAGE. */
function stompApp(conn: TestConnection): void {
  const subscriptions = new Map<string, string>();
  conn.on('data', (data) => {
    for (const raw of data.split('\0')) {
      const frame = raw.replace(/^\n+/, '');
      if (!frame) continue;
      const [head = '', body = ''] = frame.split('\n\n');
      const [command, ...lines] = head.split('\n');
      const headers = Object.fromEntries(lines.map((l) => l.split(':', 2) as [string, string]));
      if (command === 'CONNECT' || command === 'STOMP')
        conn.write('CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\0');
      else if (command === 'SUBSCRIBE') subscriptions.set(headers.destination!, headers.id!);
      else if (command === 'SEND') {
        const id = subscriptions.get(headers.destination!);
        if (id !== undefined)
          conn.write(
            `MESSAGE\ndestination:${headers.destination}\nsubscription:${id}\nmessage-id:1\n\n${body}\0`,
          );
      }
    }
  });
}

const factories = await serverFactories();

for (const factory of factories) {
  describe(`Node client against ${factory.name}`, () => {
    const start = serverPool(factory);

    for (const transport of TRANSPORTS) {
      test(`${transport}: echoes edge cases and a burst, gets the close code`, {
        timeout: 60_000,
      }, async () => {
        const server = await start();
        const result = await echoScenario(SockJS, {
          url: server.url,
          transports: [transport],
          options: { timeout: ATTEMPT_TIMEOUT_MS },
        });
        assert.equal(result.opened, true, JSON.stringify(result.close));
        assert.equal(result.transport, transport);
        assert.deepEqual(result.mismatches, []);
        assert.equal(result.burstOk, true);
        assert.deepEqual(result.close, { code: 3042, reason: 'bye now', wasClean: true });
      });

      test(`${transport}: a dead server closes the socket with a non-1000 code; a new one opens once it is back`, {
        timeout: 20_000,
      }, async () => {
        const server = await start();
        const sock = new SockJS(server.url, null, {
          transports: [transport],
          timeout: ATTEMPT_TIMEOUT_MS,
        });
        await opened(sock);
        sock.send('ping');
        assert.equal(await nextMessage(sock), 'ping');
        const done = closed(sock, 6000);
        await server.kill();
        const { code } = await done;
        assert.notEqual(code, 1000);
        const revived = await start({ port: server.port });
        const again = new SockJS(revived.url, null, {
          transports: [transport],
          timeout: ATTEMPT_TIMEOUT_MS,
        });
        await opened(again);
        again.send('pong');
        assert.equal(await nextMessage(again), 'pong');
        const ended = closed(again);
        again.close();
        assert.equal((await ended).code, 1000);
      });

      test(`${transport}: sends the headers option and the cookie jar's cookies`, {
        timeout: 20_000,
      }, async () => {
        const server = await start({ jsessionid: true });
        const jar = new CookieJar();
        jar.set(server.url, ['SERVERID=node-7; Path=/']);
        const sock = new SockJS(server.url, null, {
          transports: [transport],
          timeout: ATTEMPT_TIMEOUT_MS,
          headers: { 'X-Test': 'yes' },
          cookieJar: jar,
        });
        await opened(sock);
        sock.send('a');
        assert.equal(await nextMessage(sock), 'a');
        sock.send('b');
        assert.equal(await nextMessage(sock), 'b');
        const done = closed(sock);
        sock.close();
        assert.equal((await done).code, 1000);
        assert.ok(server.requests.length >= 2);
        for (const { headers } of server.requests) {
          assert.equal(headers['x-test'], 'yes');
          assert.match(String(headers.cookie), /SERVERID=node-7/);
        }
        // JSESSIONID, set by the first session response, comes back afterwards.
        if (transport !== 'websocket') {
          const last = server.requests.at(-1)!;
          assert.match(String(last.headers.cookie), /JSESSIONID=/, last.url);
        }
      });
    }

    test('the default picks websocket; with websocket off it falls back to xhr-streaming', {
      timeout: 20_000,
    }, async () => {
      for (const [websocket, expected] of [
        [true, 'websocket'],
        [false, 'xhr-streaming'],
      ] as const) {
        const server = await start({ websocket });
        const sock = new SockJS(server.url);
        await opened(sock);
        assert.equal(sock.transport, expected);
        const done = closed(sock);
        sock.close(3001, 'done');
        assert.deepEqual(await done, { code: 3001, reason: 'done' });
      }
    });

    test('@stomp/stompjs works unchanged through webSocketFactory', {
      timeout: 20_000,
    }, async () => {
      const server = await start({ app: stompApp });
      const body = await new Promise<string>((resolve, reject) => {
        const client = new StompClient({
          webSocketFactory: () => new SockJS(server.url),
          reconnectDelay: 0,
          onStompError: (frame) => reject(new Error(frame.body)),
          onWebSocketError: () => reject(new Error('websocket error')),
        });
        client.onConnect = () => {
          client.subscribe('/topic/echo', (message) => {
            resolve(message.body);
            void client.deactivate();
          });
          client.publish({ destination: '/topic/echo', body: 'hello stomp \u2028 😀' });
        };
        client.activate();
      });
      assert.equal(body, 'hello stomp \u2028 😀');
    });
  });
}

describe('Node client without a working server', () => {
  test('close() before open cancels the pending /info request', { timeout: 10_000 }, async () => {
    const pending: IncomingMessage[] = [];
    let aborted = 0;
    const http = createServer((req) => {
      pending.push(req);
      req.socket.on('close', () => aborted++);
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const { port } = http.address() as { port: number };
    try {
      const sock = new SockJS(`http://127.0.0.1:${port}/echo`);
      while (pending.length === 0) await new Promise((r) => setTimeout(r, 10));
      const done = closed(sock);
      sock.close();
      assert.equal(sock.readyState, SockJS.CLOSING);
      assert.equal((await done).code, 1000);
      assert.equal(sock.readyState, SockJS.CLOSED);
      while (aborted === 0) await new Promise((r) => setTimeout(r, 10));
      assert.equal(pending.length, 1, 'nothing after /info');
    } finally {
      http.closeAllConnections();
      http.close();
    }
  });

  test('no server at all: 1002 "Cannot connect to server"', { timeout: 10_000 }, async () => {
    const http = createServer();
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const { port } = http.address() as { port: number };
    await new Promise<void>((resolve) => http.close(() => resolve()));
    const sock = new SockJS(`http://127.0.0.1:${port}/echo`);
    let errored = false;
    sock.addEventListener('error', () => {
      errored = true;
    });
    assert.deepEqual(await closed(sock), { code: 1002, reason: 'Cannot connect to server' });
    assert.equal(errored, true);
  });

  test('every transport failing gives 2000 "All transports failed"', {
    timeout: 20_000,
  }, async () => {
    // /info answers, every session URL is a 404.
    const http = createServer((req, res) => {
      if (req.url?.startsWith('/echo/info')) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"websocket":true,"cookie_needed":false,"origins":["*:*"],"entropy":1}');
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    http.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 404 Not Found\r\n\r\n'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const { port } = http.address() as { port: number };
    try {
      const sock = new SockJS(`http://127.0.0.1:${port}/echo`);
      assert.deepEqual(await closed(sock), { code: 2000, reason: 'All transports failed' });
    } finally {
      http.closeAllConnections();
      http.close();
    }
  });
});
