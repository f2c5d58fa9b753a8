// After a server stops, nothing of it may keep the process alive: no socket,
// no listening handle, no ref'd timer. Sessions of every kind are opened and
// left in various states first.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  post,
  RawSocket,
  request,
  Stream,
  sessionPath,
  sleep,
  startServer,
  WsClient,
} from './support.js';

test('no handle or timer outlives the server', async () => {
  const count = (kind: string) => process.getActiveResourcesInfo().filter((r) => r === kind).length;
  const KINDS = ['TCPSocketWrap', 'TCPServerWrap', 'Timeout', 'Immediate'];
  const baseline = KINDS.map(count);
  const s = await startServer({ heartbeat_delay: 100, disconnect_delay: 150 });
  // Sessions: idle polling, open streaming, aborted streaming, websocket,
  // raw websocket, hixie-76, closed by the application.
  await post(s.port, `${sessionPath()}/xhr`);
  const streaming = new Stream(s.port, `${sessionPath()}/xhr_streaming`, { method: 'POST' });
  await streaming.waitFor('o\n');
  const aborted = new Stream(s.port, `${sessionPath()}/eventsource`);
  await aborted.waitFor('data: o');
  aborted.abort();
  const ws = new WsClient(`ws://127.0.0.1:${s.port}${sessionPath()}/websocket`);
  await ws.message(1);
  const raw = new WsClient(`ws://127.0.0.1:${s.port}/echo/websocket`);
  await raw.opened;
  const hixie = new RawSocket(s.port);
  hixie.socket.write(
    `GET ${sessionPath()}/websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n` +
      'Upgrade: WebSocket\r\nSec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n' +
      'Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\n\r\n^n:ds[4U',
  );
  await hixie.waitText('\x00o\xff');
  await post(s.port, `${sessionPath('/close')}/xhr`);
  await request(s.port, '/echo/info');
  await sleep(250); // heartbeats and expiries run meanwhile

  await s.stop();
  await streaming.waitEnd();
  await ws.closed();
  await raw.closed();
  await hixie.waitClose();
  await sleep(50);
  assert.deepEqual(KINDS.map(count), baseline, KINDS.join(', '));
  assert.equal(s.echo.wheel.size, 0);
  assert.equal(s.echo.stats().sessions.total, 0);
  assert.equal(s.closer.stats().sessions.total, 0);
});
