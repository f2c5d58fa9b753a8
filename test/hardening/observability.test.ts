// stats() and the diagnostics channels, checked against traffic whose
// numbers are known.

import assert from 'node:assert/strict';
import diagnostics_channel from 'node:diagnostics_channel';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { CHANNELS } from '../../packages/server/src/index.js';
import { RawSocket, Stream } from '../helpers/http-client.ts';
import { eventually } from '../helpers/timing.ts';
import { type Harness, newSessionId, request, startHarness, upgradeRequest } from './helpers.js';

const published: Record<string, Record<string, unknown>[]> = {};
const listeners = Object.values(CHANNELS).map((name) => {
  published[name] = [];
  const listener = (m: unknown) => published[name]!.push(m as Record<string, unknown>);
  return [name, listener] as const;
});
before(() => {
  for (const [name, listener] of listeners) diagnostics_channel.subscribe(name, listener);
});
after(() => {
  for (const [name, listener] of listeners) diagnostics_channel.unsubscribe(name, listener);
});

test('CHANNELS names the five channels', () => {
  assert.deepEqual(CHANNELS, {
    sessionOpen: 'sockjs-ts:session:open',
    sessionClose: 'sockjs-ts:session:close',
    sessionResume: 'sockjs-ts:session:resume',
    limit: 'sockjs-ts:limit',
    reject: 'sockjs-ts:reject',
  });
});

describe('stats()', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ heartbeat_delay: 60_000, disconnect_delay: 300 });
  });
  after(() => h.stop());

  test('sessions by transport, messages and bytes both ways', async () => {
    const url = (t: string) => `/echo/000/${newSessionId()}/${t}`;
    const ws = new WebSocket(`ws://127.0.0.1:${h.port}${url('websocket')}`);
    const raw = new WebSocket(`ws://127.0.0.1:${h.port}/echo/websocket`);
    const streams = [
      new Stream(h.port, url('xhr_streaming'), { method: 'POST' }),
      new Stream(h.port, url('eventsource')),
      new Stream(h.port, `${url('htmlfile')}?c=cb`),
    ];
    const xhr = url('xhr');
    await request(h.port, xhr, { method: 'POST' });
    await request(h.port, `${url('jsonp')}?c=cb`);
    await eventually(() => h.sockjs.stats().sessions.total === 7, 'seven sessions');
    assert.deepEqual(h.sockjs.stats().sessions.byTransport, {
      websocket: 1,
      'websocket-raw': 1,
      'xhr-streaming': 1,
      eventsource: 1,
      htmlfile: 1,
      'xhr-polling': 1,
      'jsonp-polling': 1,
    });
    assert.equal(h.sockjs.stats().sessionsOpened, 7);

    // Known traffic: two messages in over xhr_send, one over each
    // websocket; the echo app writes each back.
    const before = h.sockjs.stats();
    const send = xhr.replace(/xhr$/, 'xhr_send');
    assert.equal(
      (await request(h.port, send, { method: 'POST', body: '["h\\u00e9llo","12345"]' })).status,
      204,
    );
    ws.send('["abc"]');
    raw.send('wxyz!');
    await eventually(() => h.sockjs.stats().messagesIn - before.messagesIn === 4, 'four in');
    await eventually(() => h.sockjs.stats().messagesOut - before.messagesOut === 4, 'four out');
    const now = h.sockjs.stats();
    assert.equal(now.bytesIn - before.bytesIn, 5 + 5 + 3 + 5);
    assert.equal(now.bytesOut - before.bytesOut, 5 + 5 + 3 + 5);

    // Closing and expiry take the sessions off the count.
    ws.close();
    raw.close();
    for (const s of streams) s.abort();
    await eventually(() => h.sockjs.stats().sessions.total === 0, 'no session', 5000);
    assert.equal(h.sockjs.stats().sessionsClosed, 7);
    assert.deepEqual(h.sockjs.stats().sessions.byTransport, {});
  });
});

