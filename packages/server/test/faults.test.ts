// Limits and bad input: oversized bodies and messages, malformed requests,
// broken handshakes, clients that vanish half-way. After each fault the
// server must still answer a normal request.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  assertAlive,
  post,
  RawSocket,
  rawExchange,
  request,
  Stream,
  sessionPath,
  sleep,
  startServer,
  type TestServer,
  WsClient,
} from './support.js';

const MAX_BODY = 2000;
const MAX_MESSAGE = 500;

let s: TestServer;
before(async () => {
  s = await startServer({ max_body_size: MAX_BODY, max_message_size: MAX_MESSAGE });
});
after(() => s.stop());

async function openPolling(): Promise<string> {
  const path = sessionPath();
  assert.equal((await post(s.port, `${path}/xhr`)).body, 'o\n');
  return path;
}

describe('max_body_size', () => {
  test('an xhr_send body over the limit is 413, and the server keeps serving', async () => {
    const path = await openPolling();
    const body = JSON.stringify(['x'.repeat(MAX_BODY)]);
    const r = await post(s.port, `${path}/xhr_send`, body);
    assert.equal(r.status, 413);
    assert.equal(r.body, 'Payload too large.');
    assert.equal(r.headers.connection, 'close');
    await assertAlive(s.port);
    // The session itself is untouched.
    assert.equal((await post(s.port, `${path}/xhr_send`, '["small"]')).status, 204);
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'a["small"]\n');
  });

  test('a chunked body (no Content-Length) over the limit is 413 too', async () => {
    const path = await openPolling();
    const sock = new RawSocket(s.port);
    const chunk = 'x'.repeat(1000);
    sock.socket.write(
      `POST ${path}/xhr_send HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    for (let i = 0; i < 4; i++) sock.socket.write(`${(1000).toString(16)}\r\n${chunk}\r\n`);
    await sock.waitText('\r\n\r\n');
    assert.match(sock.text, /^HTTP\/1\.1 413 /);
    sock.socket.destroy();
    await assertAlive(s.port);
  });

  test('a jsonp_send body over the limit is 413', async () => {
    const path = await openPolling();
    const r = await post(s.port, `${path}/jsonp_send`, 'd=' + 'x'.repeat(MAX_BODY), {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    assert.equal(r.status, 413);
    await assertAlive(s.port);
  });

  test('a WebSocket frame over the limit is closed by ws with 1009', async () => {
    const ws = new WsClient(`ws://127.0.0.1:${s.port}${sessionPath()}/websocket`);
    assert.equal(await ws.message(1), 'o');
    ws.ws.send(JSON.stringify(['y'.repeat(MAX_BODY * 4)]));
    const closed = await ws.closed();
    assert.equal(closed.code, 1009);
    await assertAlive(s.port);
  });
});

describe('max_message_size', () => {
  test('xhr_send: 413, and the session closes with 1009', async () => {
    const path = await openPolling();
    const conn = s.connections.at(-1)!;
    const seen: string[] = [];
    conn.on('data', (m) => seen.push(m));
    const r = await post(s.port, `${path}/xhr_send`, JSON.stringify(['z'.repeat(MAX_MESSAGE + 1)]));
    assert.equal(r.status, 413);
    assert.equal(r.body, 'Message too big.');
    assert.deepEqual(seen, []);
    assert.equal(conn.readyState, 2);
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'c[1009,"Message too big"]\n');
    await assertAlive(s.port);
  });

  test('a message of exactly the limit is fine', async () => {
    const path = await openPolling();
    const m = 'k'.repeat(MAX_MESSAGE);
    assert.equal((await post(s.port, `${path}/xhr_send`, JSON.stringify([m]))).status, 204);
    assert.equal((await post(s.port, `${path}/xhr`)).body, `a["${m}"]\n`);
  });

  test('SockJS websocket: c[1009,...], then a WebSocket close with 1009', async () => {
    const ws = new WsClient(`ws://127.0.0.1:${s.port}${sessionPath()}/websocket`);
    assert.equal(await ws.message(1), 'o');
    ws.ws.send(JSON.stringify(['w'.repeat(MAX_MESSAGE + 1)]));
    assert.equal(await ws.message(2), 'c[1009,"Message too big"]');
    assert.deepEqual(await ws.closed(), { code: 1009, reason: 'Message too big' });
  });

  test('raw websocket: a WebSocket close with 1009', async () => {
    const ws = new WsClient(`ws://127.0.0.1:${s.port}/echo/websocket`);
    await ws.opened;
    ws.ws.send('r'.repeat(MAX_MESSAGE + 1));
    assert.deepEqual(await ws.closed(), { code: 1009, reason: 'Message too big' });
    assert.deepEqual(ws.messages, []);
  });
});

