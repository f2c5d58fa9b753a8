// The HTTP transports over real sockets: xhr, xhr_send, xhr_streaming,
// eventsource, htmlfile, jsonp, jsonp_send; escaping; HTTP/1.0.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  post,
  rawExchange,
  request,
  Stream,
  sessionPath,
  startServer,
  type TestServer,
} from './support.js';

const JS = 'application/javascript; charset=UTF-8';
const TEXT = 'text/plain; charset=UTF-8';
const PRELUDE = 'h'.repeat(2048) + '\n';

let s: TestServer;
before(async () => {
  s = await startServer();
});
after(() => s.stop());

describe('xhr polling and xhr_send', () => {
  test('o, then messages batched in one a[...] frame, one frame per response', async () => {
    const path = sessionPath();
    const open = await post(s.port, `${path}/xhr`);
    assert.equal(open.status, 200);
    assert.equal(open.headers['content-type'], JS);
    assert.equal(open.body, 'o\n');
    const sent = await post(s.port, `${path}/xhr_send`, '["a","b"]');
    assert.equal(sent.status, 204);
    assert.equal(sent.headers['content-type'], TEXT);
    assert.equal(sent.body, '');
    assert.equal((await post(s.port, `${path}/xhr_send`, '["c"]')).status, 204);
    const poll = await post(s.port, `${path}/xhr`);
    assert.equal(poll.body, 'a["a","b","c"]\n');
  });

  test('a poll with nothing queued waits for the next message', async () => {
    const path = sessionPath();
    await post(s.port, `${path}/xhr`);
    const poll = new Stream(s.port, `${path}/xhr`, { method: 'POST' });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(poll.text, '');
    assert.equal(poll.ended, false);
    assert.equal((await post(s.port, `${path}/xhr_send`, '["late"]')).status, 204);
    assert.equal(await poll.waitEnd(), 'a["late"]\n');
  });

  test('xhr_send answers carry the session headers, errors included', async () => {
    const origin = 'https://app.example';
    const path = sessionPath();
    await post(s.port, `${path}/xhr`);
    const ok = await post(s.port, `${path}/xhr_send`, '["x"]', {
      Origin: origin,
      'Access-Control-Request-Headers': 'x-token',
    });
    assert.equal(ok.status, 204);
    assert.equal(ok.headers['access-control-allow-origin'], origin);
    assert.equal(ok.headers['access-control-allow-credentials'], 'true');
    assert.equal(ok.headers['access-control-allow-headers'], 'x-token');
    assert.equal(ok.headers.vary, 'Origin');
    assert.match(String(ok.headers['cache-control']), /no-store/);
    const bad = await post(s.port, `${path}/xhr_send`, '[', { Origin: origin });
    assert.equal(bad.status, 500);
    assert.equal(bad.headers['access-control-allow-origin'], origin);
    const missing = await post(s.port, `${sessionPath()}/xhr_send`, '["x"]');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['access-control-allow-origin'], '*');

    for (const jsessionid of [
      true,
      (_req: unknown, res: { setHeader(k: string, v: string): void }) =>
        res.setHeader('Set-Cookie', 'mine=1'),
    ]) {
      const j = await startServer({ jsessionid });
      try {
        const p = sessionPath();
        await post(j.port, `${p}/xhr`);
        const r = await post(j.port, `${p}/xhr_send`, '["x"]', { Cookie: 'JSESSIONID=abc' });
        assert.equal(r.status, 204);
        assert.deepEqual(r.headers['set-cookie'], [
          jsessionid === true ? 'JSESSIONID=abc; path=/' : 'mine=1',
        ]);
      } finally {
        await j.stop();
      }
    }
  });

  test('xhr_send: [] is accepted', async () => {
    const path = sessionPath();
    await post(s.port, `${path}/xhr`);
    const r = await post(s.port, `${path}/xhr_send`, '[]');
    assert.equal(r.status, 204);
    assert.equal(r.body, '');
  });

  test('xhr_send: an empty body or a non-array is 500 "Payload expected."', async () => {
    const path = sessionPath();
    await post(s.port, `${path}/xhr`);
    for (const body of ['', '"x"', '{}', '1']) {
      const r = await post(s.port, `${path}/xhr_send`, body);
      assert.equal(r.status, 500, body);
      assert.equal(r.headers['content-type'], TEXT);
      assert.equal(r.body, 'Payload expected.', body);
    }
  });

  test('xhr_send: invalid JSON is 500 "Broken JSON encoding."', async () => {
    const path = sessionPath();
    await post(s.port, `${path}/xhr`);
    for (const body of ['[', '["x"', 'x', '["\\x"]']) {
      const r = await post(s.port, `${path}/xhr_send`, body);
      assert.equal(r.status, 500, body);
      assert.equal(r.body, 'Broken JSON encoding.', body);
    }
    // The session is unharmed.
    assert.equal((await post(s.port, `${path}/xhr_send`, '["ok"]')).status, 204);
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'a["ok"]\n');
  });

  test('xhr_send to an unknown session is 404', async () => {
    const r = await post(s.port, `${sessionPath()}/xhr_send`, '["x"]');
    assert.equal(r.status, 404);
    assert.equal(r.body, 'Not found\n');
  });
});

