// Graceful shutdown: `await sockjs.close()` sends every open session its
// close frame on its own transport, refuses new sessions with 503, and
// leaves no socket or timer behind. The test server stops the same way on
// SIGTERM.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { RawSocket, Stream } from '../helpers/http-client.ts';
import { eventually, withDeadline } from '../helpers/timing.ts';
import { type Harness, newSessionId, request, startHarness, upgradeRequest } from './helpers.js';

const KINDS = ['TCPSocketWrap', 'TCPServerWrap', 'Timeout', 'Immediate'];
const countResources = () => {
  const all = process.getActiveResourcesInfo();
  return Object.fromEntries(KINDS.map((k) => [k, all.filter((r) => r === k).length]));
};

interface WsRecorder {
  ws: WebSocket;
  messages: string[];
  close: { code: number; reason: string } | null;
}

function openWebSocket(url: string): WsRecorder {
  const rec: WsRecorder = { ws: new WebSocket(url), messages: [], close: null };
  rec.ws.on('error', () => {});
  rec.ws.on('message', (d) => rec.messages.push(String(d)));
  rec.ws.on('close', (code, reason) => {
    rec.close = { code, reason: String(reason) };
  });
  return rec;
}

/** Sessions on every transport, each with a receiver attached. */
async function openEverything(h: Harness) {
  const url = (t: string) => `/echo/000/${newSessionId()}/${t}`;
  const ws = openWebSocket(`ws://127.0.0.1:${h.port}${url('websocket')}`);
  const raw = openWebSocket(`ws://127.0.0.1:${h.port}/echo/websocket`);
  const xhrStreaming = new Stream(h.port, url('xhr_streaming'), { method: 'POST' });
  const eventSource = new Stream(h.port, url('eventsource'));
  const htmlFile = new Stream(h.port, `${url('htmlfile')}?c=cb`);
  // A long poll left pending on an open session.
  const pollUrl = url('xhr');
  assert.equal((await request(h.port, pollUrl, { method: 'POST' })).body, 'o\n');
  const longPoll = new Stream(h.port, pollUrl, { method: 'POST' });
  await eventually(() => ws.messages[0] === 'o', 'websocket open');
  await eventually(() => raw.ws.readyState === WebSocket.OPEN, 'raw websocket open');
  await xhrStreaming.waitFor('o\n');
  await eventSource.waitFor('data: o\r\n');
  await htmlFile.waitFor('p("o")');
  await eventually(() => h.sockjs.stats().sessions.total === 6, 'six sessions');
  return { ws, raw, xhrStreaming, eventSource, htmlFile, longPoll };
}

async function closeAndCheck(code: number | undefined, reason: string | undefined) {
  const baseline = countResources();
  const h = await startHarness({ heartbeat_delay: 200, disconnect_delay: 300 });
  const s = await openEverything(h);
  const closedConnections: string[] = [];
  for (const conn of h.connections) conn.on('close', () => closedConnections.push(conn.protocol));

  const expectCode = code ?? 1001;
  const expectReason = reason ?? 'Server shutting down';
  const frame = `c[${expectCode},${JSON.stringify(expectReason)}]`;
  await withDeadline(
    code === undefined ? h.sockjs.close() : h.sockjs.close(code, reason),
    6000,
    'sockjs.close()',
  );

  await eventually(() => s.ws.close !== null, 'websocket closed');
  assert.equal(s.ws.messages.at(-1), frame);
  assert.equal(s.ws.close!.code, expectCode === 1001 ? 1001 : expectCode);
  assert.equal(s.raw.close?.code, expectCode);
  await s.xhrStreaming.waitEnd();
  assert.ok(s.xhrStreaming.text.endsWith(`\n${frame}\n`), s.xhrStreaming.text.slice(-80));
  await s.eventSource.waitEnd();
  assert.ok(s.eventSource.text.endsWith(`data: ${frame}\r\n\r\n`), s.eventSource.text.slice(-80));
  await s.htmlFile.waitEnd();
  assert.ok(s.htmlFile.text.includes(`p(${JSON.stringify(frame)});`), s.htmlFile.text.slice(-80));
  await s.longPoll.waitEnd();
  assert.equal(s.longPoll.text, `${frame}\n`);
  assert.equal(closedConnections.length, 6);
  assert.equal(h.sockjs.stats().sessions.total, 0);

  // New sessions are refused while the HTTP server still listens.
  const refused = await request(h.port, `/echo/000/${newSessionId()}/xhr`, { method: 'POST' });
  assert.deepEqual([refused.status, refused.body], [503, 'Server shutting down']);
  const es = await request(h.port, `/echo/000/${newSessionId()}/eventsource`, { timeout: 2000 });
  assert.equal(es.status, 503);
  const upgrade = new RawSocket(h.port);
  upgrade.socket.write(upgradeRequest(`/echo/000/${newSessionId()}/websocket`));
  await upgrade.waitText('\r\n\r\n');
  assert.match(upgrade.text, /^HTTP\/1\.1 503 /);
  upgrade.socket.destroy();
  assert.equal(h.connections.length, 6);

  // Nothing of the server is left once the HTTP server is closed too.
  await new Promise<void>((resolve) => h.http.close(() => resolve()));
  await eventually(
    () => JSON.stringify(countResources()) === JSON.stringify(baseline),
    `resources back to ${JSON.stringify(baseline)}, now ${JSON.stringify(countResources())}`,
    3000,
  );
  assert.equal(h.sockjs.wheel.size, 0);
}

describe('sockjs.close()', () => {
  test('default: c[1001,"Server shutting down"] on every transport, then 503, then nothing left', () =>
    closeAndCheck(undefined, undefined));

  test('a chosen code and reason', () => closeAndCheck(4000, 'Back in five minutes'));

  test('with nothing open it resolves at once, and twice is fine', async () => {
    const h = await startHarness();
    await withDeadline(h.sockjs.close(), 1000, 'close');
    await withDeadline(h.sockjs.close(), 1000, 'second close');
    await new Promise<void>((resolve) => h.http.close(() => resolve()));
  });
});

describe('examples/test-server.js', () => {
  test('SIGTERM: the websocket client gets the close frame and the process exits 0', async () => {
    const script = fileURLToPath(new URL('../../examples/test-server.js', import.meta.url));
    const child = spawn(process.execPath, [script, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    try {
      await eventually(
        () => /listening on http:\/\/[\d.]+:\d+/.test(out),
        `listening: ${err}`,
        10_000,
      );
      const port = Number(/:(\d+)\s*$/m.exec(out)![1]);
      const ws = openWebSocket(`ws://127.0.0.1:${port}/echo/000/${newSessionId()}/websocket`);
      await eventually(() => ws.messages[0] === 'o', 'open frame');
      ws.ws.send('["before"]');
      await eventually(() => ws.messages.includes('a["before"]'), 'echo');

      child.kill('SIGTERM');
      assert.equal(await withDeadline(exited, 10_000, 'exit after SIGTERM'), 0, err);
      await eventually(() => ws.close !== null, 'websocket close');
      assert.equal(ws.messages.at(-1), 'c[1001,"Server shutting down"]');
      assert.equal(ws.close!.code, 1001);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