/**
 * A JSON array of messages none longer than MAX_MESSAGE whose text is exactly
 * `size` characters (ASCII, so bytes too).
 */
function arrayOfLength(size: number): string {
  const messages: string[] = [];
  for (;;) {
    const comma = messages.length > 0 ? 1 : 0;
    const room = size - JSON.stringify(messages).length - comma - 2;
    if (room <= MAX_MESSAGE) {
      messages.push('b'.repeat(room));
      break;
    }
    messages.push('b'.repeat(MAX_MESSAGE - 100));
  }
  const text = JSON.stringify(messages);
  assert.equal(text.length, size);
  return text;
}

const JSONP_TEXT = { 'Content-Type': 'text/plain' };

describe('limit boundaries: exactly the limit passes, one more is refused', () => {
  test('xhr_send body: MAX_BODY bytes is 204 and delivered, MAX_BODY + 1 is 413', async () => {
    const path = await openPolling();
    const exact = arrayOfLength(MAX_BODY);
    assert.equal((await post(s.port, `${path}/xhr_send`, exact)).status, 204);
    assert.equal((await post(s.port, `${path}/xhr`)).body, `a${exact}\n`);
    const over = await post(s.port, `${path}/xhr_send`, arrayOfLength(MAX_BODY + 1));
    assert.equal(over.status, 413);
    assert.equal(over.body, 'Payload too large.');
  });

  test('xhr_send chunked body (no Content-Length): MAX_BODY bytes is 204', async () => {
    const path = await openPolling();
    const exact = arrayOfLength(MAX_BODY);
    const sock = new RawSocket(s.port);
    sock.socket.write(
      `POST ${path}/xhr_send HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    const half = exact.length / 2;
    for (const part of [exact.slice(0, half), exact.slice(half)]) {
      sock.socket.write(`${part.length.toString(16)}\r\n${part}\r\n`);
    }
    sock.socket.write('0\r\n\r\n');
    await sock.waitText('\r\n\r\n');
    assert.match(sock.text, /^HTTP\/1\.1 204 /);
    sock.socket.destroy();
    assert.equal((await post(s.port, `${path}/xhr`)).body, `a${exact}\n`);
  });

  test('jsonp_send body: MAX_BODY bytes is 200 "ok", MAX_BODY + 1 is 413', async () => {
    const path = await openPolling();
    const exact = arrayOfLength(MAX_BODY);
    const ok = await post(s.port, `${path}/jsonp_send`, exact, JSONP_TEXT);
    assert.deepEqual([ok.status, ok.body], [200, 'ok']);
    assert.equal((await post(s.port, `${path}/xhr`)).body, `a${exact}\n`);
    const form = 'd=' + 'q'.repeat(MAX_BODY - 1);
    const over = await post(s.port, `${path}/jsonp_send`, form, {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    assert.deepEqual([over.status, over.body], [413, 'Payload too large.']);
    const overText = await post(
      s.port,
      `${path}/jsonp_send`,
      arrayOfLength(MAX_BODY + 1),
      JSONP_TEXT,
    );
    assert.equal(overText.status, 413);
  });

  test('jsonp_send message: MAX_MESSAGE passes, MAX_MESSAGE + 1 is 413 and closes with 1009', async () => {
    const path = await openPolling();
    const exact = 'j'.repeat(MAX_MESSAGE);
    const ok = await post(s.port, `${path}/jsonp_send`, JSON.stringify([exact]), JSONP_TEXT);
    assert.equal(ok.status, 200);
    assert.equal((await post(s.port, `${path}/xhr`)).body, `a["${exact}"]\n`);
    const over = await post(
      s.port,
      `${path}/jsonp_send`,
      JSON.stringify(['j'.repeat(MAX_MESSAGE + 1)]),
      JSONP_TEXT,
    );
    assert.deepEqual([over.status, over.body], [413, 'Message too big.']);
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'c[1009,"Message too big"]\n');
  });

  test('SockJS websocket frame: MAX_BODY bytes is echoed, MAX_BODY + 1 closes with 1009', async () => {
    const ws = new WsClient(`ws://127.0.0.1:${s.port}${sessionPath()}/websocket`);
    assert.equal(await ws.message(1), 'o');
    const exact = arrayOfLength(MAX_BODY);
    ws.ws.send(exact);
    assert.equal(await ws.message(2), `a${exact}`);
    ws.ws.send(arrayOfLength(MAX_BODY + 1));
    assert.equal((await ws.closed()).code, 1009);
  });

  for (const [what, framed] of [
    ['a lone JSON string', (m: string) => JSON.stringify(m)],
    ['an array of one', (m: string) => JSON.stringify([m])],
  ] as const) {
    test(`SockJS websocket message as ${what}: MAX_MESSAGE is echoed, MAX_MESSAGE + 1 closes with 1009`, async () => {
      const ws = new WsClient(`ws://127.0.0.1:${s.port}${sessionPath()}/websocket`);
      assert.equal(await ws.message(1), 'o');
      const exact = 'e'.repeat(MAX_MESSAGE);
      ws.ws.send(framed(exact));
      assert.equal(await ws.message(2), `a["${exact}"]`);
      ws.ws.send(framed('e'.repeat(MAX_MESSAGE + 1)));
      assert.equal(await ws.message(3), 'c[1009,"Message too big"]');
      assert.deepEqual(await ws.closed(), { code: 1009, reason: 'Message too big' });
    });
  }

  test('raw websocket message: MAX_MESSAGE is echoed, MAX_MESSAGE + 1 closes with 1009', async () => {
    const ws = new WsClient(`ws://127.0.0.1:${s.port}/echo/websocket`);
    await ws.opened;
    const exact = 'r'.repeat(MAX_MESSAGE);
    ws.ws.send(exact);
    assert.equal(await ws.message(1), exact);
    ws.ws.send('r'.repeat(MAX_MESSAGE + 1));
    assert.deepEqual(await ws.closed(), { code: 1009, reason: 'Message too big' });
    assert.equal(ws.messages.length, 1);
  });
});

describe('malformed input', () => {
  test('bodies that are not SockJS payloads get 500 and the session survives', async () => {
    const path = await openPolling();
    const cases: [string | Buffer, string][] = [
      ['', 'Payload expected.'],
      ['null', 'Payload expected.'],
      ['[', 'Broken JSON encoding.'],
      [Buffer.from([0xff, 0xfe, 0x00, 0x5b]), 'Broken JSON encoding.'],
      ['\u0000\u0001', 'Broken JSON encoding.'],
    ];
    for (const [body, want] of cases) {
      const r = await request(s.port, `${path}/xhr_send`, { method: 'POST', body });
      assert.equal(r.status, 500);
      assert.equal(r.body, want);
    }
    assert.equal((await post(s.port, `${path}/xhr_send`, '["fine"]')).status, 204);
  });

  test('invalid UTF-8 inside a string is replaced, not fatal', async () => {
    const path = await openPolling();
    const body = Buffer.concat([Buffer.from('["a'), Buffer.from([0xc3]), Buffer.from('b"]')]);
    const r = await request(s.port, `${path}/xhr_send`, { method: 'POST', body });
    assert.equal(r.status, 204);
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'a["a\\ufffdb"]\n');
  });

  test('a bad callback and a garbage query string', async () => {
    const r = await request(s.port, `${sessionPath()}/jsonp?c=%ZZ&c=%`);
    assert.equal(r.status, 500);
    const h = await request(s.port, `${sessionPath()}/htmlfile?c=${'%3Cscript%3E'}`);
    assert.equal(h.status, 500);
    assert.equal(h.body, 'invalid "callback" parameter');
    await assertAlive(s.port);
  });

  test('a request line that is not HTTP gets 400 from Node and nothing breaks', async () => {
    const answer = await rawExchange(s.port, 'HELLO\r\n\r\n');
    assert.match(answer, /^HTTP\/1\.1 400 /);
    await assertAlive(s.port);
  });
});

