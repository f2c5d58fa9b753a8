// Unit tests for the small pure helpers: URLs, line splitting, the event
// stream parser and the cookie jar.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CookieJar } from '../src/cookie-jar.ts';
import { eventStreamParser } from '../src/env.node.ts';
import { lineSplitter } from '../src/polling.ts';
import { addPath, addQuery, originOf } from '../src/url.ts';

test('addPath keeps the query string at the end', () => {
  assert.equal(addPath('http://h/echo', '/info'), 'http://h/echo/info');
  assert.equal(addPath('http://h/echo?t=1&u=2', '/info'), 'http://h/echo/info?t=1&u=2');
  assert.equal(addQuery('http://h/a', 'c=x'), 'http://h/a?c=x');
  assert.equal(addQuery('http://h/a?t=1', 'c=x'), 'http://h/a?t=1&c=x');
  assert.equal(originOf('http://h:80/a'), 'http://h');
  assert.equal(originOf('not a url'), 'null');
});

test('lineSplitter delivers complete lines across chunk boundaries', () => {
  const lines: string[] = [];
  const split = lineSplitter((l) => lines.push(l));
  split('hhh\no\na["x');
  assert.deepEqual(lines, ['hhh', 'o']);
  split('"]\n\nc[3000,"Go away!"]');
  assert.deepEqual(lines, ['hhh', 'o', 'a["x"]', '']);
  split('\n');
  assert.equal(lines.at(-1), 'c[3000,"Go away!"]');
});

test('eventStreamParser handles CRLF split across chunks, multi-line data and comments', () => {
  const events: string[] = [];
  const parse = eventStreamParser((d) => events.push(d));
  parse('\r\ndata: o\r');
  assert.deepEqual(events, []);
  parse('\n\r\ndata: a["1"]\n\n: comment\n\ndata:x\ndata: y\r\rdata: z');
  assert.deepEqual(events, ['o', 'a["1"]', 'x\ny']);
  parse('\n\n');
  assert.deepEqual(events, ['o', 'a["1"]', 'x\ny', 'z']);
});

test('CookieJar keeps cookies per host name and honours Max-Age=0', () => {
  const jar = new CookieJar();
  jar.set('http://a.test:8080/echo/info', ['JSESSIONID=abc; Path=/', 'SERVERID=s1; HttpOnly']);
  assert.equal(jar.get('http://a.test:9090/echo/1/2/xhr'), 'JSESSIONID=abc; SERVERID=s1');
  assert.equal(jar.get('http://b.test/'), '');
  jar.set('http://a.test/', ['JSESSIONID=def', 'SERVERID=; Max-Age=0']);
  assert.equal(jar.get('http://a.test/'), 'JSESSIONID=def');
});
