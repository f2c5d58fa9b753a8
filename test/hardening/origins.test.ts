// Origin policy and allowRequest over real requests: a refused request gets
// its status and no session on every transport, the WebSocket upgrades
// included; an allowed one works.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import type { AllowRequestResult, ServerOptions } from '../../packages/server/src/index.js';
import { RawSocket, type Reply, Stream } from '../helpers/http-client.ts';
import { type Harness, newSessionId, request, startHarness, upgradeRequest } from './helpers.js';

const GOOD = 'https://good.example';
const EVIL = 'https://evil.example';

/** The status line of an upgrade attempt over a raw socket. */
async function upgradeStatus(port: number, path: string, headers: Record<string, string>) {
  const socket = new RawSocket(port);
  socket.socket.write(upgradeRequest(path, headers));
  await socket.waitText('\r\n\r\n');
  socket.socket.destroy();
  const m = /^HTTP\/1\.1 (\d{3})[^\r]*\r\n[\s\S]*?\r\n\r\n([\s\S]*)$/.exec(socket.text);
  assert.ok(m, socket.text);
  return { status: Number(m[1]), body: m[2]! };
}

/** Opens a receiving request and returns its status and first bytes. */
async function receive(
  port: number,
  path: string,
  method: string,
  headers: Record<string, string>,
): Promise<{ status: number; text: string }> {
  const stream = new Stream(port, path, { method, headers });
  await stream.waitFor(/o|Origin not allowed|Forbidden|./);
  await new Promise((r) => setTimeout(r, 20));
  stream.abort();
  return { status: stream.status, text: stream.text };
}

type Attempt = (
  h: Harness,
  headers: Record<string, string>,
) => Promise<{ status: number; text: string }>;

const sessionUrl = (t: string) => `/echo/000/${newSessionId()}/${t}`;
const reply = (r: Reply) => ({ status: r.status, text: r.body });

/** Every way in, each answering its status and (the start of) its body. */
const ATTEMPTS: Record<string, Attempt> = {
  xhr: async (h, headers) =>
    reply(await request(h.port, sessionUrl('xhr'), { method: 'POST', headers })),
  xhr_streaming: (h, headers) => receive(h.port, sessionUrl('xhr_streaming'), 'POST', headers),
  eventsource: (h, headers) => receive(h.port, sessionUrl('eventsource'), 'GET', headers),
  htmlfile: (h, headers) => receive(h.port, `${sessionUrl('htmlfile')}?c=cb`, 'GET', headers),
  jsonp: async (h, headers) =>
    reply(await request(h.port, `${sessionUrl('jsonp')}?c=cb`, { headers })),
  xhr_send: async (h, headers) => {
    // The session is opened by a client with no Origin (allowed), then a
    // page of another origin tries to send into it.
    const url = sessionUrl('xhr');
    assert.equal((await request(h.port, url, { method: 'POST' })).body, 'o\n');
    const send = url.replace(/xhr$/, 'xhr_send');
    return reply(await request(h.port, send, { method: 'POST', headers, body: '["x"]' }));
  },
  info: async (h, headers) => reply(await request(h.port, '/echo/info', { headers })),
  'OPTIONS info': async (h, headers) =>
    reply(await request(h.port, '/echo/info', { method: 'OPTIONS', headers })),
  'OPTIONS xhr': async (h, headers) =>
    reply(await request(h.port, sessionUrl('xhr'), { method: 'OPTIONS', headers })),
  'websocket upgrade': async (h, headers) => {
    const r = await upgradeStatus(h.port, sessionUrl('websocket'), headers);
    return { status: r.status, text: r.body };
  },
  'raw websocket upgrade': async (h, headers) => {
    const r = await upgradeStatus(h.port, '/echo/websocket', headers);
    return { status: r.status, text: r.body };
  },
};

/** What an allowed attempt answers. */
const ALLOWED_STATUS: Record<string, number> = {
  xhr: 200,
  xhr_streaming: 200,
  eventsource: 200,
  htmlfile: 200,
  jsonp: 200,
  xhr_send: 204,
  info: 200,
  'OPTIONS info': 204,
  'OPTIONS xhr': 204,
  'websocket upgrade': 101,
  'raw websocket upgrade': 101,
};

