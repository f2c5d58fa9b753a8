// The server's own HTTP/1.1 layer: the request reader on its own, then a
// createHttp1Server with SockJS over raw sockets (pipelining, bodies,
// timeouts, refusals, shutdown), and a differential property against
// node:http's parser: whatever we accept, node:http reads the same way.

import assert from 'node:assert/strict';
import http, { IncomingMessage } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { seeds } from '../../../test/helpers/seeds.ts';
import { ChunkedDecoder } from '../src/http1/chunked.js';
import { HttpParseError, parseHead } from '../src/http1/parser.js';
import { type BodyReader, Http1Request } from '../src/http1/request.js';
import { createHttp1Server, createServer, type Http1Server } from '../src/index.js';
import { RawSocket, rawExchange } from './support.js';

/** A chunked body (latin1) the decoder refuses with `status` (and `code`). */
function chunkedRefused(wire: string, status: number, code?: string, budget?: number): void {
  const d = new ChunkedDecoder(() => {}, budget);
  assert.throws(
    () => d.write(Buffer.from(wire, 'latin1')),
    (err: unknown) =>
      err instanceof HttpParseError &&
      err.status === status &&
      (code === undefined || err.code === code),
    `${JSON.stringify(wire.slice(0, 60))} should be refused with ${status}`,
  );
}

function refused(text: string, status: number, code?: string): void {
  assert.throws(
    () => parseHead(text),
    (err: unknown) =>
      err instanceof HttpParseError &&
      err.status === status &&
      (code === undefined || err.code === code),
    `${JSON.stringify(text)} should be refused with ${status}`,
  );
}