describe('clients that vanish', () => {
  test('half an HTTP request, then disconnect', async () => {
    const sock = net.connect(s.port, '127.0.0.1');
    sock.on('error', () => {});
    sock.write(`POST ${sessionPath()}/xhr HTTP/1.1\r\nHost: 127.0`);
    await sleep(30);
    sock.destroy();
    await assertAlive(s.port);
  });

  test('half an xhr_send body, then disconnect', async () => {
    const path = await openPolling();
    const sock = net.connect(s.port, '127.0.0.1');
    sock.on('error', () => {});
    sock.write(
      `POST ${path}/xhr_send HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n["ab`,
    );
    await sleep(30);
    sock.destroy();
    await sleep(30);
    await assertAlive(s.port);
    assert.equal((await post(s.port, `${path}/xhr_send`, '["after"]')).status, 204);
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'a["after"]\n');
  });

  test('a streaming response reset mid-stream closes the session with 1002', async () => {
    const path = sessionPath();
    const sock = new RawSocket(s.port);
    sock.socket.write(
      `POST ${path}/xhr_streaming HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n`,
    );
    await sock.waitText('o\n');
    const conn = s.connections.at(-1)!;
    const closed = new Promise<void>((resolve) => conn.once('close', () => resolve()));
    sock.socket.resetAndDestroy();
    await closed;
    const next = await post(s.port, `${path}/xhr`);
    assert.equal(next.body, 'c[1002,"Connection interrupted"]\n');
    await assertAlive(s.port);
  });

  test('half a WebSocket frame, then disconnect: the session closes', async () => {
    const sock = new RawSocket(s.port);
    sock.socket.write(
      `GET ${sessionPath()}/websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n` +
        'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
        'Sec-WebSocket-Version: 13\r\n\r\n',
    );
    await sock.waitText('\x81\x01o');
    const conn = s.connections.at(-1)!;
    const closed = new Promise<void>((resolve) => conn.once('close', () => resolve()));
    // A masked text frame announcing 20 bytes, of which 3 arrive.
    sock.socket.write(Buffer.from([0x81, 0x94, 1, 2, 3, 4, 0x5a, 0x20, 0x5e]));
    await sleep(20);
    sock.socket.destroy();
    await closed;
    await assertAlive(s.port);
  });

  test('half a hixie-76 frame, then disconnect', async () => {
    const sock = new RawSocket(s.port);
    sock.socket.write(
      `GET ${sessionPath()}/websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n` +
        'Upgrade: WebSocket\r\nSec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n' +
        'Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\n\r\n^n:ds[4U',
    );
    await sock.waitText('\x00o\xff');
    const conn = s.connections.at(-1)!;
    const closed = new Promise<void>((resolve) => conn.once('close', () => resolve()));
    sock.socket.write(Buffer.from([0x00, 0x5b, 0x22]));
    await sleep(20);
    sock.socket.resetAndDestroy();
    await closed;
    await assertAlive(s.port);
  });
});

