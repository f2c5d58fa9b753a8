// Header rules of src/http-util.ts that the mutation run found untested
// (docs/testing.md, group `http-util`): an empty Origin is no origin, and
// the JSESSIONID cookie is marked `SameSite=None; Secure` on a TLS socket
// (over https directly, not only behind a proxy that says so).

import assert from 'node:assert/strict';
import https from 'node:https';
import { after, before, describe, test } from 'node:test';
import { listen, stopHttp, trackSockets } from '../../../test/helpers/http-server.ts';
import { selfSigned } from '../../../test/helpers/tls.ts';
import { createServer } from '../src/index.js';
import { post, request, sessionPath, startServer, type TestServer } from './support.js';

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
    const reply = await new Promise<{ body: string; cookie: string[] | undefined }>(
      (resolve, reject) => {
        const req = https.request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: `${sessionPath()}/xhr`,
            ca: tls.cert,
            headers: { Cookie: 'JSESSIONID=abc123' },
          },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => {
              body += c;
            });
            res.on('end', () => resolve({ body, cookie: res.headers['set-cookie'] }));
          },
        );
        req.on('error', reject);
        req.end();
      },
    );
    assert.equal(reply.body, 'o\n');
    assert.deepEqual(reply.cookie, ['JSESSIONID=abc123; path=/; SameSite=None; Secure']);
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
