// The mount rule (src/mount.ts): which path the endpoint routes, called
// directly and mounted by Express/Connect (which strip the mount path off
// req.url and keep the whole URL in req.originalUrl).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadClientBundle } from '../src/client-bundle.js';
import { pathBelow, takesUnprefixed } from '../src/mount.js';

/** A request as Express hands it to `app.use(mount, handler)`. */
function mounted(mount: string, url: string): { url: string; originalUrl: string } {
  return { url: url.slice(mount.length) || '/', originalUrl: url };
}

describe('pathBelow', () => {
  test('called directly: the path of req.url below the prefix, query left out', () => {
    assert.equal(pathBelow({ url: '/echo/info?t=1' }, '/echo'), '/info');
    assert.equal(pathBelow({ url: '/echo' }, '/echo'), '');
    assert.equal(pathBelow({ url: '/echoes/info' }, '/echo'), null);
    assert.equal(pathBelow({ url: '/info' }, ''), '/info');
    assert.equal(pathBelow({}, '/echo'), null);
  });

  test('mounted at the prefix: the whole URL is matched', () => {
    assert.equal(pathBelow(mounted('/echo', '/echo/info?t=1'), '/echo'), '/info');
    assert.equal(pathBelow(mounted('/echo', '/echo/1/a/xhr'), '/echo'), '/1/a/xhr');
    assert.equal(pathBelow(mounted('/echo', '/echo'), '/echo'), '');
    assert.equal(pathBelow(mounted('/echo', '/echo/'), '/echo'), '/');
  });

  test('mounted without a prefix: served at the mount path', () => {
    assert.equal(pathBelow(mounted('/echo', '/echo/info'), ''), '/info');
    assert.equal(pathBelow(mounted('/a/b', '/a/b/1/a/xhr_send'), ''), '/1/a/xhr_send');
  });

  test('a prefix is a whole path, and one written relative to the mount point still works', () => {
    assert.equal(pathBelow(mounted('/api', '/api/echo/info'), '/api/echo'), '/info');
    assert.equal(pathBelow(mounted('/api', '/api/echo/info'), '/echo'), '/info');
    assert.equal(pathBelow(mounted('/sock', '/sock/info'), '/echo'), null);
  });

  test('a URL some middleware rewrote otherwise is routed as passed on', () => {
    assert.equal(pathBelow({ url: '/echo/info', originalUrl: '/old/x' }, '/echo'), '/info');
  });
});

describe('takesUnprefixed', () => {
  test('with a prefix or a mount path, every request is the endpoint’s to judge', () => {
    assert.equal(takesUnprefixed({ url: '/anything' }, '/echo'), true);
    assert.equal(takesUnprefixed(mounted('/echo', '/echo/anything'), ''), true);
  });

  test('with neither, only the URLs a SockJS client requests', () => {
    for (const url of ['/info', '/iframe.html', '/1/a/xhr', '/1/a/websocket', '/websocket']) {
      assert.equal(takesUnprefixed({ url }, ''), true, url);
    }
    for (const url of ['/', '', '/about', '/api/users', '/a/b/c/d']) {
      assert.equal(takesUnprefixed({ url }, ''), false, url);
    }
    const bundle = loadClientBundle();
    if (bundle !== null) assert.equal(takesUnprefixed({ url: bundle.path }, ''), true);
  });
});
