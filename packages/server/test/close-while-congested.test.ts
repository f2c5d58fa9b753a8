// Regression: messages written just before close() were dropped when the
// session's socket was backed up (its receiver not ready), and the close
// frame went out without them. connection-stream.test.ts's piped Readable
// lost its last message that way now and then: the frame before it filled
// the socket's buffer, the source ended, and pipe() ended the connection
// before the next flush; the client got c[1000] one message short and the
// test waited for it until its timeout. Now what is queued goes ahead of
// the close frame to a receiver that buffers frames, as the close frame
// itself does.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type RunningSockjs, startSockjsServer } from '../../../test/helpers/sockjs-server.ts';
import { RECEIVING_TRANSPORTS, ResumePeer } from './resume-support.js';
import { Stream, sessionPath, stopHttp, WsClient } from './support.js';

// Above SOCKET_HIGH_WATER and Node's stream high-water mark, below
// response_limit: sending its frame leaves the receiver not ready at once.
const BIG = 'x'.repeat(100_000);
const NORMAL_CLOSE = 'c[1000,"Normal closure"]';

let s: RunningSockjs;
before(async () => {
  s = await startSockjsServer({}, [{ prefix: '/idle', app: () => {} }]);
});
after(() => stopHttp(s.http, s.sockjs));

/**
 * Resolves after the flush that the last write() queued (a microtask queued
 * after it), before any nextTick or I/O callback: the socket has not taken the
 * flushed frame yet, so its receiver is still not ready.
 */
const afterFlush = () => new Promise<void>((resolve) => queueMicrotask(resolve));

/** Names BIG, so that a failure does not print it. */
const named = (message: string) => (message === BIG ? 'BIG' : message);

/** The messages of `a[...]` frames, and the close frame, in order. */
function contents(frames: readonly string[]): string[] {
  const out: string[] = [];
  for (const frame of frames) {
    if (frame.startsWith('a[')) out.push(...(JSON.parse(frame.slice(1)) as string[]).map(named));
    else if (frame.startsWith('c[')) out.push(frame);
  }
  return out;
}

test('websocket: a message written behind a frame the socket has not taken, then end()', async () => {
  const ws = new WsClient(`ws://127.0.0.1:${s.port}${sessionPath('/idle')}/websocket`);
  assert.equal(await ws.message(1), 'o');
  const conn = s.connections.at(-1)!;
  conn.write(BIG);
  await afterFlush();
  conn.write('last');
  conn.end();
  await ws.closed();
  assert.deepEqual(contents(ws.messages), ['BIG', 'last', NORMAL_CLOSE]);
});

test('xhr-streaming: a message written behind a response write that returned false, then end()', async () => {
  const path = sessionPath('/idle');
  const stream = new Stream(s.port, `${path}/xhr_streaming`, { method: 'POST' });
  await stream.waitFor('o\n');
  const conn = s.connections.at(-1)!;
  conn.write(BIG);
  await afterFlush();
  conn.write('last');
  conn.end();
  const body = await stream.waitEnd();
  assert.deepEqual(contents(body.split('\n')), ['BIG', 'last', NORMAL_CLOSE]);
});

test('resumable websocket: the same, numbered', async () => {
  const websocket = RECEIVING_TRANSPORTS.find((t) => t.name === 'websocket')!;
  const peer = await ResumePeer.open(websocket, s.port, sessionPath('/idle'));
  const conn = s.connections.at(-1)!;
  conn.write(BIG);
  await afterFlush();
  conn.write('last');
  conn.end();
  await peer.rx.ended();
  assert.deepEqual((await peer.receive(2)).map(named), ['BIG', 'last']);
  assert.equal(peer.rx.frames().at(-1), NORMAL_CLOSE);
});
