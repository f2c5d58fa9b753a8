import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  isValidCallback,
  MAX_CALLBACK_LENGTH,
  randomServerId,
  randomSessionId,
  routePath,
  TRANSPORT_METHODS,
} from '../src/index.js';

describe('routePath', () => {
  test('greeting at the prefix and the prefix with a slash', () => {
    assert.deepEqual(routePath(''), { kind: 'greeting' });
    assert.deepEqual(routePath('/'), { kind: 'greeting' });
  });

  test('info and raw websocket', () => {
    assert.deepEqual(routePath('/info'), { kind: 'info' });
    assert.deepEqual(routePath('/websocket'), { kind: 'raw-websocket' });
    assert.equal(routePath('/info/'), null);
    assert.equal(routePath('/INFO'), null);
  });

  test('iframe variants the suite accepts', () => {
    for (const p of [
      '/iframe.html',
      '/iframe-a.html',
      '/iframe-.html',
      '/iframe-0.1.2.html',
      '/iframe-0.1.2abc-dirty.2144.html',
    ]) {
      assert.deepEqual(routePath(p), { kind: 'iframe' }, p);
    }
  });

  test('iframe variants the suite rejects', () => {
    for (const p of [
      '/iframe.htm',
      '/iframe',
      '/IFRAME.HTML',
      '/IFRAME',
      '/iframe.HTML',
      '/iframe.xml',
      '/iframe-/.html',
    ]) {
      assert.equal(routePath(p), null, p);
    }
  });

  test('session paths for every transport', () => {
    for (const transport of Object.keys(TRANSPORT_METHODS)) {
      assert.deepEqual(routePath(`/000/abc/${transport}`), {
        kind: 'session',
        serverId: '000',
        sessionId: 'abc',
        transport,
      });
    }
    assert.deepEqual(routePath('/srv-1/a_b-c/xhr'), {
      kind: 'session',
      serverId: 'srv-1',
      sessionId: 'a_b-c',
      transport: 'xhr',
    });
  });

  test('unknown transports are not routed', () => {
    for (const p of ['/000/abc/xhr_polling', '/000/abc/XHR', '/000/abc/', '/000/abc/xhr/']) {
      assert.equal(routePath(p), null, p);
    }
  });

  test("ids that are empty or contain '.' or '/' are rejected", () => {
    for (const suffix of ['//', '/a./a', '/a/a.', '/./.', '/', '///']) {
      assert.equal(routePath(`${suffix}/xhr`), null, suffix);
      assert.equal(routePath(`${suffix}/xhr_send`), null, suffix);
    }
    assert.equal(routePath('/a/b/c/xhr'), null);
    assert.equal(routePath('/a/xhr'), null);
  });
});

describe('ids and callbacks', () => {
  test('isValidCallback accepts [a-zA-Z0-9_.-] up to 32', () => {
    assert.equal(MAX_CALLBACK_LENGTH, 32);
    for (const ok of ['a', 'cb', 'x.y_z-9', 'A'.repeat(32), '_jp.abc123']) {
      assert.equal(isValidCallback(ok), true, ok);
    }
    for (const bad of [
      '',
      'a'.repeat(33),
      'a b',
      'a(',
      'alert(1)',
      'a;b',
      'a"b',
      "a'b",
      'a%20',
      'a<b',
      'é',
    ]) {
      assert.equal(isValidCallback(bad), false, bad);
    }
  });
});

describe('random ids', () => {
  const fill = (value: number) => (buf: Uint8Array) => buf.fill(value);

  test('randomSessionId gives one base-32 digit per random byte', () => {
    assert.equal(randomSessionId(8, fill(0)), '00000000');
    assert.equal(randomSessionId(3, fill(31)), 'vvv');
    assert.equal(randomSessionId(2, fill(32 + 25)), 'pp');
    let n = 0;
    const counting = (buf: Uint8Array) => buf.map(() => n++);
    assert.equal(randomSessionId(32, counting), '0123456789abcdefghijklmnopqrstuv');
    const id = randomSessionId(8, (buf) => crypto.getRandomValues(buf));
    assert.match(id, /^[0-9a-v]{8}$/);
  });

  test('randomServerId is three decimal digits', () => {
    assert.equal(randomServerId(fill(0)), '000');
    assert.equal(randomServerId(fill(255)), '555');
    let n = 7;
    assert.equal(
      randomServerId((buf) => buf.map(() => n++)),
      '789',
    );
    const id = randomServerId((buf) => crypto.getRandomValues(buf));
    assert.match(id, /^[0-9]{3}$/);
  });
});

describe('routePath: mutation-found edges', () => {
  test('the session methods table, exactly', () => {
    assert.deepEqual(TRANSPORT_METHODS, {
      websocket: ['GET'],
      xhr: ['POST', 'OPTIONS'],
      xhr_send: ['POST', 'OPTIONS'],
      xhr_streaming: ['POST', 'OPTIONS'],
      eventsource: ['GET'],
      htmlfile: ['GET'],
      jsonp: ['GET'],
      jsonp_send: ['POST'],
    });
  });

  test('an iframe path ends with .html; a path must start with /', () => {
    assert.deepEqual(routePath('/iframe-1.2.html'), { kind: 'iframe' });
    assert.equal(routePath('/iframe.htmlx'), null);
    assert.equal(routePath('/iframe.html.js'), null);
    assert.equal(routePath('ab/c/xhr'), null);
    assert.equal(routePath('info'), null);
  });
});
