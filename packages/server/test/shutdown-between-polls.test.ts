// Regression: sockjs.close() while a polling client is between two requests
// (its last poll answered, the next not yet sent). The session used to be
// destroyed as soon as nothing was in flight, so the next poll found no
// session: 503 here, and behind a proxy that retries elsewhere a fresh 'o',
// which clients report as 1006 "Server lost session" instead of 1001. Now
// close() waits for that poll and answers it with the close frame.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from '../../../test/helpers/http-client.ts';
import { stopHttp } from '../../../test/helpers/http-server.ts';
import { ECHO_SERVICE, startSockjsServer } from '../../../test/helpers/sockjs-server.ts';
import { withDeadline } from '../../../test/helpers/timing.ts';

test('close(): a polling client between two requests gets c[1001] on its next poll', async () => {
  const h = await startSockjsServer({}, [ECHO_SERVICE]);
  try {
    const url = '/echo/000/between-polls/xhr';
    assert.equal((await request(h.port, url, { method: 'POST' })).body, 'o\n');
    const closing = h.sockjs[0]!.close();
    const next = await request(h.port, url, { method: 'POST', timeout: 5000 });
    assert.equal(next.status, 200);
    assert.equal(next.body, 'c[1001,"Server shutting down"]\n');
    await withDeadline(closing, 5000, 'close');
  } finally {
    await stopHttp(h.http, h.sockjs);
  }
});

test('close(): a polling client that went away (aborted its poll) is not waited for', async () => {
  const h = await startSockjsServer({ disconnect_delay: 60_000 }, [ECHO_SERVICE]);
  try {
    const url = '/echo/000/gone/xhr';
    assert.equal((await request(h.port, url, { method: 'POST' })).body, 'o\n');
    // A poll left pending, then aborted by the client.
    await request(h.port, url, { method: 'POST', timeout: 100 }).catch(() => {});
    await withDeadline(h.sockjs[0]!.close(), 1000, 'close without waiting for the client');
  } finally {
    await stopHttp(h.http, h.sockjs);
  }
});

test('close(): once the waited-for poll got its close frame, nothing more is waited for', async () => {
  // The session outlives the test unless close() stops waiting when its frame went.
  const h = await startSockjsServer({ disconnect_delay: 60_000 }, [ECHO_SERVICE]);
  try {
    const url = '/echo/000/answered/xhr';
    assert.equal((await request(h.port, url, { method: 'POST' })).body, 'o\n');
    const closing = h.sockjs[0]!.close(undefined, undefined, 60_000);
    const next = await request(h.port, url, { method: 'POST', timeout: 5000 });
    assert.equal(next.body, 'c[1001,"Server shutting down"]\n');
    await withDeadline(closing, 5000, 'close after the close frame went');
  } finally {
    await stopHttp(h.http, h.sockjs);
  }
});

test('close(): a poll that takes the messages queued before close() leaves the close frame for the next one', async () => {
  const h = await startSockjsServer({}, [{ prefix: '/sink', app: () => {} }]);
  try {
    const url = '/sink/000/queued/xhr';
    assert.equal((await request(h.port, url, { method: 'POST' })).body, 'o\n');
    h.connections.at(-1)!.write('queued before close');
    const closing = h.sockjs[0]!.close();
    const next = await request(h.port, url, { method: 'POST', timeout: 5000 });
    assert.equal(next.body, 'a["queued before close"]\n');
    // The client polls again a moment later, as a polling client does.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const last = await request(h.port, url, { method: 'POST', timeout: 5000 });
    assert.equal(last.body, 'c[1001,"Server shutting down"]\n');
    await withDeadline(closing, 5000, 'close');
  } finally {
    await stopHttp(h.http, h.sockjs);
  }
});
