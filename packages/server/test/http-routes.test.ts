// Greeting, /info, the iframe page, OPTIONS and CORS, caching headers,
// 404 and 405, JSESSIONID and the other listeners of the HTTP server.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { post, type Reply, request, sessionPath, startServer, type TestServer } from './support.js';

const NO_CACHE = 'no-store, no-cache, no-transform, must-revalidate, max-age=0';
const SOCKJS_URL = 'http://127.0.0.1/sockjs.js';
const IFRAME_HTML = `<!DOCTYPE html>
<html>
<head>
  <meta http-equiv="X-UA-Compatible" content="IE=edge" />
  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
  <script src="${SOCKJS_URL}"></script>
  <script>
    document.domain = document.domain;
    SockJS.bootstrap_iframe();
  </script>
</head>
<body>
  <h2>Don't panic!</h2>
  <p>This is a SockJS hidden iframe. It's used for cross domain magic.</p>
</body>
</html>`;

let s: TestServer;
before(async () => {
  s = await startServer({ sockjs_url: SOCKJS_URL });
});
after(() => s.stop());

function assertLongCache(r: Reply): void {
  assert.equal(r.headers['cache-control'], 'public, max-age=31536000');
  const expires = Date.parse(String(r.headers.expires));
  assert.ok(expires > Date.now() + 364 * 24 * 3600 * 1000, `Expires ${r.headers.expires}`);
}

describe('greeting', () => {
  for (const path of ['/echo', '/echo/']) {
    test(`GET ${path}`, async () => {
      const r = await request(s.port, path);
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], 'text/plain; charset=UTF-8');
      assert.equal(r.body, 'Welcome to SockJS!\n');
    });
  }

  test('a query string does not change the route', async () => {
    const r = await request(s.port, '/echo?x=1');
    assert.equal(r.body, 'Welcome to SockJS!\n');
  });
});

describe('/info', () => {
  test('GET: fields, JSON type, no-cache, CORS *, no cookie', async () => {
    const r = await request(s.port, '/echo/info');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json; charset=UTF-8');
    assert.equal(r.headers['cache-control'], NO_CACHE);
    assert.equal(r.headers['access-control-allow-origin'], '*');
    assert.equal(r.headers['access-control-allow-credentials'], undefined);
    assert.equal(r.headers['set-cookie'], undefined);
    const info = JSON.parse(r.body);
    assert.deepEqual(Object.keys(info).sort(), [
      'cookie_needed',
      'entropy',
      'origins',
      'resume',
      'websocket',
    ]);
    assert.equal(info.resume, 30_000);
    assert.equal(info.websocket, true);
    assert.equal(info.cookie_needed, false);
    assert.deepEqual(info.origins, ['*:*']);
    assert.ok(Number.isInteger(info.entropy) && info.entropy >= 0 && info.entropy < 2 ** 32);
  });

  test('entropy differs from call to call', async () => {
    const values = new Set<number>();
    for (let i = 0; i < 8; i++) {
      values.add(JSON.parse((await request(s.port, '/echo/info')).body).entropy);
    }
    assert.ok(values.size >= 7, `entropy repeated: ${[...values]}`);
  });

  test('GET with an Origin echoes it with credentials and Vary', async () => {
    const r = await request(s.port, '/echo/info', { headers: { Origin: 'http://example.com' } });
    assert.equal(r.headers['access-control-allow-origin'], 'http://example.com');
    assert.equal(r.headers['access-control-allow-credentials'], 'true');
    assert.equal(r.headers.vary, 'Origin');
  });

  test('Origin: null is echoed as null', async () => {
    const r = await request(s.port, '/echo/info', { headers: { Origin: 'null' } });
    assert.equal(r.headers['access-control-allow-origin'], 'null');
    assert.equal(r.headers['access-control-allow-credentials'], 'true');
  });

  test('OPTIONS: 204, long cache, Max-Age, methods, CORS echo of origin and headers', async () => {
    const r = await request(s.port, '/echo/info', {
      method: 'OPTIONS',
      headers: { Origin: 'https://a.test', 'Access-Control-Request-Headers': 'a, b, c' },
    });
    assert.equal(r.status, 204);
    assert.equal(r.body, '');
    assertLongCache(r);
    assert.equal(r.headers['access-control-max-age'], '31536000');
    assert.equal(r.headers['access-control-allow-methods'], 'OPTIONS, GET');
    assert.equal(r.headers['access-control-allow-origin'], 'https://a.test');
    assert.equal(r.headers['access-control-allow-credentials'], 'true');
    assert.equal(r.headers['access-control-allow-headers'], 'a, b, c');
    assert.equal(r.headers.vary, 'Origin');
  });

  test('without Access-Control-Request-Headers there is no Allow-Headers', async () => {
    const r = await request(s.port, '/echo/info', { method: 'OPTIONS' });
    assert.equal(r.status, 204);
    assert.equal(r.headers['access-control-allow-headers'], undefined);
    assert.equal(r.headers['access-control-allow-origin'], '*');
  });

  test('POST is 405 with Allow and an empty body', async () => {
    const r = await post(s.port, '/echo/info');
    assert.equal(r.status, 405);
    assert.equal(r.headers.allow, 'OPTIONS, GET');
    assert.equal(r.body, '');
  });
});

