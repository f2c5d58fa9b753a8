// Edges of a session's write path and of its reattach (issue 18: survivors of
// a mutation run on session.ts): the high_water_mark boundary and when
// 'drain' comes, the 1008 close of a client that reads, a resume= request
// for a session already closing or not resumable, and when a reattach counts
// as a resume. Real HTTP and websockets to 127.0.0.1.

import assert from 'node:assert/strict';
import diagnostics_channel from 'node:diagnostics_channel';
import { after, before, describe, test } from 'node:test';
import { startSockjsServer } from '../../../test/helpers/sockjs-server.ts';
import { CHANNELS, type Connection, type SessionResumeMessage } from '../src/index.js';
import { dropped, idOf, type ResumeServer, startResumeServer, turns } from './resume-support.js';
import { post, Stream, sessionPath, stopHttp, WsClient } from './support.js';

type Running = Awaited<ReturnType<typeof startSockjsServer>>;

describe('write() and drain', () => {
  let s: Running;
  before(async () => {
    s = await startSockjsServer({ high_water_mark: 100, max_queue_size: 300 }, [
      { prefix: '/sink', app: () => {} },
    ]);
  });
  after(() => stopHttp(s.http, s.sockjs));

  const countDrains = (conn: Connection) => {
    const drains = { count: 0 };
    conn.on('drain', () => drains.count++);
    return drains;
  };

  test("a write reaching exactly high_water_mark returns false; 'drain' comes once, after it", async () => {
    const path = sessionPath('/sink');
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'o\n');
    const conn = s.connections.at(-1)!;
    const drains = countDrains(conn);
    assert.equal(conn.write('a'), true);
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'a["a"]\n');
    assert.equal(drains.count, 0, "no 'drain' without a false write");
    assert.equal(conn.write('x'.repeat(100)), false);
    assert.equal((await post(s.port, `${path}/xhr`)).body, `a["${'x'.repeat(100)}"]\n`);
    assert.equal(drains.count, 1);
    assert.equal(conn.write('b'), true);
    assert.equal((await post(s.port, `${path}/xhr`)).body, 'a["b"]\n');
    assert.equal(drains.count, 1, "one 'drain' per false write");
    conn.close();
  });

  test("a resumable session's flush emits 'drain' after a false write", async () => {
    const path = sessionPath('/sink');
    assert.equal((await post(s.port, `${path}/xhr?resume=new`)).body, 'o\n');
    const conn = s.connections.at(-1)!;
    const drains = countDrains(conn);
    assert.equal(conn.write('x'.repeat(100)), false);
    assert.equal(
      (await post(s.port, `${path}/xhr?resume=0`)).body,
      `a[0,0,"${'x'.repeat(100)}"]\n`,
    );
    assert.equal(drains.count, 1);
    conn.close();
  });

  test('over max_queue_size, a client that reads gets what was queued, then c[1008]', async () => {
    const ws = new WsClient(`ws://127.0.0.1:${s.port}${sessionPath('/sink')}/websocket`);
    assert.equal(await ws.message(1), 'o');
    const conn = s.connections.at(-1)!;
    conn.write('a'.repeat(200));
    assert.equal(conn.write('b'.repeat(200)), false);
    assert.equal(conn.readyState, 2);
    assert.deepEqual(await ws.closed(), { code: 1008, reason: 'Outbound queue full' });
    assert.deepEqual(ws.messages, [
      'o',
      `a["${'a'.repeat(200)}","${'b'.repeat(200)}"]`,
      'c[1008,"Outbound queue full"]',
    ]);
  });
});