describe('unicode', () => {
  test('the server escapes its table as lowercase \\uXXXX and accepts client-escaped input', async () => {
    const path = sessionPath();
    await post(s.port, `${path}/xhr`);
    const input =
      '["\\u2028\\u200c\\u206f\\ufff0\\uffff\\ud83d\\ude00\\u0001\\u001f\\u00e9\\u65e5\\n"]';
    assert.equal((await post(s.port, `${path}/xhr_send`, input)).status, 204);
    const poll = await post(s.port, `${path}/xhr`);
    assert.equal(
      poll.body,
      'a["\\u2028\\u200c\\u206f\\ufff0\\uffff\\ud83d\\ude00\\u0001\\u001f\u00e9\u65e5\\n"]\n',
    );
  });

  test('raw UTF-8 in the request body is decoded', async () => {
    const path = sessionPath();
    await post(s.port, `${path}/xhr`);
    assert.equal((await post(s.port, `${path}/xhr_send`, '["ünï €"]')).status, 204);
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'a["ünï €"]\n');
  });
});

describe('xhr_streaming', () => {
  test('prelude of 2048 h and a newline, then o, then messages', async () => {
    const path = sessionPath();
    const stream = new Stream(s.port, `${path}/xhr_streaming`, { method: 'POST' });
    await stream.response();
    assert.equal(stream.status, 200);
    assert.equal(stream.headers['content-type'], JS);
    assert.equal(
      stream.headers['cache-control'],
      'no-store, no-cache, no-transform, must-revalidate, max-age=0',
    );
    await stream.waitFor(PRELUDE + 'o\n');
    assert.equal((await post(s.port, `${path}/xhr_send`, '["x"]')).status, 204);
    await stream.waitFor(PRELUDE + 'o\na["x"]\n');
    stream.abort();
  });

  test('response_limit: ends after the frame that crosses it, which is still delivered', async () => {
    const limited = await startServer({ response_limit: 1000 });
    try {
      const path = sessionPath();
      const stream = new Stream(limited.port, `${path}/xhr_streaming`, { method: 'POST' });
      await stream.waitFor('o\n');
      // 'o\n' counts 2 bytes; each frame a["<100 chars>"]\n counts 106. After
      // 9 messages 956 bytes went out; the 10th crosses 1000.
      const msg = (i: number) => String(i).padStart(100, '-');
      for (let i = 1; i <= 10; i++) {
        assert.equal(
          (await post(limited.port, `${path}/xhr_send`, JSON.stringify([msg(i)]))).status,
          204,
        );
        await stream.waitFor(`a["${msg(i)}"]\n`);
      }
      const body = await stream.waitEnd();
      let expected = PRELUDE + 'o\n';
      for (let i = 1; i <= 10; i++) expected += `a["${msg(i)}"]\n`;
      assert.equal(body, expected);
      // Later messages wait for the next receiving request.
      assert.equal((await post(limited.port, `${path}/xhr_send`, '["after"]')).status, 204);
      const next = new Stream(limited.port, `${path}/xhr_streaming`, { method: 'POST' });
      await next.waitFor(PRELUDE + 'a["after"]\n');
      next.abort();
    } finally {
      await limited.stop();
    }
  });

  test('response_limit: a frame that reaches it exactly ends the response', async () => {
    // 'o\n' (2) and a["<100 chars>"]\n (106): 108 in all, not one more.
    const limited = await startServer({ response_limit: 108 });
    try {
      const path = sessionPath();
      const stream = new Stream(limited.port, `${path}/xhr_streaming`, { method: 'POST' });
      await stream.waitFor('o\n');
      const msg = 'z'.repeat(100);
      assert.equal(
        (await post(limited.port, `${path}/xhr_send`, JSON.stringify([msg]))).status,
        204,
      );
      assert.equal(await stream.waitEnd(), `${PRELUDE}o\na["${msg}"]\n`);
    } finally {
      await limited.stop();
    }
  });

  test('response_limit counts the frames of a polling-sized burst too', async () => {
    const limited = await startServer({ response_limit: 50 });
    try {
      const path = sessionPath();
      const stream = new Stream(limited.port, `${path}/xhr_streaming`, { method: 'POST' });
      await stream.waitFor('o\n');
      const big = 'y'.repeat(200);
      await post(limited.port, `${path}/xhr_send`, JSON.stringify([big]));
      assert.equal(await stream.waitEnd(), PRELUDE + 'o\n' + `a["${big}"]\n`);
    } finally {
      await limited.stop();
    }
  });
});

