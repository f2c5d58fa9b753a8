import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeInfo, parseInfo } from '../src/index.js';

describe('makeInfo', () => {
  test('has the fields the protocol asks for', () => {
    assert.deepEqual(makeInfo({ websocket: true, cookieNeeded: false }, 12345), {
      websocket: true,
      cookie_needed: false,
      origins: ['*:*'],
      entropy: 12345,
    });
    assert.deepEqual(makeInfo({ websocket: false, cookieNeeded: true }, 0), {
      websocket: false,
      cookie_needed: true,
      origins: ['*:*'],
      entropy: 0,
    });
  });

  test('entropy is an unsigned 32-bit integer', () => {
    assert.equal(makeInfo({ websocket: true, cookieNeeded: false }, -1).entropy, 0xffffffff);
    assert.equal(makeInfo({ websocket: true, cookieNeeded: false }, 2 ** 32 + 5).entropy, 5);
  });

  test('origins can be given and are copied', () => {
    const origins = ['example.com:443'];
    const info = makeInfo({ websocket: true, cookieNeeded: false, origins }, 1);
    assert.deepEqual(info.origins, ['example.com:443']);
    assert.notEqual(info.origins, origins);
  });

  test('base_url only when given', () => {
    const info = makeInfo({ websocket: true, cookieNeeded: false, baseUrl: 'http://n2:8002/x' }, 1);
    assert.equal(info.base_url, 'http://n2:8002/x');
    assert.deepEqual(parseInfo(JSON.stringify(info)), info);
    assert.equal('base_url' in makeInfo({ websocket: true, cookieNeeded: false }, 1), false);
  });
});

describe('parseInfo', () => {
  test('reads what makeInfo makes', () => {
    const info = makeInfo({ websocket: false, cookieNeeded: true }, 99);
    assert.deepEqual(parseInfo(JSON.stringify(info)), info);
  });

  test('is lenient with missing fields and keeps base_url', () => {
    assert.deepEqual(parseInfo('{"base_url":"http://x/y"}'), {
      websocket: true,
      cookie_needed: false,
      origins: ['*:*'],
      entropy: 0,
      base_url: 'http://x/y',
    });
  });

  test('an empty or non-string base_url is none, as sockjs-client reads it', () => {
    assert.equal('base_url' in parseInfo('{"base_url":""}'), false);
    assert.equal('base_url' in parseInfo('{"base_url":null}'), false);
    assert.equal('base_url' in parseInfo('{"base_url":3}'), false);
  });

  test('throws on what is not an object', () => {
    assert.throws(() => parseInfo('null'), TypeError);
    assert.throws(() => parseInfo('3'), TypeError);
    assert.throws(() => parseInfo('{'), SyntaxError);
  });
});

describe('parseInfo: what is not an object', () => {
  test('a JSON number, string, array-less null or boolean is an invalid answer', () => {
    for (const text of ['5', '"info"', 'null', 'true']) {
      assert.throws(
        () => parseInfo(text),
        { name: 'TypeError', message: 'Invalid /info answer' },
        text,
      );
    }
  });
});