describe('origins: a list', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ origins: [GOOD] });
  });
  after(() => h.stop());

  for (const [name, attempt] of Object.entries(ATTEMPTS)) {
    test(`${name}: Origin ${EVIL} gets 403 and no session`, async () => {
      const opened = h.connections.length;
      const r = await attempt(h, { Origin: EVIL });
      assert.equal(r.status, 403, r.text);
      assert.equal(r.text, 'Origin not allowed');
      assert.equal(h.connections.length, opened + (name === 'xhr_send' ? 1 : 0));
    });

    test(`${name}: Origin ${GOOD} is served`, async () => {
      const r = await attempt(h, { Origin: GOOD });
      assert.equal(r.status, ALLOWED_STATUS[name], r.text);
    });
  }

  for (const name of ['jsonp', 'htmlfile']) {
    const attempt = ATTEMPTS[name]!;
    test(`${name}: a bad Referer or none at all gets 403`, async () => {
      const opened = h.connections.length;
      assert.equal((await attempt(h, { Referer: `${EVIL}/page.html` })).status, 403);
      assert.equal((await attempt(h, {})).status, 403);
      assert.equal(h.connections.length, opened);
    });

    test(`${name}: a good Referer is served`, async () => {
      const r = await attempt(h, { Referer: `${GOOD}/app/page.html` });
      assert.equal(r.status, 200);
      assert.match(r.text, /o/);
    });
  }

  test('CORS headers are for the allowed origin only', async () => {
    const good = await request(h.port, '/echo/info', { headers: { Origin: GOOD } });
    assert.equal(good.headers['access-control-allow-origin'], GOOD);
    const evil = await request(h.port, '/echo/info', { headers: { Origin: EVIL } });
    assert.equal(evil.headers['access-control-allow-origin'], undefined);
  });

  test('/info reports the list', async () => {
    const r = await request(h.port, '/echo/info');
    assert.deepEqual(JSON.parse(r.body).origins, [GOOD]);
  });

  test('the iframe page carries CSP frame-ancestors', async () => {
    const r = await request(h.port, '/echo/iframe.html');
    assert.equal(r.status, 200);
    const csp = String(r.headers['content-security-policy']);
    assert.match(csp, /frame-ancestors 'self' https:\/\/good\.example/);
    assert.doesNotMatch(csp, /evil/);
  });

  test('a real WebSocket client from the good origin echoes', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${h.port}${sessionUrl('websocket')}`, {
      origin: GOOD,
    });
    const messages: string[] = [];
    ws.on('message', (d) => {
      messages.push(String(d));
      if (messages.length === 1) ws.send('["hi"]');
      if (messages.length === 2) ws.close();
    });
    await new Promise((resolve) => ws.on('close', resolve));
    assert.deepEqual(messages, ['o', 'a["hi"]']);
  });
});

describe('origins: a function', () => {
  let h: Harness;
  const seen: string[] = [];
  before(async () => {
    h = await startHarness({
      origins: (origin) => {
        seen.push(origin);
        return origin.endsWith('.good.example');
      },
    });
  });
  after(() => h.stop());

  test('decides every transport, upgrades included', async () => {
    for (const [name, attempt] of Object.entries(ATTEMPTS)) {
      assert.equal((await attempt(h, { Origin: EVIL })).status, 403, name);
      const ok = await attempt(h, { Origin: 'https://app.good.example' });
      assert.equal(ok.status, ALLOWED_STATUS[name], name);
    }
    assert.ok(seen.includes(EVIL) && seen.includes('https://app.good.example'));
  });
});

describe('allowRequest', () => {
  const cases: [string, ServerOptions['allowRequest'], number, string][] = [
    ['sync false', () => false, 403, 'Forbidden'],
    ['async false', async () => false, 403, 'Forbidden'],
    [
      'sync {status: 401, reason}',
      () => ({ status: 401, reason: 'Unauthorized' }),
      401,
      'Unauthorized',
    ],
    [
      'async {status: 401, reason}',
      async () => ({ status: 401, reason: 'Token expired' }),
      401,
      'Token expired',
    ],
    ['a {reason} alone', () => ({ reason: 'Nope' }), 403, 'Nope'],
    [
      'a throw',
      () => {
        throw new Error('boom');
      },
      500,
      'Internal Server Error',
    ],
    ['a rejection', () => Promise.reject(new Error('boom')), 500, 'Internal Server Error'],
  ];
  const receiving = ['xhr', 'xhr_streaming', 'eventsource', 'htmlfile', 'jsonp'];
  const upgrades = ['websocket upgrade', 'raw websocket upgrade'];

  for (const [what, hook, status, reason] of cases) {
    test(`${what}: ${status} ${reason} on every transport, and no connection`, async () => {
      const logged: string[] = [];
      const h = await startHarness({ allowRequest: hook, log: (_s, m) => logged.push(m) });
      try {
        for (const name of [...receiving, ...upgrades]) {
          const r = await ATTEMPTS[name]!(h, {});
          assert.equal(r.status, status, name);
          assert.equal(r.text, reason, name);
        }
        assert.equal(h.connections.length, 0);
        assert.equal(h.sockjs.stats().sessions.total, 0);
        assert.equal(h.sockjs.stats().rejected, receiving.length + upgrades.length);
        if (status === 500)
          assert.ok(
            logged.some((m) => m.includes('boom')),
            logged.join('\n'),
          );
      } finally {
        await h.stop();
      }
    });
  }

  test('accepting (sync and async) opens the session and sees the request', async () => {
    for (const accept of [() => true, async () => true] as (() =>
      | AllowRequestResult
      | Promise<AllowRequestResult>)[]) {
      const urls: string[] = [];
      const h = await startHarness({
        allowRequest: (req) => {
          urls.push(req.url ?? '');
          return accept();
        },
      });
      try {
        for (const name of [...receiving, ...upgrades]) {
          assert.equal((await ATTEMPTS[name]!(h, {})).status, ALLOWED_STATUS[name], name);
        }
        assert.equal(h.connections.length, receiving.length + upgrades.length);
        assert.equal(urls.length, receiving.length + upgrades.length);
        // Not asked again for requests into an open session.
        const before = urls.length;
        const r = await ATTEMPTS.xhr_send!(h, {});
        assert.equal(r.status, 204);
        assert.equal(urls.length, before + 1);
      } finally {
        await h.stop();
      }
    }
  });
});