describe('eventsource', () => {
  test('headers, \\r\\n prelude and data: frames', async () => {
    const path = sessionPath();
    const stream = new Stream(s.port, `${path}/eventsource`);
    await stream.response();
    assert.equal(stream.status, 200);
    assert.equal(stream.headers['content-type'], 'text/event-stream');
    assert.equal(
      stream.headers['cache-control'],
      'no-store, no-cache, no-transform, must-revalidate, max-age=0',
    );
    await stream.waitFor('\r\ndata: o\r\n\r\n');
    await post(s.port, `${path}/xhr_send`, '["x"]');
    await stream.waitFor('\r\ndata: o\r\n\r\ndata: a["x"]\r\n\r\n');
    assert.equal(stream.text, '\r\ndata: o\r\n\r\ndata: a["x"]\r\n\r\n');
    stream.abort();
  });

  test("'%' is %-escaped, and CR/LF never appear raw inside a frame", async () => {
    const path = sessionPath();
    const stream = new Stream(s.port, `${path}/eventsource`);
    await stream.waitFor('data: o\r\n\r\n');
    await post(s.port, `${path}/xhr_send`, '["100%"]');
    await stream.waitFor('data: a["100%25"]\r\n\r\n');
    await post(s.port, `${path}/xhr_send`, JSON.stringify(['a\r\nb%0A\u0000']));
    const line = 'data: a["a\\r\\nb%250A\\u0000"]\r\n\r\n';
    await stream.waitFor(line);
    // sockjs-client runs decodeURI on each data line: that gives the frame back.
    const frame = decodeURI(line.slice('data: '.length, -4));
    assert.deepEqual(JSON.parse(frame.slice(1)), ['a\r\nb%0A\u0000']);
    stream.abort();
  });

  test('ends after response_limit', async () => {
    const limited = await startServer({ response_limit: 100 });
    try {
      const path = sessionPath();
      const stream = new Stream(limited.port, `${path}/eventsource`);
      await stream.waitFor('data: o\r\n\r\n');
      const big = 'z'.repeat(150);
      await post(limited.port, `${path}/xhr_send`, JSON.stringify([big]));
      assert.equal(await stream.waitEnd(), `\r\ndata: o\r\n\r\ndata: a["${big}"]\r\n\r\n`);
    } finally {
      await limited.stop();
    }
  });
});

describe('htmlfile', () => {
  test('the callback is required', async () => {
    for (const q of ['', '?c=', '?callback=']) {
      const r = await request(s.port, `${sessionPath()}/htmlfile${q}`);
      assert.equal(r.status, 500, q);
      assert.equal(r.body, '"callback" parameter required', q);
    }
  });

  test('the callback must be [a-zA-Z0-9-_.]', async () => {
    for (const cb of ['%20', 'a(b)', 'a%3Bb', 'x%22', 'a%20b', '%E2%80%A8']) {
      const r = await request(s.port, `${sessionPath()}/htmlfile?c=${cb}`);
      assert.equal(r.status, 500, cb);
      assert.equal(r.body, 'invalid "callback" parameter', cb);
    }
  });

  test('a padded head of at least 1024 bytes, then script frames', async () => {
    const path = sessionPath();
    const stream = new Stream(s.port, `${path}/htmlfile?c=my.cb_1-x`);
    await stream.response();
    assert.equal(stream.status, 200);
    assert.equal(stream.headers['content-type'], 'text/html; charset=UTF-8');
    const openFrame = '<script>\np("o");\n</script>\r\n';
    const text = await stream.waitFor(openFrame);
    const head = text.slice(0, text.indexOf(openFrame));
    assert.ok(Buffer.byteLength(head) >= 1024, `head is ${head.length} bytes`);
    assert.match(head, /^<!doctype html>/);
    assert.ok(head.includes('var c = parent.my.cb_1-x;'), head);
    assert.ok(head.endsWith('\r\n\r\n'));
    await post(s.port, `${path}/xhr_send`, '["x","</script>"]');
    await stream.waitFor(
      openFrame + '<script>\np("a[\\"x\\",\\"\\u003c/script>\\"]");\n</script>\r\n',
    );
    stream.abort();
  });

  test('the callback parameter may be spelled callback', async () => {
    const stream = new Stream(s.port, `${sessionPath()}/htmlfile?callback=cb`);
    await stream.waitFor('<script>\np("o");\n</script>\r\n');
    assert.ok(stream.text.includes('var c = parent.cb;'));
    stream.abort();
  });
});

