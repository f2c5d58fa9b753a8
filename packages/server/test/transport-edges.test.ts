// Edges of the HTTP transports that the mutation run found untested
// (docs/testing.md, group `http-transports`): the protocol name each one
// gives its connection, a streaming response that resumes after
// backpressure, htmlfile's exact head, jsonp_send's content types, sends to
// a closed or an unknown session, a send answered by another listener, and
// a send whose client went away mid-body.

import assert from 'node:assert/strict';
import diagnostics_channel from 'node:diagnostics_channel';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { listen } from '../../../test/helpers/http-server.ts';
import { eventually } from '../../../test/helpers/timing.ts';
import { createServer } from '../src/index.js';
import { BURST_BYTES, backUp, StreamReader, startBurstServer } from './backlog-support.js';
import {
  post,
  request,
  Stream,
  sessionPath,
  startServer,
  stopHttp,
  type TestServer,
  trackSockets,
} from './support.js';

describe('each receiving transport names its protocol on the connection', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.stop());

  for (const [protocol, path, method] of [
    ['xhr-polling', 'xhr', 'POST'],
    ['jsonp-polling', 'jsonp?c=cb', 'GET'],
    ['xhr-streaming', 'xhr_streaming', 'POST'],
    ['eventsource', 'eventsource', 'GET'],
    ['htmlfile', 'htmlfile?c=cb', 'GET'],
  ] as const) {
    test(protocol, async () => {
      const session = sessionPath();
      const id = session.split('/').pop()!;
      const stream = new Stream(server.port, `${session}/${path}`, { method });
      await stream.waitFor('o');
      const conn = server.connections.find((c) => c.id === id);
      assert.ok(conn, 'a connection for the session');
      assert.equal(conn.protocol, protocol);
      stream.abort();
    });
  }
});

describe('a streaming response after backpressure', () => {
  test('takes frames again once its client reads (drain)', async () => {
    const server = await startBurstServer('/burst');
    try {
      const path = sessionPath('/burst');
      const reader = new StreamReader(server.port, path);
      await eventually(() => reader.tail.includes('\no\n'), 'the open frame');
      await backUp(server, path, reader, 'probe');
      reader.socket.resume();
      // Once the response drains, the session sends what waited.
      await eventually(() => reader.tail.includes('a["echo:probe"]\n'), 'the probe', 20_000);
      assert.ok(reader.received > BURST_BYTES);
      assert.equal(server.connection(path).writableLength, 0);
      reader.socket.destroy();
    } finally {
      await server.stop();
    }
  });
});

describe('sends and transports at their edges', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ max_body_size: 1000 });
  });
  after(() => server.stop());

  test('htmlfile: the head is padded to 1,025 characters, then \\r\\n\\r\\n', async () => {
    const stream = new Stream(server.port, `${sessionPath()}/htmlfile?c=cb`);
    await stream.waitFor('p("o");');
    assert.equal(stream.text.indexOf('<script>\np("o");'), 1025 + 4);
    assert.equal(stream.text.slice(1021, 1029), '    \r\n\r\n');
    stream.abort();
  });

  test('jsonp_send takes a form with a charset, and a body without Content-Type', async () => {
    const session = sessionPath();
    assert.equal((await request(server.port, `${session}/jsonp?c=cb`)).body, '/**/cb("o");\r\n');
    const form = await request(server.port, `${session}/jsonp_send`, {
      method: 'POST',
      body: `d=${encodeURIComponent('["formed"]')}`,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8' },
    });
    assert.equal(form.status, 200);
    assert.equal(form.body, 'ok');
    const bare = await request(server.port, `${session}/jsonp_send`, {
      method: 'POST',
      body: '["bare"]',
    });
    assert.equal(bare.status, 200);
    assert.equal(
      (await request(server.port, `${session}/jsonp?c=cb`)).body,
      '/**/cb("a[\\"formed\\",\\"bare\\"]");\r\n',
    );
  });

  test('xhr_send to a session the server closed is 404', async () => {
    const session = sessionPath('/close');
    assert.equal((await post(server.port, `${session}/xhr`)).body, 'o\n');
    assert.equal((await post(server.port, `${session}/xhr`)).body, 'c[3000,"Go away!"]\n');
    const sent = await post(server.port, `${session}/xhr_send`, '["late"]');
    assert.equal(sent.status, 404);
  });

  test('xhr_send to an unknown session is 404 even with a body over max_body_size', async () => {
    const sent = await post(server.port, `${sessionPath()}/xhr_send`, `["${'x'.repeat(2000)}"]`);
    assert.equal(sent.status, 404);
  });
});

describe('a send that cannot be answered', () => {
  const logs: string[] = [];
  const limits: unknown[] = [];
  const onLimit = (m: unknown) => limits.push(m);
  let server: http.Server;
  let sockjs: ReturnType<typeof createServer>;
  let port: number;
  let sends = 0;

  before(async () => {
    diagnostics_channel.subscribe('sockjs-ts:limit', onLimit);
    sockjs = createServer({
      prefix: '/echo',
      heartbeat_delay: 300,
      log: (severity, message) => logs.push(`${severity} ${message}`),
    });
    sockjs.on('connection', (conn) => conn.on('data', (m: string) => conn.write(m)));
    server = http.createServer();
    trackSockets(server);
    sockjs.installHandlers(server);
    // Another listener that answers every xhr_send at once, without waiting
    // for its body (as Koa does without `ctx.respond = false`).
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      sends += req.url?.endsWith('/xhr_send') ? 1 : 0;
      if (req.headers['x-answer'] === 'now') res.end('other');
    });
    port = await listen(server);
  });
  after(async () => {
    diagnostics_channel.unsubscribe('sockjs-ts:limit', onLimit);
    await stopHttp(server, [sockjs]);
  });

  test('answered by another listener first: not delivered, logged, the server unharmed', async () => {
    const session = sessionPath();
    assert.equal((await post(port, `${session}/xhr`)).body, 'o\n');
    const sent = await post(port, `${session}/xhr_send`, '["lost"]', { 'X-Answer': 'now' });
    assert.equal(sent.body, 'other');
    await eventually(
      () => logs.includes('error send answered by someone else before its body was read'),
      'the log line',
    );
    // The message never reached the session: the next poll gets a heartbeat.
    assert.equal((await post(port, `${session}/xhr`)).body, 'h\n');
  });

  test('its client gone mid-body: logged as aborted, not counted as a limit', async () => {
    const session = sessionPath();
    assert.equal((await post(port, `${session}/xhr`)).body, 'o\n');
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    const before = sends;
    socket.write(
      `POST ${session}/xhr_send HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n["par`,
    );
    // Once the server is reading the body, the client leaves.
    await eventually(() => sends > before, 'the send reached the server');
    socket.destroy();
    await eventually(() => logs.includes('error send aborted: aborted'), `the log line: ${logs}`);
    assert.deepEqual(limits, []);
  });
});