describe('request reader', () => {
  test('reads the request line and header fields', () => {
    const head = parseHead(
      'POST /echo/a/b/xhr_send?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nX-A: 1\r\nx-a: 2\r\nCookie: a=1\r\nCookie: b=2\r\nUser-Agent: one\r\nUser-Agent: two',
    );
    assert.equal(head.method, 'POST');
    assert.equal(head.url, '/echo/a/b/xhr_send?x=1');
    assert.equal(head.httpVersion, '1.1');
    assert.equal(head.body, 'length');
    assert.equal(head.contentLength, 5);
    assert.equal(head.keepAlive, true);
    assert.equal(head.headers['x-a'], '1, 2');
    assert.equal(head.headers.cookie, 'a=1; b=2');
    assert.equal(head.headers['user-agent'], 'one');
  });

  test('names are lower-cased and values trimmed the same on every read, past the name cache', () => {
    // More distinct names than the reader remembers, read twice each.
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 700; i++) {
        const head = parseHead(`GET / HTTP/1.1\r\nHost: h\r\nX-Name-${i}:\t v ${i} \t`);
        assert.equal(head.headers[`x-name-${i}`], `v ${i}`);
      }
    }
    assert.equal(parseHead('GET / HTTP/1.1\r\nHost: h\r\nX-E:').headers['x-e'], '');
    assert.equal(parseHead('GET / HTTP/1.1\r\nHost: h\r\nX-E: \t ').headers['x-e'], '');
    refused('GET / HTTP/1.1\r\nHost: h\r\nX-Name-1@: v', 400, 'HTTP_ERR_HEADER');
    refused('GET / HTTP/1.1\r\nHost: h\r\nX-Name-1: v\x01', 400, 'HTTP_ERR_HEADER');
    refused('GET / HTTP/1.1\r\nHost: h\r\nX-Name-1: v\x7f', 400, 'HTTP_ERR_HEADER');
  });

  test('keep-alive, upgrade and expectations', () => {
    assert.equal(parseHead('GET / HTTP/1.1\r\nHost: h\r\nConnection: close').keepAlive, false);
    assert.equal(parseHead('GET / HTTP/1.0').keepAlive, false);
    assert.equal(parseHead('GET / HTTP/1.0\r\nConnection: Keep-Alive').keepAlive, true);
    assert.equal(
      parseHead(
        'GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket',
      ).upgrade,
      true,
    );
    assert.equal(parseHead('GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket').upgrade, false);
    // An empty Upgrade is no upgrade: node:http goes on reading HTTP after it.
    assert.equal(
      parseHead('GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: ').upgrade,
      false,
    );
    const expect = parseHead(
      'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nExpect: 100-continue',
    );
    assert.equal(expect.expectContinue, true);
    refused('POST / HTTP/1.1\r\nHost: h\r\nExpect: magic', 417);
  });

  test('absolute-form targets are taken as they are, as node:http does', () => {
    const url = 'http://h:1/echo/info?t=1';
    assert.equal(parseHead(`GET ${url} HTTP/1.1\r\nHost: h`).url, url);
    refused('GET http:/x HTTP/1.1\r\nHost: h', 400, 'HTTP_ERR_TARGET');
  });

  test('refuses what could be read two ways', () => {
    refused('GET / HTTP/1.1', 400, 'HTTP_ERR_HOST');
    refused('GET / HTTP/1.1\r\nHost: a\r\nHost: b', 400, 'HTTP_ERR_HOST');
    refused('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 1', 400);
    refused('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nTransfer-Encoding: chunked', 400);
    refused('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1', 400);
    refused('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1e3', 400);
    refused('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked', 501);
    refused(
      'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: x',
      501,
    );
    refused('POST / HTTP/1.0\r\nTransfer-Encoding: chunked', 400);
    refused('GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b', 400, 'HTTP_ERR_HEADER');
    refused('GET / HTTP/1.1\r\nHost: h\r\nX : a', 400, 'HTTP_ERR_HEADER');
    refused('GET / HTTP/1.1\nHost: h', 400, 'HTTP_ERR_LINE_ENDING');
    refused('GET / HTTP/1.1\r\nHost: h\rX: y', 400, 'HTTP_ERR_LINE_ENDING');
    refused('GET / HTTP/1.1\r\nHost: h\r\nX: a\x00b', 400);
    refused('GET /a b HTTP/1.1\r\nHost: h', 400);
    refused('GET /\x7f HTTP/1.1\r\nHost: h', 400);
    refused('G(T / HTTP/1.1\r\nHost: h', 400, 'HTTP_ERR_METHOD');
    refused('GET / HTTP/2.0\r\nHost: h', 505);
    refused('GET / HTTP/1.1x\r\nHost: h', 400);
    refused('GET x HTTP/1.1\r\nHost: h', 400, 'HTTP_ERR_TARGET');
  });

  test('chunked bodies decode the same whatever the reads are cut into', () => {
    const wire = Buffer.from('5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nTrailer: x\r\n\r\nNEXT');
    for (let cut = 1; cut < wire.length; cut++) {
      const out: Buffer[] = [];
      const d = new ChunkedDecoder((c) => out.push(Buffer.from(c)));
      const a = d.write(wire.subarray(0, cut));
      const b = d.done ? 0 : d.write(wire.subarray(cut));
      assert.equal(d.done, true, `cut ${cut}`);
      assert.equal(Buffer.concat(out).toString(), 'hello, world', `cut ${cut}`);
      assert.equal(wire.subarray(a + b).toString(), 'NEXT', `cut ${cut}`);
    }
  });

  test('malformed chunks are refused', () => {
    for (const bad of ['x\r\n', '5\r\nhello!\r\n', '5\nhello\r\n', `${'1'.repeat(9)}\r\n`]) {
      const d = new ChunkedDecoder(() => {});
      assert.throws(() => d.write(Buffer.from(bad)), HttpParseError, bad);
    }
  });

  test('values are trimmed of spaces and tabs only: NBSP and other white space stay part of them', () => {
    // String.prototype.trim() would strip these, and read "chunked" or "close".
    for (const ws of ['\xa0', '\x85', '\x0b', '\x0c']) {
      for (const te of [`${ws}chunked`, `chunked${ws}`]) {
        assert.throws(
          () => parseHead(`POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ${te}`),
          (err: unknown) => err instanceof HttpParseError && err.status >= 400,
          JSON.stringify(te),
        );
      }
    }
    const nbsp = parseHead('GET / HTTP/1.1\r\nHost: h\r\nConnection: close\xa0');
    assert.equal(nbsp.keepAlive, true, 'close\\xa0 is not close');
    assert.equal(parseHead('GET / HTTP/1.0\r\nConnection: keep-alive\xa0').keepAlive, false);
    assert.equal(
      parseHead('GET / HTTP/1.1\r\nHost: h\r\nConnection: upgrade\xa0\r\nUpgrade: websocket')
        .upgrade,
      false,
    );
    refused('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nExpect: 100-continue\xa0', 417);
    assert.equal(parseHead('GET / HTTP/1.1\r\nHost: h\r\nConnection:  close ').keepAlive, false);
  });

  test('framing fields hold no tab; only the methods the layer serves are read', () => {
    refused('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\t', 400, 'HTTP_ERR_HEADER');
    refused('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\tchunked', 400, 'HTTP_ERR_HEADER');
    assert.equal(parseHead('GET / HTTP/1.1\r\nHost: h\r\nX-A:\tb\t').headers['x-a'], 'b');
    for (const m of ['get', 'BREW', 'GETX', 'loGET']) refused(`${m} / HTTP/1.1\r\nHost: h`, 501);
    for (const m of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
      assert.equal(parseHead(`${m} / HTTP/1.1\r\nHost: h`).method, m);
    }
  });

  test('chunk extensions: token[=token / quoted-string], nothing else', () => {
    for (const ext of [';a', ';a=b', ';a="b c"', ';a="b\\"c"', ';a=1;b="2"', ';A-b.c=~x']) {
      const out: Buffer[] = [];
      const d = new ChunkedDecoder((c) => out.push(Buffer.from(c)));
      d.write(Buffer.from(`5${ext}\r\nhello\r\n0${ext}\r\n\r\n`, 'latin1'));
      assert.equal(d.done, true, ext);
      assert.equal(Buffer.concat(out).toString(), 'hello', ext);
    }
    for (const ext of [
      ';a="b',
      ';a\x00',
      ';a=b\x00',
      ';a=\x01',
      ';a="\x01"',
      ';',
      ';=b',
      ';a=',
      ' ;a',
      '; a',
      ';a = b',
      ';a\xa0',
      ';a/b',
      ';a=b,c',
      ' ',
      '\t',
    ]) {
      chunkedRefused(`5${ext}\r\nhello\r\n0\r\n\r\n`, 400, 'HTTP_ERR_CHUNK');
    }
    // 8 KiB of extensions in one body at most, however they are spread.
    const d = new ChunkedDecoder(() => {});
    const chunk = `1;a=${'b'.repeat(1000)}\r\nx\r\n`;
    assert.throws(() => d.write(Buffer.from(chunk.repeat(9))), /Chunk extensions too large/);
  });

  test('trailer fields are read as header fields, within what the head left of its limit', () => {
    const ok = new ChunkedDecoder(() => {});
    ok.write(Buffer.from('0\r\nX-A: 1\r\nX-B:\t2 \r\n\r\n'));
    assert.equal(ok.done, true);
    for (const trailer of [
      'GET /smuggled HTTP/1.1',
      'X-A : 1',
      ' X-A: 1',
      '\tX-A: 1',
      'X-A',
      ': 1',
      'X-A: a\x00b',
      'X-A\xa0: 1',
      'Content-Length: 5',
      'Transfer-Encoding: chunked',
    ]) {
      chunkedRefused(`0\r\n${trailer}\r\n\r\n`, 400);
    }
    chunkedRefused(`0\r\n${'X-Trailer-Field: value\r\n'.repeat(2000)}\r\n`, 431);
    // The budget is what the head left: 100 bytes take two 40-byte fields, not three.
    const field = `X-F: ${'v'.repeat(33)}\r\n`;
    const two = new ChunkedDecoder(() => {}, 100);
    two.write(Buffer.from(`0\r\n${field}${field}\r\n`));
    assert.equal(two.done, true);
    chunkedRefused(`0\r\n${field.repeat(3)}\r\n`, 431, 'HTTP_ERR_HEADER_SIZE', 100);
  });
});