describe('iframe page', () => {
  test('exact HTML with the configured sockjs_url, cached for a year, ETag, no Last-Modified', async () => {
    const r = await request(s.port, '/echo/iframe.html');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/html; charset=UTF-8');
    assert.equal(r.body, IFRAME_HTML);
    assertLongCache(r);
    assert.match(String(r.headers.etag), /^"[0-9a-f]{32}"$/);
    assert.equal(r.headers['last-modified'], undefined);
  });

  test('versioned names serve the same page; others are 404', async () => {
    const first = await request(s.port, '/echo/iframe.html');
    for (const name of [
      'iframe-a.html',
      'iframe-.html',
      'iframe-0.1.2.html',
      'iframe-0.1.2abc-dirty.2144.html',
    ]) {
      const r = await request(s.port, `/echo/${name}`);
      assert.equal(r.status, 200, name);
      assert.equal(r.body, IFRAME_HTML, name);
      assert.equal(r.headers.etag, first.headers.etag, name);
    }
    for (const name of [
      'iframe.htm',
      'iframe',
      'IFRAME.HTML',
      'IFRAME',
      'iframe.HTML',
      'iframe.xml',
      'iframe-/.html',
    ]) {
      const r = await request(s.port, `/echo/${name}`);
      assert.equal(r.status, 404, name);
    }
  });

  test('If-None-Match with the ETag gives 304 and no body', async () => {
    const first = await request(s.port, '/echo/iframe.html?t=1');
    const r = await request(s.port, '/echo/iframe.html', {
      headers: { 'If-None-Match': String(first.headers.etag) },
    });
    assert.equal(r.status, 304);
    assert.equal(r.body, '');
    assert.equal(r.headers.etag, first.headers.etag);
    assert.equal(r.headers['content-type'], undefined);
  });

  test('a different If-None-Match gives the page', async () => {
    const r = await request(s.port, '/echo/iframe.html', {
      headers: { 'If-None-Match': '"nope"' },
    });
    assert.equal(r.status, 200);
    assert.equal(r.body, IFRAME_HTML);
  });

  test('the ETag follows the sockjs_url', async () => {
    const other = await startServer({ sockjs_url: 'http://127.0.0.1/other.js' });
    try {
      const a = await request(s.port, '/echo/iframe.html');
      const b = await request(other.port, '/echo/iframe.html');
      assert.notEqual(a.headers.etag, b.headers.etag);
      assert.equal(b.body, IFRAME_HTML.replace(SOCKJS_URL, 'http://127.0.0.1/other.js'));
    } finally {
      await other.stop();
    }
  });
});

