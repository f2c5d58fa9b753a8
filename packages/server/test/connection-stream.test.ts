// Connection is a stream.Duplex, as sockjs-node's connection is a stream:
// conn.pipe(conn) echoes, a Readable piped into a connection stops while its
// client is slow and goes on once it reads, 'end' then 'close' come once when
// the session closes. Over real sockets: websocket, xhr-streaming,
// xhr-polling. Also the early API's aliases on the connection: send() and the
// 'message' event.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Duplex, finished, pipeline, Readable, Transform, Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { startSockjsServer } from '../../../test/helpers/sockjs-server.ts';
import { eventually } from '../../../test/helpers/timing.ts';
import type { Connection } from '../src/index.js';
import { post, Stream, sessionPath, sleep, stopHttp, WsClient } from './support.js';

type Running = Awaited<ReturnType<typeof startSockjsServer>>;

/** Frames of an xhr-streaming body after the prelude, one string per message. */
function streamedMessages(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('a[')) out.push(...(JSON.parse(line.slice(1)) as string[]));
  }
  return out;
}

describe('Connection as a stream', () => {
  let s: Running;
  // What each service's app saw, by connection, for the event-order tests.
  const seen = new Map<Connection, string[]>();
  before(async () => {
    s = await startSockjsServer({ high_water_mark: 1000 }, [
      { prefix: '/pipe', app: (conn) => conn.pipe(conn) },
      {
        prefix: '/watch',
        app: (conn) => {
          const events: string[] = [];
          seen.set(conn, events);
          conn.on('data', (m) => events.push(`data ${m}`));
          conn.on('end', () => events.push('end'));
          conn.on('close', () => events.push('close'));
        },
      },
      { prefix: '/idle', app: () => {} },
    ]);
  });
  after(() => stopHttp(s.http, s.sockjs));

  const last = () => s.connections.at(-1)!;

  test('a Connection is a Duplex whose messages arrive as strings', async () => {
    const ws = new WsClient(`ws://127.0.0.1:${s.port}${sessionPath('/idle')}/websocket`);
    assert.equal(await ws.message(1), 'o');
    const conn = last();
    assert.ok(conn instanceof Duplex);
    assert.equal(conn.readable, true);
    assert.equal(conn.writable, true);
    const chunks: unknown[] = [];
    conn.pipe(
      new Writable({
        objectMode: true,
        write(chunk, _enc, done) {
          chunks.push(chunk);
          done();
        },
      }),
    );
    ws.ws.send(JSON.stringify(['one', 'two ☃']));
    await eventually(() => chunks.length === 2, 'two chunks');
    assert.deepEqual(chunks, ['one', 'two ☃']);
    ws.ws.close();
    await ws.closed();
  });

  test('conn.pipe(conn) echoes over websocket', async () => {
    const ws = new WsClient(`ws://127.0.0.1:${s.port}${sessionPath('/pipe')}/websocket`);
    assert.equal(await ws.message(1), 'o');
    ws.ws.send(JSON.stringify(['a', 'b']));
    ws.ws.send(JSON.stringify(['c']));
    await ws.until(
      () => streamedMessages(ws.messages.join('\n')).length === 3,
      'three echoes',
      2000,
    );
    assert.deepEqual(streamedMessages(ws.messages.join('\n')), ['a', 'b', 'c']);
    ws.ws.close();
    await ws.closed();
  });

  test('conn.pipe(conn) echoes over xhr-streaming', async () => {
    const path = sessionPath('/pipe');
    const stream = new Stream(s.port, `${path}/xhr_streaming`, { method: 'POST' });
    await stream.waitFor('o\n');
    assert.equal((await post(s.port, `${path}/xhr_send`, '["x","y ☃"]')).status, 204);
    await stream.waitFor('a["x","y ☃"]\n');
    last().close();
    await stream.waitEnd();
  });

  test("'end' then 'close', once each, when the client goes away", async () => {
    const ws = new WsClient(`ws://127.0.0.1:${s.port}${sessionPath('/watch')}/websocket`);
    assert.equal(await ws.message(1), 'o');
    const conn = last();
    ws.ws.send('["hi"]');
    await eventually(() => seen.get(conn)!.length === 1, 'the message');
    ws.ws.close();
    await eventually(() => seen.get(conn)!.includes('close'), 'close');
    await sleep(20);
    assert.deepEqual(seen.get(conn), ['data hi', 'end', 'close']);
    assert.equal(conn.readable, false);
    assert.equal(conn.writable, false);
  });

  test("'end' then 'close', once each, when the app closes; end() and close() after that are no-ops", async () => {
    const path = sessionPath('/watch');
    const stream = new Stream(s.port, `${path}/xhr_streaming`, { method: 'POST' });
    await stream.waitFor('o\n');
    const conn = last();
    conn.end('bye');
    conn.end();
    assert.equal(conn.close(), false);
    assert.deepEqual(seen.get(conn), ['end', 'close']);
    assert.match(await stream.waitEnd(), /a\["bye"\]\nc\[1000,"Normal closure"\]\n$/);
  });

  test('write(message, callback) and end(callback) call back; writes still return the backpressure boolean', async () => {
    const path = sessionPath('/idle');
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'o\n');
    const conn = last();
    const calls: string[] = [];
    assert.equal(
      conn.write('a', () => calls.push('write')),
      true,
    );
    assert.equal(
      conn.write('b'.repeat(1000), 'utf8', () => calls.push('write 2')),
      false,
    );
    conn.end(() => calls.push('end'));
    await sleep(0);
    assert.deepEqual(calls, ['write', 'write 2', 'end']);
    assert.equal((await post(s.port, `${path}/xhr`)).body, `a["a","${'b'.repeat(1000)}"]\n`);
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'c[1000,"Normal closure"]\n');
  });

  test("writableNeedDrain and writableLength are the session's queue: messages not yet sent, and a false write() until 'drain'", async () => {
    const path = sessionPath('/idle');
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'o\n');
    const conn = last();
    const state = () => [conn.writableNeedDrain, conn.writableLength];
    assert.deepEqual(state(), [false, 0]);
    assert.equal(conn.write('a'), true);
    assert.deepEqual(state(), [false, 1]);
    assert.equal(conn.write('b'.repeat(1000)), false);
    assert.deepEqual(state(), [true, 2]);
    const drained = once(conn, 'drain');
    assert.equal((await post(s.port, `${path}/xhr`)).body, `a["a","${'b'.repeat(1000)}"]\n`);
    await drained;
    assert.deepEqual(state(), [false, 0]);
    conn.close();
  });

  test('a Readable piped into a connection waits for a slow xhr-polling client, then all arrive in order', async () => {
    const path = sessionPath('/idle');
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'o\n');
    const conn = last();
    const total = 300;
    let produced = 0;
    const source = Readable.from(
      (function* () {
        for (; produced < total; ) yield `m${produced++}:${'.'.repeat(96)}`;
      })(),
    );
    source.pipe(conn);
    await sleep(50);
    // high_water_mark is 1000 characters, about 10 messages; the source
    // reads ahead its own buffer (16 objects) and no more.
    assert.ok(produced < 40, `produced ${produced} while nobody polled`);
    assert.equal(source.isPaused(), true);
    const got: string[] = [];
    let closed = '';
    while (closed === '') {
      const body = (await post(s.port, `${path}/xhr`)).body;
      for (const line of body.split('\n')) {
        if (line.startsWith('a[')) got.push(...(JSON.parse(line.slice(1)) as string[]));
        if (line.startsWith('c[')) closed = line;
      }
    }
    assert.equal(got.length, total);
    for (let i = 0; i < total; i++) assert.ok(got[i]!.startsWith(`m${i}:`), got[i]);
    // The source ended, so pipe() ended the connection: 1000, as sockjs-node.
    assert.equal(closed, 'c[1000,"Normal closure"]');
  });

  test('a Readable piped into a connection waits for a websocket client that stopped reading', async () => {
    const ws = new WsClient(`ws://127.0.0.1:${s.port}${sessionPath('/idle')}/websocket`);
    assert.equal(await ws.message(1), 'o');
    ws.ws.pause();
    const conn = last();
    let closeCode = 0;
    conn.on('close', () => {
      closeCode = conn.readyState;
    });
    const message = 'z'.repeat(4096);
    const total = 8192; // 32 MiB of messages, twice max_queue_size's default
    let produced = 0;
    const source = Readable.from(
      (function* () {
        for (; produced < total; produced++) yield message;
      })(),
    );
    source.pipe(conn);
    // The socket's buffers fill, then the session queue to high_water_mark, then the source stops.
    let before = -1;
    for (let i = 0; i < 100 && produced !== before; i++) {
      before = produced;
      await sleep(50);
    }
    assert.equal(produced, before, 'the source stopped while the client did not read');
    assert.ok(produced < total, `produced all ${total} while the client did not read`);
    assert.equal(closeCode, 0, 'the session did not close (no 1008)');
    ws.ws.resume();
    let frames = 0;
    let received = 0;
    let closed = '';
    // The source ended, so pipe() ended the connection: every message, then
    // c[1000]. A close frame any earlier fails at once (the last messages
    // were lost; see close-while-congested.test.ts): the time limit only
    // guards against a hang.
    await ws.until(
      () => {
        for (; frames < ws.messages.length; frames++) {
          const frame = ws.messages[frames]!;
          if (frame.startsWith('a[')) received += (JSON.parse(frame.slice(1)) as string[]).length;
          if (frame.startsWith('c[')) closed = frame;
        }
        if (closed !== '') assert.equal(received, total, `${closed} after ${received} messages`);
        return closed !== '';
      },
      'every message, then the close frame',
      20_000,
    );
    assert.equal(closed, 'c[1000,"Normal closure"]');
    await ws.closed();
  });

  test("the legacy 'message' event relays 'data' as { data }, and costs nothing until listened to", async () => {
    const ws = new WsClient(`ws://127.0.0.1:${s.port}${sessionPath('/idle')}/websocket`);
    assert.equal(await ws.message(1), 'o');
    const conn = last();
    assert.equal(conn.listenerCount('data'), 0);
    const got: string[] = [];
    conn.on('message', (e) => got.push(e.data));
    conn.once('message', (e) => got.push(`once ${e.data}`));
    assert.equal(conn.listenerCount('data'), 1);
    ws.ws.send('["one","two"]');
    await eventually(() => got.length === 3, 'three');
    assert.deepEqual(got, ['one', 'once one', 'two']);
    assert.equal(conn.send('sent'), true);
    assert.equal(await ws.message(2), 'a["sent"]');
    conn.destroy();
    assert.equal(conn.listenerCount('data'), 0);
    await ws.closed();
  });

  test('stream.finished() and pipeline() see a closed session as a finished stream', async () => {
    const path = sessionPath('/idle');
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'o\n');
    const conn = last();
    const got: string[] = [];
    const done = promisify(pipeline)(
      conn,
      new Transform({
        objectMode: true,
        transform(chunk: string, _enc, callback) {
          callback(null, chunk.toUpperCase());
        },
      }),
      new Writable({
        objectMode: true,
        write(chunk: string, _enc, callback) {
          got.push(chunk);
          callback();
        },
      }),
    );
    const finishedOk = promisify(finished)(conn);
    assert.equal((await post(s.port, `${path}/xhr_send`, '["a","b"]')).status, 204);
    await eventually(() => got.length === 2, 'two messages through the pipeline');
    conn.close();
    await finishedOk;
    await done;
    assert.deepEqual(got, ['A', 'B']);
    assert.equal(conn.writableEnded, true);
  });

  test('a connection piped into a Writable: the Writable is ended when the session closes', async () => {
    const path = sessionPath('/idle');
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'o\n');
    const conn = last();
    const sink = new Writable({
      objectMode: true,
      write(_chunk, _enc, done) {
        done();
      },
    });
    conn.pipe(sink);
    const finished = once(sink, 'finish');
    conn.close(3000, 'done');
    await finished;
  });
});
