// Rules of src/http-util.ts that the mutation run found untested
// (docs/testing.md, group `http-util`): an empty Origin is no origin; the
// JSESSIONID cookie is marked `SameSite=None; Secure` on a TLS socket (over
// https directly, not only behind a proxy that says so), read from the right
// part of the Cookie header, and absent when jsessionid is off; a jsessionid
// function runs on preflights too; plain answers say what they are; a
// callback is read from the query only; a body declared over the limit is
// refused before it is sent.

import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { after, before, describe, test } from 'node:test';
import { listen, stopHttp, trackSockets } from '../../../test/helpers/http-server.ts';
import { selfSigned } from '../../../test/helpers/tls.ts';
import { BodyTooLargeError, readBody } from '../src/http-util.js';
import { createServer } from '../src/index.js';
import { post, RawSocket, request, sessionPath, startServer, type TestServer } from './support.js';

describe('an empty Origin header counts as none', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.stop());

  test('a session response answers it with *, without credentials', async () => {
    const r = await post(server.port, `${sessionPath()}/xhr`, '', { Origin: '' });
    assert.equal(r.body, 'o\n');
    assert.equal(r.headers['access-control-allow-origin'], '*');
    assert.equal(r.headers['access-control-allow-credentials'], undefined);
  });
});

describe('plain answers, preflights, callbacks', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.stop());

  test('a session URL preflight carries no cookie when jsessionid is off', async () => {
    const r = await request(server.port, `${sessionPath()}/xhr`, { method: 'OPTIONS' });
    assert.equal(r.status, 204);
    assert.equal(r.headers['set-cookie'], undefined);
  });

  test('a 404 is text/plain with its length', async () => {
    const r = await post(server.port, `${sessionPath()}/xhr_send`, '["x"]');
    assert.equal(r.status, 404);
    assert.equal(r.headers['content-type'], 'text/plain; charset=UTF-8');
    assert.equal(r.headers['content-length'], String(r.body.length));
    assert.equal(r.body, 'Not found\n');
  });

  test('a c= in the path (session id s&c=cb) is not the callback parameter', async () => {
    const r = await request(server.port, '/echo/000/s&c=cb/jsonp');
    assert.equal(r.status, 500);
    assert.equal(r.body, '"callback" parameter required');
  });
});

describe('the JSESSIONID cookie a client sent', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ jsessionid: true });
  });
  after(() => server.stop());

  for (const [cookie, expected] of [
    ['JSESSIONIDx; JSESSIONID=real', 'real'],
    ['other=1;JSESSIONID = spaced ', 'spaced'],
    ['JSESSIONID=a;b', 'a'],
  ] as const) {
    test(`${JSON.stringify(cookie)} gives ${expected}`, async () => {
      const r = await post(server.port, `${sessionPath()}/xhr`, '', { Cookie: cookie });
      assert.equal(r.body, 'o\n');
      assert.deepEqual(r.headers['set-cookie'], [`JSESSIONID=${expected}; path=/`]);
    });
  }
});

describe('readBody', () => {
  test('a body of many chunks comes whole, once', async () => {
    const calls: string[] = [];
    const server = http.createServer((req, res) => {
      readBody(req, 1 << 20, (err, body) => {
        calls.push(err === null ? `body ${body.length}` : `error ${err.message}`);
        res.end(err === null ? body : 'error');
      });
    });
    trackSockets(server);
    const port = await listen(server);
    try {
      // 200 KiB: a socket reads at most 64 KiB at a time, so at least four chunks.
      const body = Array.from({ length: 200 * 1024 }, (_, i) =>
        String.fromCharCode(97 + (i % 26)),
      ).join('');
      const r = await request(port, '/x', { method: 'POST', body });
      assert.equal(r.body.length, body.length);
      assert.equal(r.body, body);
      // A finished body is not reported again when its request closes.
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(calls, [`body ${body.length}`]);
    } finally {
      await stopHttp(server, []);
    }
  });

  test('a body declared over the limit is refused before any of it arrives', async () => {
    const server = http.createServer((req, res) => {
      readBody(req, 10, (err) => {
        res.end(
          err instanceof BodyTooLargeError
            ? `${err.name}|${err.message}|${err.size}`
            : `no error: ${String(err)}`,
        );
      });
    });
    trackSockets(server);
    const port = await listen(server);
    try {
      // Headers only: the 1,000 bytes never come.
      const socket = new RawSocket(port);
      socket.socket.write('POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n');
      await socket.waitText('BodyTooLargeError|Request body larger than 10 bytes|1000');
      socket.socket.destroy();
    } finally {
      await stopHttp(server, []);
    }
  });
});

describe('JSESSIONID over https', () => {
  const tls = selfSigned();
  const sockjs = createServer({ prefix: '/echo', jsessionid: true });
  const server = https.createServer({ key: tls.key, cert: tls.cert });
  let port: number;
  before(async () => {
    trackSockets(server);
    sockjs.installHandlers(server);
    port = await listen(server);
  });
  after(() => stopHttp(server, [sockjs]));

  test('the cookie is SameSite=None; Secure, so cross-site pages keep it', async () => {
    const reply = await request(port, `${sessionPath()}/xhr`, {
      method: 'POST',
      headers: { Cookie: 'JSESSIONID=abc123' },
      ca: tls.cert,
    });
    assert.equal(reply.body, 'o\n');
    assert.deepEqual(reply.headers['set-cookie'], [
      'JSESSIONID=abc123; path=/; SameSite=None; Secure',
    ]);
  });
});

describe('a jsessionid function', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({
      jsessionid: (_req, res) => res.setHeader('Set-Cookie', 'STICKY=node-1; path=/'),
    });
  });
  after(() => server.stop());

  test('sets its cookie on a session URL preflight too', async () => {
    const r = await request(server.port, `${sessionPath()}/xhr`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example' },
    });
    assert.equal(r.status, 204);
    assert.deepEqual(r.headers['set-cookie'], ['STICKY=node-1; path=/']);
  });

  test('and on the session response', async () => {
    const r = await post(server.port, `${sessionPath()}/xhr`);
    assert.equal(r.body, 'o\n');
    assert.deepEqual(r.headers['set-cookie'], ['STICKY=node-1; path=/']);
  });
});