describe('session URLs: OPTIONS, 404, 405, no-cache', () => {
  for (const transport of ['xhr', 'xhr_send', 'xhr_streaming']) {
    test(`OPTIONS ${transport}`, async () => {
      const r = await request(s.port, `${sessionPath()}/${transport}`, {
        method: 'OPTIONS',
        headers: { Origin: 'null', 'Access-Control-Request-Headers': 'Content-Type' },
      });
      assert.equal(r.status, 204);
      assert.equal(r.body, '');
      assertLongCache(r);
      assert.equal(r.headers['access-control-max-age'], '31536000');
      assert.equal(r.headers['access-control-allow-methods'], 'OPTIONS, POST');
      assert.equal(r.headers['access-control-allow-origin'], 'null');
      assert.equal(r.headers['access-control-allow-credentials'], 'true');
      assert.equal(r.headers['access-control-allow-headers'], 'Content-Type');
    });
  }

  test('xhr answers carry no-cache and CORS headers', async () => {
    const r = await post(s.port, `${sessionPath()}/xhr`, '', { Origin: 'http://o.test' });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'o\n');
    assert.equal(r.headers['cache-control'], NO_CACHE);
    assert.equal(r.headers['access-control-allow-origin'], 'http://o.test');
    assert.equal(r.headers['access-control-allow-credentials'], 'true');
    assert.equal(r.headers.vary, 'Origin');
    assert.equal(r.headers['set-cookie'], undefined);
  });

  const wrongMethods: [string, string, string][] = [
    ['GET', 'xhr', 'POST, OPTIONS'],
    ['GET', 'xhr_send', 'POST, OPTIONS'],
    ['GET', 'xhr_streaming', 'POST, OPTIONS'],
    ['POST', 'eventsource', 'GET'],
    ['POST', 'htmlfile', 'GET'],
    ['POST', 'jsonp', 'GET'],
    ['GET', 'jsonp_send', 'POST'],
    ['POST', 'websocket', 'GET'],
    ['DELETE', 'xhr', 'POST, OPTIONS'],
  ];
  for (const [method, transport, allow] of wrongMethods) {
    test(`${method} ${transport} is 405 with Allow: ${allow}`, async () => {
      const r = await request(s.port, `${sessionPath()}/${transport}`, { method });
      assert.equal(r.status, 405);
      assert.equal(r.headers.allow, allow);
      assert.equal(r.body, '');
    });
  }

  test('PUT on the greeting and the iframe page is 405', async () => {
    for (const path of ['/echo', '/echo/iframe.html']) {
      const r = await request(s.port, path, { method: 'PUT' });
      assert.equal(r.status, 405, path);
      assert.equal(r.headers.allow, 'GET');
      assert.equal(r.body, '');
    }
  });

  test('invalid session paths are 404 for GET and POST', async () => {
    for (const suffix of ['//', '/a./a', '/a/a.', '/./.', '/', '///']) {
      for (const method of ['GET', 'POST']) {
        const r = await request(s.port, `/echo${suffix}/xhr`, { method });
        assert.equal(r.status, 404, `${method} ${suffix}`);
      }
    }
  });

  test('unknown paths under the prefix are 404', async () => {
    for (const path of ['/echo/a/a/a/a', '/echo/000/abc/xhr_polling', '/echo/info/x', '/echo/a']) {
      const r = await request(s.port, path);
      assert.equal(r.status, 404, path);
      assert.equal(r.body, 'Not found\n');
    }
  });

  test('the websocket URL without an upgrade is 400', async () => {
    const r = await request(s.port, `${sessionPath()}/websocket`);
    assert.equal(r.status, 400);
    assert.equal(r.body, 'Can "Upgrade" only to "WebSocket".');
    const raw = await request(s.port, '/echo/websocket', { headers: { Upgrade: 'websocket' } });
    assert.equal(raw.status, 400);
    assert.equal(raw.body, '"Connection" must be "Upgrade".');
  });
});

describe('other listeners of the HTTP server', () => {
  test('URLs outside the prefixes go to the listener installed before SockJS', async () => {
    for (const path of ['/', '/other', '/echoes', '/echo2/info', '/closer']) {
      const r = await request(s.port, path);
      assert.equal(r.status, 404, path);
      assert.equal(r.body, 'not sockjs\n', path);
    }
  });
});