describe('broken WebSocket handshakes', () => {
  const upgrade = (path: string, extra: string) =>
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${extra}\r\n`;

  const cases: [string, string, RegExp][] = [
    ['a bad key', 'Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n', /^HTTP\/1\.1 400 /],
    ['no key', 'Sec-WebSocket-Version: 13\r\n', /^HTTP\/1\.1 400 /],
    [
      'a bad version',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 99\r\n',
      /^HTTP\/1\.1 400 /,
    ],
  ];
  for (const [what, extra, status] of cases) {
    test(`${what} is refused`, async () => {
      const answer = await rawExchange(s.port, upgrade(`${sessionPath()}/websocket`, extra));
      assert.match(answer, status);
      await assertAlive(s.port);
    });
  }

  test('Upgrade to something else on the websocket URL is 400', async () => {
    const answer = await rawExchange(
      s.port,
      `GET ${sessionPath()}/websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n`,
    );
    assert.match(answer, /^HTTP\/1\.1 400 /);
  });

  test('a client that resets right after an error answer to an upgrade does not crash the server', async () => {
    // sockjs-node 0.3.24 dies here of an unhandled ECONNRESET.
    const requests = [
      upgrade(`${sessionPath()}/xhr`, 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'),
      upgrade('/echo/nowhere/at/all/websocket', ''),
      upgrade(
        `${sessionPath()}/websocket`,
        'Sec-WebSocket-Key: bad\r\nSec-WebSocket-Version: 13\r\n',
      ),
      upgrade(`${sessionPath()}/websocket`, 'Sec-WebSocket-Version: 7\r\n'),
      upgrade('/not-sockjs', ''),
      `GET ${sessionPath()}/websocket HTTP/1.1\r\nHost: x\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key1: x\r\nSec-WebSocket-Key2: y\r\n\r\n`,
    ];
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        requests.map(
          (text) =>
            new Promise<void>((resolve) => {
              const sock = net.connect(s.port, '127.0.0.1', () => {
                sock.write(text);
                sock.resetAndDestroy();
              });
              sock.on('error', () => {});
              sock.on('close', () => resolve());
            }),
        ),
      );
    }
    await sleep(50);
    await assertAlive(s.port);
  });

  test('a client that resets as soon as the error answer arrives', async () => {
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve) => {
        const sock = net.connect(s.port, '127.0.0.1');
        sock.on('error', () => {});
        sock.on('data', () => sock.resetAndDestroy());
        sock.on('close', () => resolve());
        sock.write(upgrade(`${sessionPath()}/xhr_send`, ''));
      });
    }
    await assertAlive(s.port);
  });
});

describe('aborted streams', () => {
  test('an eventsource dropped mid-stream: the next receiver gets c[1002,...]', async () => {
    const path = sessionPath();
    const es = new Stream(s.port, `${path}/eventsource`);
    await es.waitFor('data: o');
    es.abort();
    await sleep(50);
    const next = new Stream(s.port, `${path}/eventsource`);
    assert.equal(await next.waitEnd(), '\r\ndata: c[1002,"Connection interrupted"]\r\n\r\n');
  });
});
