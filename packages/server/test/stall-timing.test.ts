// A streaming response whose client has stopped reading is cut once it has
// not drained for a whole heartbeat interval: at the second heartbeat that
// finds it backed up, never at the first (a client that is merely slow keeps
// its session), and a response that drained in between starts counting
// again. On a mocked clock (MockTimers for setTimeout and Date, as in
// timers.test.ts) over real sockets: the backlog is real, time moves only
// when the test ticks it.

import assert from 'node:assert/strict';
import { after, before, describe, mock, test } from 'node:test';
import { type BurstServer, backUp, StreamReader, startBurstServer } from './backlog-support.js';
import { turns, turnsUntil } from './resume-support.js';
import { sessionPath } from './support.js';

const HEARTBEAT = 25_000;
/** Turns of the event loop a 32 MiB backlog may take to read. */
const READ_TURNS = 200_000;

let server: BurstServer;

before(async () => {
  // Before the server: its timer wheel reads the clock it is made with.
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  server = await startBurstServer('/stall');
});
after(async () => {
  mock.timers.reset();
  await server.stop();
});

/** Opens an xhr-streaming session on a reader and reads its open frame. */
async function open(path: string): Promise<StreamReader> {
  const reader = new StreamReader(server.port, path);
  await turnsUntil(() => reader.tail.includes('\no\n'), 'the open frame', READ_TURNS);
  return reader;
}

describe('a backed-up streaming response and the heartbeat', () => {
  test('the first heartbeat that finds it backed up leaves it; the second cuts it', async () => {
    const path = sessionPath('/stall');
    const reader = await open(path);
    const conn = () => server.connection(path);
    await backUp(server, path, reader, 'probe');
    mock.timers.tick(HEARTBEAT);
    await turns(20); // a cut would close the response within a turn or two
    assert.equal(conn().readyState, 1, 'open after one heartbeat backed up');
    mock.timers.tick(HEARTBEAT);
    // Cut: the session loses its receiver and leaves OPEN (1002, as a lost stream).
    await turnsUntil(() => conn().readyState !== 1, 'closed at the second', READ_TURNS);
    reader.socket.destroy();
  });

  test('a response that drained between two heartbeats starts counting again', async () => {
    const path = sessionPath('/stall');
    const reader = await open(path);
    const conn = () => server.connection(path);
    await backUp(server, path, reader, 'first');
    mock.timers.tick(HEARTBEAT); // backed up once
    reader.socket.resume();
    await turnsUntil(
      () => reader.tail.includes('a["echo:first"]\n'),
      'the backlog read',
      READ_TURNS,
    );
    mock.timers.tick(HEARTBEAT); // drained: a heartbeat frame goes out
    await turnsUntil(() => reader.tail.includes('\nh\n'), 'the heartbeat frame', READ_TURNS);
    await backUp(server, path, reader, 'second');
    mock.timers.tick(HEARTBEAT); // backed up once again: not yet cut
    reader.socket.resume();
    await turnsUntil(
      () => reader.tail.includes('a["echo:second"]\n'),
      'the second backlog read',
      READ_TURNS,
    );
    assert.equal(conn().readyState, 1, 'open after one heartbeat backed up again');
    reader.socket.destroy();
  });
});