describe('diagnostics channels', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      disconnect_delay: 300,
      max_body_size: 1000,
      max_message_size: 100,
      high_water_mark: 500,
      max_queue_size: 1000,
      origins: ['https://good.example'],
      allowRequest: (req) => (req.url?.includes('deny') ? { status: 401, reason: 'No' } : true),
    });
  });
  after(() => h.stop());

  const find = (channel: string, id: string) =>
    published[channel]!.filter((m) => m.id === id || String(m.url).includes(id));

  test('session:open and session:close', async () => {
    const id = newSessionId();
    const path = `/echo/000/${id}`;
    await request(h.port, `${path}/xhr`, { method: 'POST' });
    assert.deepEqual(find(CHANNELS.sessionOpen, id), [
      { id, transport: 'xhr-polling', prefix: '/echo' },
    ]);
    (await h.connection(id)).close(3001, 'Bye now');
    assert.deepEqual(find(CHANNELS.sessionClose, id), [
      { id, transport: 'xhr-polling', prefix: '/echo', code: 3001, reason: 'Bye now' },
    ]);

    const wsId = newSessionId();
    const ws = new WebSocket(`ws://127.0.0.1:${h.port}/echo/000/${wsId}/websocket`);
    await new Promise((resolve) => ws.on('message', resolve));
    assert.deepEqual(find(CHANNELS.sessionOpen, wsId), [
      { id: wsId, transport: 'websocket', prefix: '/echo' },
    ]);
    ws.close();
    await eventually(() => find(CHANNELS.sessionClose, wsId).length === 1, 'websocket close');
    const [closed] = find(CHANNELS.sessionClose, wsId);
    assert.deepEqual(Object.keys(closed!).sort(), ['code', 'id', 'prefix', 'reason', 'transport']);
    assert.equal(closed!.transport, 'websocket');
    assert.equal(typeof closed!.code, 'number');
  });

  test('limit: body, message and queue', async () => {
    const id = newSessionId();
    const path = `/echo/000/${id}`;
    await request(h.port, `${path}/xhr`, { method: 'POST' });
    const big = JSON.stringify(['x'.repeat(1200)]);
    assert.equal(
      (await request(h.port, `${path}/xhr_send`, { method: 'POST', body: big })).status,
      413,
    );
    const body = find(CHANNELS.limit, id);
    assert.equal(body.length, 1);
    assert.equal(body[0]!.limit, 'body');
    assert.equal(body[0]!.prefix, '/echo');
    assert.equal(body[0]!.max, 1000);
    assert.ok((body[0]!.size as number) > 1000);

    const long = JSON.stringify(['y'.repeat(101)]);
    assert.equal(
      (await request(h.port, `${path}/xhr_send`, { method: 'POST', body: long })).status,
      413,
    );
    assert.deepEqual(find(CHANNELS.limit, id)[1], {
      limit: 'message',
      prefix: '/echo',
      id,
      size: 101,
      max: 100,
    });

    // No receiver attached: writes queue up until max_queue_size.
    const qid = newSessionId();
    await request(h.port, `/echo/000/${qid}/xhr`, { method: 'POST' });
    const conn = await h.connection(qid);
    for (let i = 0; i < 6; i++) conn.write('z'.repeat(200));
    assert.deepEqual(find(CHANNELS.limit, qid), [
      { limit: 'queue', prefix: '/echo', id: qid, size: 1200, max: 1000 },
    ]);
    assert.deepEqual(
      find(CHANNELS.sessionClose, qid).map((m) => [m.code, m.reason]),
      [[1008, 'Outbound queue full']],
    );
  });

  test('reject: origin, allowRequest and closing', async () => {
    const evil = newSessionId();
    await request(h.port, `/echo/000/${evil}/xhr`, {
      method: 'POST',
      headers: { Origin: 'https://evil.example' },
    });
    assert.deepEqual(find(CHANNELS.reject, evil), [
      {
        cause: 'origin',
        prefix: '/echo',
        url: `/echo/000/${evil}/xhr`,
        status: 403,
        reason: 'Origin not allowed',
      },
    ]);

    const denied = `deny${newSessionId()}`;
    const socket = new RawSocket(h.port);
    socket.socket.write(upgradeRequest(`/echo/000/${denied}/websocket`));
    await socket.waitText('\r\n\r\n');
    socket.socket.destroy();
    assert.deepEqual(find(CHANNELS.reject, denied), [
      {
        cause: 'allowRequest',
        prefix: '/echo',
        url: `/echo/000/${denied}/websocket`,
        status: 401,
        reason: 'No',
      },
    ]);

    const rejectedBefore = h.sockjs.stats().rejected;
    await h.sockjs.close();
    const late = newSessionId();
    assert.equal((await request(h.port, `/echo/000/${late}/eventsource`)).status, 503);
    assert.deepEqual(find(CHANNELS.reject, late), [
      {
        cause: 'closing',
        prefix: '/echo',
        url: `/echo/000/${late}/eventsource`,
        status: 503,
        reason: 'Server shutting down',
      },
    ]);
    assert.equal(h.sockjs.stats().rejected, rejectedBefore + 1);
  });
});