describe('a head that trickles in', () => {
  test('is scanned once, not again from its start on every read', async () => {
    const server = createHttp1Server();
    server.on('request', (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const lines = Array.from({ length: 100 }, (_, i) => `X-Header-${i}: value-${i}\r\n`);
    const head = `GET / HTTP/1.1\r\nHost: t\r\n${lines.join('')}\r\n`;
    // Bytes the reader looks at: searched, decoded, copied or joined.
    let looked = 0;
    const proto = Buffer.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
    const saved = { indexOf: proto.indexOf!, toString: proto.toString!, copy: proto.copy! };
    const concat = Buffer.concat;
    proto.indexOf = function (this: Buffer, value: unknown, from?: unknown, ...rest: unknown[]) {
      looked += this.length - (typeof from === 'number' ? from : 0);
      return saved.indexOf.call(this, value, from, ...rest);
    };
    proto.toString = function (this: Buffer, enc?: unknown, start?: unknown, end?: unknown) {
      looked +=
        (typeof end === 'number' ? end : this.length) - (typeof start === 'number' ? start : 0);
      return saved.toString.call(this, enc, start, end);
    };
    proto.copy = function (this: Buffer, ...args: unknown[]) {
      looked += this.length;
      return saved.copy.call(this, ...args);
    };
    Buffer.concat = (list: readonly Uint8Array[], length?: number) => {
      for (const b of list) looked += b.length;
      return concat(list, length);
    };
    const s = new RawSocket(port);
    try {
      for (let i = 0; i < head.length; i += 8) {
        s.socket.write(head.slice(i, i + 8));
        await new Promise((r) => setTimeout(r, 1));
      }
      await s.waitText('ok');
    } finally {
      Object.assign(proto, saved);
      Buffer.concat = concat;
    }
    // Read once from the start each time, the 2.7 KB head would cost
    // hundreds of times its length; read once, a small multiple.
    assert.ok(
      looked < 12 * head.length,
      `${looked} bytes looked at for a ${head.length}-byte head`,
    );
    s.socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

describe('createHttp1Server with SockJS', () => {
  let server: Http1Server;
  let port: number;
  const hooked: unknown[] = [];

  before(async () => {
    server = createHttp1Server({ keepAliveTimeout: 300, headersTimeout: 400, maxHeaderSize: 4096 });
    const sockjs = createServer({
      allowRequest: (req) => {
        hooked.push(req);
        return true;
      },
      jsessionid: (_req, res) => res.setHeader('Set-Cookie', 'STICKY=1; path=/'),
    });
    sockjs.on('connection', (conn) => conn.on('data', (m) => conn.write(m)));
    sockjs.installHandlers(server, { prefix: '/echo' });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const H = 'Host: t\r\n';

  test('pipelined requests are answered in order on one connection', async () => {
    const s = new RawSocket(port);
    s.socket.write(
      `GET /echo HTTP/1.1\r\n${H}\r\nGET /echo/info HTTP/1.1\r\n${H}\r\nGET /nowhere HTTP/1.1\r\n${H}Connection: close\r\n\r\n`,
    );
    await s.waitClose();
    const statuses = [...s.text.matchAll(/HTTP\/1\.1 (\d+)/g)].map((m) => m[1]);
    assert.deepEqual(statuses, ['200', '200', '404']);
    assert.ok(s.text.indexOf('Welcome to SockJS!') < s.text.indexOf('"websocket"'));
  });

  test('a request written a byte at a time is served', async () => {
    const s = new RawSocket(port);
    const req = `POST /echo/s/bytewise/xhr HTTP/1.1\r\n${H}Content-Length: 0\r\n\r\n`;
    for (const ch of req) {
      s.socket.write(ch);
      await new Promise((r) => setImmediate(r));
    }
    await s.waitText('\r\n\r\no\n');
    s.socket.destroy();
  });

  test('a session over xhr polling with a chunked, 100-continue xhr_send', async () => {
    const s = new RawSocket(port);
    s.socket.write(`POST /echo/s/chunky/xhr HTTP/1.1\r\n${H}Content-Length: 0\r\n\r\n`);
    await s.waitText('\r\n\r\no\n');
    assert.match(s.text, /\r\nSet-Cookie: STICKY=1; path=\/\r\n/);
    s.data = Buffer.alloc(0);
    s.socket.write(
      `POST /echo/s/chunky/xhr_send HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n`,
    );
    await s.waitText('HTTP/1.1 100 Continue\r\n\r\n');
    s.socket.write('4\r\n["a"\r\n');
    s.socket.write('5\r\n,"b"]\r\n0\r\n\r\n');
    await s.waitText('HTTP/1.1 204 No Content');
    s.data = Buffer.alloc(0);
    s.socket.write(`POST /echo/s/chunky/xhr HTTP/1.1\r\n${H}Content-Length: 0\r\n\r\n`);
    await s.waitText('a["a","b"]\n');
    s.socket.destroy();
  });

  test('user hooks get node:http request objects', () => {
    assert.ok(hooked.length > 0);
    for (const req of hooked) assert.ok(req instanceof IncomingMessage);
  });

  test('a body nobody reads is skipped, and the next request is served', async () => {
    const body = 'x'.repeat(200_000);
    const s = new RawSocket(port);
    s.socket.write(
      `GET /echo/info HTTP/1.1\r\n${H}Content-Length: ${body.length}\r\n\r\n${body}GET /echo HTTP/1.1\r\n${H}Connection: close\r\n\r\n`,
    );
    await s.waitClose();
    assert.match(s.text, /"websocket"/);
    assert.match(s.text, /Welcome to SockJS!/);
  });

  test('HEAD gets the head only; HTTP/1.0 closes unless kept alive', async () => {
    const head = await rawExchange(port, `HEAD /echo HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
    assert.match(head, /^HTTP\/1\.1 200 OK/);
    assert.ok(head.endsWith('\r\n\r\n'), head);
    const old = await rawExchange(port, 'GET /echo HTTP/1.0\r\n\r\n');
    assert.match(old, /Connection: close/);
    assert.match(old, /Welcome to SockJS!/);
    const s = new RawSocket(port);
    s.socket.write('GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    await s.waitText('Welcome to SockJS!');
    assert.match(s.text, /Connection: keep-alive/);
    assert.equal(s.closed, false);
    s.socket.destroy();
  });

  for (const [name, wire, status] of [
    ['garbage', 'HELLO\r\n\r\n', 400],
    ['bare LF', `GET /echo HTTP/1.1\n${H}\n`, 400],
    [
      'Content-Length with chunked',
      `POST /echo HTTP/1.1\r\n${H}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n`,
      400,
    ],
    [
      'a coding other than chunked',
      `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\n\r\n`,
      501,
    ],
    ['HTTP/2.0', `GET /echo HTTP/2.0\r\n${H}\r\n`, 505],
    ['a head over maxHeaderSize', `GET /echo HTTP/1.1\r\n${H}X: ${'a'.repeat(5000)}\r\n\r\n`, 431],
    [
      'a head over maxHeaderSize without its end',
      `GET /echo HTTP/1.1\r\n${H}X: ${'a'.repeat(5000)}`,
      431,
    ],
    ['a bare LF at the end of the head', `GET /echo HTTP/1.1\r\n${H}\n`, 400],
  ] as const) {
    test(`${name}: ${status}, then the connection closes`, async () => {
      const text = await rawExchange(port, wire);
      assert.match(text, new RegExp(`^HTTP/1\\.1 ${status} `));
      assert.match(text, /Connection: close/);
    });
  }

  test('refusals are counted by status', () => {
    assert.ok((server.refusals.get(431) ?? 0) >= 2);
    assert.ok((server.refusals.get(400) ?? 0) >= 3);
    assert.equal(server.refusals.get(505), 1);
  });

  test('a broken chunk in a body being read: 400, then the connection closes', async () => {
    const s = new RawSocket(port);
    s.socket.write(`POST /echo/s/broken/xhr HTTP/1.1\r\n${H}Content-Length: 0\r\n\r\n`);
    await s.waitText('\r\n\r\no\n');
    s.data = Buffer.alloc(0);
    s.socket.write(
      `POST /echo/s/broken/xhr_send HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n2\r\n["\r\nzz\r\n`,
    );
    await s.waitClose();
    assert.match(s.text, /^HTTP\/1\.1 400 /);
    assert.equal(s.text.match(/HTTP\/1\.1/g)?.length, 1);
  });

  test('an idle keep-alive connection closes after keepAliveTimeout', async () => {
    const s = new RawSocket(port);
    s.socket.write(`GET /echo HTTP/1.1\r\n${H}\r\n`);
    await s.waitText('Welcome to SockJS!');
    await s.waitClose(3000);
  });

  test('a head that never ends gets 408 after headersTimeout', async () => {
    const s = new RawSocket(port);
    s.socket.write(`GET /echo HTTP/1.1\r\n${H}X-Slow: 1\r\n`);
    await s.waitClose(3000);
    assert.match(s.text, /^HTTP\/1\.1 408 /);
  });

  test('a websocket upgrade is handed over, with bytes that came with the head', async () => {
    const s = new RawSocket(port);
    s.socket.write(
      `GET /echo/websocket HTTP/1.1\r\n${H}Upgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    await s.waitText('\r\n\r\n');
    assert.match(s.text, /^HTTP\/1\.1 101 /);
    // A masked text frame "hi".
    const mask = [1, 2, 3, 4];
    const payload = Buffer.from('hi').map((b, i) => b ^ mask[i % 4]!);
    s.data = Buffer.alloc(0);
    s.socket.write(Buffer.from([0x81, 0x82, ...mask, ...payload]));
    await s.waitBytes(4);
    assert.equal(s.data.subarray(2).toString(), 'hi');
    s.socket.destroy();
  });
});

describe('Http1Response headers', () => {
  test('bad names and values throw TypeError as node:http does; good ones go out as set', async () => {
    const server = createHttp1Server();
    const thrown: string[] = [];
    server.on('request', (_req, res) => {
      const attempts: [string, string | number | string[]][] = [
        ['Bad Name', 'x'],
        ['X-Bad', 'a\nb'],
        ['X-Bad', ['ok', 'a\rb']],
        ['', 'x'],
      ];
      for (const [name, value] of attempts) {
        try {
          res.setHeader(name, value);
        } catch (err) {
          if (err instanceof TypeError) thrown.push(name);
        }
      }
      res.setHeader('X-Number', 7);
      res.setHeader('X-List', ['a', 'b']);
      res.writeHead(200, ['X-Mixed-Case', 'v']);
      res.end('done');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const c = new RawSocket(port);
    c.socket.write('GET / HTTP/1.1\r\nHost: t\r\n\r\n');
    await c.waitText('done');
    assert.deepEqual(thrown, ['Bad Name', 'X-Bad', 'X-Bad', '']);
    assert.match(c.text, /\r\nX-Number: 7\r\nX-List: a\r\nX-List: b\r\nX-Mixed-Case: v\r\n/);
    assert.doesNotMatch(c.text, /X-Bad|Bad Name/);
    c.socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

describe('createHttp1Server listeners', () => {
  async function listen(server: Http1Server): Promise<number> {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  test("the application's own listeners, added before installHandlers, answer outside the prefix", async () => {
    const server = createHttp1Server();
    server.on('request', (_req, res) => res.end('app'));
    const upgrades: string[] = [];
    server.on('upgrade', (req, socket) => {
      upgrades.push(req.url);
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
    });
    const sockjs = createServer();
    sockjs.installHandlers(server, { prefix: '/echo' });
    const port = await listen(server);
    const app = new RawSocket(port);
    app.socket.write(
      'GET /elsewhere HTTP/1.1\r\nHost: t\r\n\r\nGET /echo HTTP/1.1\r\nHost: t\r\n\r\n',
    );
    await app.waitText('Welcome to SockJS!');
    assert.match(app.text, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\napp/);
    assert.doesNotMatch(app.text, /404/);
    const up = new RawSocket(port);
    up.socket.write(
      'GET /other HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
    );
    await up.waitText('400 Bad Request');
    assert.deepEqual(upgrades, ['/other']);
    app.socket.destroy();
    await sockjs.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('without them, requests and upgrades outside the prefix get 404', async () => {
    const server = createHttp1Server();
    const sockjs = createServer();
    sockjs.installHandlers(server, { prefix: '/echo' });
    const port = await listen(server);
    const c = new RawSocket(port);
    c.socket.write('GET /elsewhere HTTP/1.1\r\nHost: t\r\n\r\n');
    await c.waitText('Not found');
    assert.match(c.text, /^HTTP\/1\.1 404 /);
    const up = new RawSocket(port);
    up.socket.write(
      'GET /other HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
    );
    await up.waitClose(2000);
    assert.match(up.text, /^HTTP\/1\.1 404 /);
    c.socket.destroy();
    await sockjs.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

describe('createHttp1Server close()', () => {
  test('ends idle keep-alive connections and lets the busy ones finish', async () => {
    const server = createHttp1Server();
    const sockjs = createServer();
    sockjs.installHandlers(server, { prefix: '/echo' });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const idle = new RawSocket(port);
    idle.socket.write('GET /echo HTTP/1.1\r\nHost: t\r\n\r\n');
    await idle.waitText('Welcome to SockJS!');
    const busy = new RawSocket(port);
    busy.socket.write('POST /echo/s/poll/xhr HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n');
    await busy.waitText('o\n');
    busy.data = Buffer.alloc(0);
    busy.socket.write('POST /echo/s/poll/xhr HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n');
    await new Promise((r) => setTimeout(r, 50));
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await idle.waitClose(2000);
    assert.equal(busy.closed, false);
    // The shutdown closes the session: the poll gets its close frame, then
    // the connection ends, and the server with it.
    await sockjs.close(1001, 'Bye', 1000);
    await busy.waitText('c[1001,"Bye"]');
    assert.match(busy.text, /Connection: close/);
    await busy.waitClose(2000);
    await closed;
  });
});

// ------------------------------------------------------ differential check

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A server that answers every request with what it read, as JSON. */
function reflect(server: http.Server | Http1Server): void {
  server.removeAllListeners('request');
  server.removeAllListeners('upgrade');
  server.on('request', (req: IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen: Seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('latin1'),
      };
      const out = JSON.stringify(seen);
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(out),
      });
      res.end(out);
    });
  });
  server.on('upgrade', (_req: unknown, socket: net.Socket) => socket.destroy());
}

/** First response of an exchange: status and JSON body, or null. */
function firstAnswer(text: string): { status: number; seen: Seen | null } | null {
  const m = /^HTTP\/1\.[01] (\d{3})[^\r]*\r\n/.exec(text);
  if (m === null) return null;
  const status = Number(m[1]);
  const end = text.indexOf('\r\n\r\n');
  const len = /\r\ncontent-length: (\d+)/i.exec(text.slice(0, end + 2));
  if (status !== 200 || len === null) return { status, seen: null };
  const body = text.slice(end + 4, end + 4 + Number(len[1]));
  return { status, seen: JSON.parse(body) as Seen };
}

/** Mostly a valid choice, sometimes an invalid one. */
function pick(valid: readonly string[], invalid: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...valid), weight: 8 },
    { arbitrary: fc.constantFrom(...invalid), weight: 1 },
  );
}

const METHODS = pick(['GET', 'POST', 'OPTIONS', 'PUT'], ['G@T', '', 'get ']);
const TARGETS = pick(
  ['/', '/echo/info', '/a?b=c&d', '/x%20y', 'http://h/p', '*'],
  ['/a b', '/\u00e9', 'x'],
);
const VERSIONS = pick(['HTTP/1.1', 'HTTP/1.0'], ['HTTP/1.2', 'HTTP/2.0', 'http/1.1', 'HTTP/1.1 ']);
const NAMES = pick(
  ['Content-Length', 'Transfer-Encoding', 'Connection', 'X-A', 'Cookie', 'Origin', 'Host'],
  ['Bad Name', '', 'X\u00e9'],
);
const VALUES = pick(
  ['h', '0', '3', '5', 'chunked', 'close', 'keep-alive', ' a ', 'a\tb', '\u00ff', 'x, y'],
  ['-1', '3, 3', 'gzip', 'a\u0000b', 'chunked, gzip', '0x3'],
);
const BODIES = pick(
  ['', 'abc', 'abcde', '3\r\nabc\r\n0\r\n\r\n', '0\r\n\r\n'],
  ['2\r\nab\r\n', 'zz\r\n'],
);
const EOLS = pick(['\r\n'], ['\n', '\r', '\r\n ']);

const requestArb = fc
  .record({
    method: METHODS,
    target: TARGETS,
    version: VERSIONS,
    fields: fc.array(fc.record({ name: NAMES, value: VALUES, eol: EOLS }), { maxLength: 4 }),
    host: fc.oneof(
      { arbitrary: fc.constant(true), weight: 8 },
      { arbitrary: fc.constant(false), weight: 1 },
    ),
    body: BODIES,
  })
  .map(({ method, target, version, fields, host, body }) => {
    let head = `${method} ${target} ${version}\r\n`;
    if (host) head += 'Host: h\r\n';
    for (const f of fields) head += `${f.name}: ${f.value}${f.eol}`;
    return Buffer.from(`${head}\r\n${body}`, 'latin1');
  });

/** How many bytes the first request of `wire` takes, by our reader. */
function firstRequestLength(wire: Buffer): number {
  const end = wire.indexOf('\r\n\r\n');
  const head = parseHead(wire.toString('latin1', 0, end));
  const start = end + 4;
  if (head.body === 'length') return start + head.contentLength;
  if (head.body === 'none') return start;
  const decoder = new ChunkedDecoder(() => {});
  return start + decoder.write(wire.subarray(start));
}

/** Sends bytes, then half-closes; resolves with what came back within `ms`. */
function exchangeFor(port: number, data: Buffer, ms: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = new net.Socket();
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    const timer = setTimeout(done, ms);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', done);
    socket.on('close', done);
    socket.connect(port, '127.0.0.1', () => socket.write(data));
  });
}

describe('differential check against node:http', () => {
  let ours: Http1Server;
  let theirs: http.Server;
  let oursPort: number;
  let theirsPort: number;

  before(async () => {
    ours = createHttp1Server();
    reflect(ours);
    theirs = http.createServer();
    reflect(theirs);
    await new Promise<void>((r) => ours.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => theirs.listen(0, '127.0.0.1', r));
    oursPort = (ours.address() as AddressInfo).port;
    theirsPort = (theirs.address() as AddressInfo).port;
  });
  after(async () => {
    theirs.closeAllConnections();
    await Promise.all([
      new Promise<void>((r) => ours.close(() => r())),
      new Promise<void>((r) => theirs.close(() => r())),
    ]);
  });

  test('whatever we accept, node:http reads the same way', async () => {
    let accepted = 0;
    const all = seeds();
    for (const seed of all) {
      await fc.assert(
        fc.asyncProperty(requestArb, async (wire) => {
          const mine = firstAnswer(await exchangeFor(oursPort, wire, 300));
          // No answer: we wait for the rest of a head or body (refused with 408
          // later). A refusal is always allowed: we are the stricter reader.
          if (mine === null || mine.status !== 200) return;
          // node:http gets the bytes of that first request only: it refuses a
          // whole connection when later bytes do not parse, before answering.
          const b = await exchangeFor(theirsPort, wire.subarray(0, firstRequestLength(wire)), 300);
          const node = firstAnswer(b);
          accepted++;
          assert.ok(
            node !== null && node.status === 200,
            `we accepted, node:http did not: ${JSON.stringify(wire.toString('latin1'))} -> ${b.slice(0, 80)}`,
          );
          assert.equal(mine.seen?.method, node.seen?.method);
          assert.equal(mine.seen?.url, node.seen?.url);
          assert.equal(mine.seen?.body, node.seen?.body);
          for (const name of [
            'host',
            'content-length',
            'transfer-encoding',
            'cookie',
            'x-a',
            'origin',
          ]) {
            assert.deepEqual(mine.seen?.headers[name], node.seen?.headers[name], name);
          }
        }),
        { numRuns: Math.ceil(300 / all.length), seed },
      );
    }
    assert.ok(accepted > 20, `only ${accepted} accepted requests were compared`);
  });
});

describe('a body the application reads late', () => {
  const size = 1 << 20;
  const body = Buffer.alloc(size, 0x61);

  async function serve(
    onRequest: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  ): Promise<{ server: Http1Server; port: number }> {
    const server = createHttp1Server();
    server.on('request', onRequest);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, port: (server.address() as AddressInfo).port };
  }

  test('is read whole when the reading starts from a timer, past the 64 KiB held unread', async () => {
    const { server, port } = await serve((req, res) => {
      setTimeout(() => {
        let n = 0;
        req.on('data', (c: Buffer) => {
          n += c.length;
        });
        req.on('end', () => res.end(`read ${n}`));
      }, 100);
    });
    const s = new RawSocket(port);
    s.socket.write(`POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: ${size}\r\n\r\n`);
    s.socket.write(body);
    await s.waitText(`read ${size}`);
    s.socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('is skipped when the answer comes from a timer without reading it, and the next request is served', async () => {
    const { server, port } = await serve((req, res) => {
      if (req.url === '/next') res.end('next');
      else setTimeout(() => res.end('early'), 100);
    });
    const s = new RawSocket(port);
    s.socket.write(`POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: ${size}\r\n\r\n`);
    s.socket.write(body);
    s.socket.write('GET /next HTTP/1.1\r\nHost: t\r\n\r\n');
    await s.waitText('next');
    assert.ok(s.text.indexOf('early') < s.text.indexOf('next'));
    s.socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

describe('xhr_send bodies on the HTTP/1.1 layer', () => {
  let server: Http1Server;
  let port: number;
  const logs: string[] = [];
  const H = 'Host: t\r\n';

  before(async () => {
    server = createHttp1Server();
    const sockjs = createServer({
      max_body_size: 1024,
      log: (severity, message) => logs.push(`${severity} ${message}`),
    });
    sockjs.on('connection', (conn) => conn.on('data', (m) => conn.write(m)));
    sockjs.installHandlers(server, { prefix: '/echo' });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function exchange(s: RawSocket, request: string, until: string): Promise<string> {
    s.data = Buffer.alloc(0);
    s.socket.write(request);
    await s.waitText(until);
    return s.text;
  }

  test('a body cut short by its client is logged as aborted and delivers nothing', async () => {
    const s = new RawSocket(port);
    const poll = `POST /echo/s/cut/xhr HTTP/1.1\r\n${H}Content-Length: 0\r\n\r\n`;
    await exchange(s, poll, '\r\n\r\no\n');
    const cut = new RawSocket(port);
    cut.socket.write(`POST /echo/s/cut/xhr_send HTTP/1.1\r\n${H}Content-Length: 100\r\n\r\n["part`);
    await new Promise((r) => setTimeout(r, 50));
    cut.socket.destroy();
    const deadline = Date.now() + 2000;
    while (!logs.includes('error send aborted: Request aborted')) {
      assert.ok(Date.now() < deadline, `the log line: ${logs}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const send = `POST /echo/s/cut/xhr_send HTTP/1.1\r\n${H}Content-Length: 6\r\n\r\n["ok"]`;
    await exchange(s, send, '204 No Content');
    assert.match(await exchange(s, poll, 'a["ok"]\n'), /\r\n\r\na\["ok"\]\n$/);
    s.socket.destroy();
  });

  test('a body that comes in several reads is delivered whole; one over the limit gets 413', async () => {
    const s = new RawSocket(port);
    const poll = `POST /echo/s/reads/xhr HTTP/1.1\r\n${H}Content-Length: 0\r\n\r\n`;
    await exchange(s, poll, '\r\n\r\no\n');
    s.socket.write(`POST /echo/s/reads/xhr_send HTTP/1.1\r\n${H}Content-Length: 13\r\n\r\n["on`);
    await new Promise((r) => setTimeout(r, 20));
    s.socket.write('e","tw');
    await new Promise((r) => setTimeout(r, 20));
    await exchange(s, 'o"]', '204 No Content');
    assert.match(await exchange(s, poll, '"]\n'), /a\["one","two"\]\n$/);
    // Chunked, so that only the reading finds it too big (not the head).
    const big = `["${'x'.repeat(2000)}"]`;
    const tooBig = await rawExchange(
      port,
      `POST /echo/s/reads/xhr_send HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`,
    );
    assert.match(tooBig, /^HTTP\/1\.1 413 /);
    s.socket.destroy();
  });
});

describe('Http1Request.readWith', () => {
  const head = parseHead('POST /echo/s/x/xhr_send HTTP/1.1\r\nHost: t\r\nContent-Length: 6');
  const socket = new net.Socket();

  function reader(): BodyReader & { got: string[] } {
    const got: string[] = [];
    return {
      got,
      data: (chunk) => got.push(chunk.toString()),
      end: () => got.push('end'),
      lost: () => got.push('lost'),
    };
  }

  test('bytes held before the reader came are handed to it, then the end; the events still go out', async () => {
    const req = new Http1Request(head, socket);
    req.pushBody(Buffer.from('["a"'));
    req.pushEnd();
    const r = reader();
    const events: string[] = [];
    req.readWith(r);
    req.on('end', () => events.push('end'));
    assert.deepEqual(r.got, [], 'handed over after the listeners added with the reader');
    await Promise.resolve();
    assert.deepEqual(r.got, ['["a"', 'end']);
    assert.deepEqual(events, ['end']);
    req.close();
    assert.deepEqual(r.got, ['["a"', 'end'], 'no loss after the end');
  });

  test('a request that closes before its end is a loss; a second reader is refused', () => {
    const req = new Http1Request(head, socket);
    const r = reader();
    req.readWith(r);
    req.pushBody(Buffer.from('["a'));
    assert.throws(() => req.readWith(reader()), /already has a body reader/);
    req.close();
    assert.deepEqual(r.got, ['["a', 'lost']);
  });
});