describe('jsonp polling and jsonp_send', () => {
  test('frames are /**/cb("<frame>");\\r\\n with nosniff', async () => {
    const path = sessionPath();
    const open = await request(s.port, `${path}/jsonp?c=cb`);
    assert.equal(open.status, 200);
    assert.equal(open.headers['content-type'], JS);
    assert.equal(open.headers['x-content-type-options'], 'nosniff');
    assert.equal(
      open.headers['cache-control'],
      'no-store, no-cache, no-transform, must-revalidate, max-age=0',
    );
    assert.equal(open.body, '/**/cb("o");\r\n');
    const sent = await post(s.port, `${path}/jsonp_send`, 'd=' + encodeURIComponent('["x"]'), {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    assert.equal(sent.status, 200);
    assert.equal(sent.headers['content-type'], TEXT);
    assert.equal(sent.body, 'ok');
    const text = await post(s.port, `${path}/jsonp_send`, '["y"]', {
      'Content-Type': 'text/plain',
    });
    assert.equal(text.status, 200);
    assert.equal(text.body, 'ok');
    const poll = await request(s.port, `${path}/jsonp?c=cb`);
    assert.equal(poll.body, '/**/cb("a[\\"x\\",\\"y\\"]");\r\n');
  });

  test('the callback is required, restricted, and at most 32 characters', async () => {
    const missing = await request(s.port, `${sessionPath()}/jsonp`);
    assert.equal(missing.status, 500);
    assert.equal(missing.body, '"callback" parameter required');
    const bad = await request(s.port, `${sessionPath()}/jsonp?c=alert(1)`);
    assert.equal(bad.status, 500);
    assert.equal(bad.body, 'invalid "callback" parameter');
    const long = await request(s.port, `${sessionPath()}/jsonp?c=${'a'.repeat(33)}`);
    assert.equal(long.status, 500);
    assert.equal(long.body, 'invalid "callback" parameter');
    const ok = await request(s.port, `${sessionPath()}/jsonp?c=${'a'.repeat(32)}`);
    assert.equal(ok.status, 200);
    assert.equal(ok.body, `/**/${'a'.repeat(32)}("o");\r\n`);
  });

  test('jsonp_send: d= and p=p are "Payload expected.", broken JSON is an error', async () => {
    const path = sessionPath();
    await request(s.port, `${path}/jsonp?c=x`);
    const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
    for (const body of ['d=', 'p=p', '']) {
      const r = await post(s.port, `${path}/jsonp_send`, body, form);
      assert.equal(r.status, 500, body);
      assert.equal(r.body, 'Payload expected.', body);
    }
    const broken = await post(s.port, `${path}/jsonp_send`, 'd=%5B%22x', form);
    assert.equal(broken.status, 500);
    assert.equal(broken.body, 'Broken JSON encoding.');
    const empty = await post(s.port, `${path}/jsonp_send`, 'd=%5B%5D', form);
    assert.equal(empty.status, 200);
    assert.equal(empty.body, 'ok');
  });

  test('jsonp_send to an unknown session is 404', async () => {
    const r = await post(s.port, `${sessionPath()}/jsonp_send`, 'd=%5B%22x%22%5D', {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    assert.equal(r.status, 404);
  });
});

describe('HTTP/1.0', () => {
  test('streaming: no chunked encoding, and the end is the connection closing', async () => {
    const path = `${sessionPath('/close')}/xhr_streaming`;
    const answer = await rawExchange(
      s.port,
      `POST ${path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n`,
    );
    const [head, body] = answer.split('\r\n\r\n', 2) as [string, string];
    assert.match(head, /^HTTP\/1\.[01] 200 OK\r\n/);
    assert.doesNotMatch(head, /transfer-encoding/i);
    assert.match(head, /\r\nConnection: close/i);
    assert.equal(answer.slice(head.length + 4), PRELUDE + 'o\nc[3000,"Go away!"]\n');
    assert.ok(body.startsWith('hhh'));
  });

  test('polling: no chunked encoding, the body is complete and the connection closes', async () => {
    const path = sessionPath();
    const answer = await rawExchange(
      s.port,
      `POST ${path}/xhr HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n`,
    );
    assert.doesNotMatch(answer, /transfer-encoding/i);
    assert.ok(answer.endsWith('\r\n\r\no\n'), JSON.stringify(answer));
  });

  test('HTTP/1.1 streaming is chunked', async () => {
    const path = `${sessionPath('/close')}/xhr_streaming`;
    const answer = await rawExchange(
      s.port,
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
    );
    assert.match(answer, /\r\nTransfer-Encoding: chunked\r\n/i);
    assert.ok(answer.endsWith('0\r\n\r\n'));
  });
});