describe('server id', () => {
  test('is ignored: sessions are keyed by the session id only', async () => {
    const id = `srvid${process.pid}`;
    assert.equal((await post(s.port, `/echo/000/${id}/xhr`)).body, 'o\n');
    const sent = await post(s.port, `/echo/999/${id}/xhr_send`, '["x"]');
    assert.equal(sent.status, 204);
    assert.equal((await post(s.port, `/echo/abc/${id}/xhr`)).body, 'a["x"]\n');
  });
});

describe('JSESSIONID', () => {
  let j: TestServer;
  before(async () => {
    j = await startServer({ jsessionid: true });
  });
  after(() => j.stop());

  test('/info says cookie_needed and sets no cookie', async () => {
    const r = await request(j.port, '/echo/info', { headers: { Cookie: 'JSESSIONID=abc' } });
    assert.equal(JSON.parse(r.body).cookie_needed, true);
    assert.equal(r.headers['set-cookie'], undefined);
  });

  test('session responses set JSESSIONID=dummy, or echo the incoming value', async () => {
    const path = sessionPath();
    const first = await post(j.port, `${path}/xhr`);
    assert.deepEqual(first.headers['set-cookie'], ['JSESSIONID=dummy; path=/']);
    const send = await post(j.port, `${path}/xhr_send`, '["a"]', { Cookie: 'JSESSIONID=abcdef' });
    assert.equal(send.status, 204);
    assert.deepEqual(send.headers['set-cookie'], ['JSESSIONID=abcdef; path=/']);
    const poll = await post(j.port, `${path}/xhr`, '', { Cookie: 'a=1; JSESSIONID=xyz; b=2' });
    assert.equal(poll.body, 'a["a"]\n');
    assert.deepEqual(poll.headers['set-cookie'], ['JSESSIONID=xyz; path=/']);
  });

  test('a 404 on a session URL sets it too', async () => {
    const r = await post(j.port, `${sessionPath()}/xhr_send`, '["a"]');
    assert.equal(r.status, 404);
    assert.deepEqual(r.headers['set-cookie'], ['JSESSIONID=dummy; path=/']);
  });

  test('OPTIONS on a session URL sets it', async () => {
    const r = await request(j.port, `${sessionPath()}/xhr`, { method: 'OPTIONS' });
    assert.equal(r.status, 204);
    assert.deepEqual(r.headers['set-cookie'], ['JSESSIONID=dummy; path=/']);
  });

  test('a cookie value that could inject attributes is not reflected', async () => {
    const r = await post(j.port, `${sessionPath()}/xhr`, '', { Cookie: 'JSESSIONID=a,b c' });
    assert.deepEqual(r.headers['set-cookie'], ['JSESSIONID=dummy; path=/']);
  });

  test('behind TLS (X-Forwarded-Proto: https) it is SameSite=None; Secure, for cross-site pages', async () => {
    const r = await post(j.port, `${sessionPath()}/xhr`, '', { 'X-Forwarded-Proto': 'https' });
    assert.deepEqual(r.headers['set-cookie'], ['JSESSIONID=dummy; path=/; SameSite=None; Secure']);
  });

  test('off by default: no cookie on session URLs', async () => {
    const r = await post(s.port, `${sessionPath()}/xhr`);
    assert.equal(r.headers['set-cookie'], undefined);
  });
});

describe('disable_cors', () => {
  test('leaves every CORS header out', async () => {
    const d = await startServer({ disable_cors: true });
    try {
      const r = await request(d.port, '/echo/info', { headers: { Origin: 'http://x.test' } });
      assert.equal(r.headers['access-control-allow-origin'], undefined);
      assert.equal(r.headers['access-control-allow-credentials'], undefined);
      const x = await post(d.port, `${sessionPath()}/xhr`, '', { Origin: 'http://x.test' });
      assert.equal(x.headers['access-control-allow-origin'], undefined);
    } finally {
      await d.stop();
    }
  });
});
