// The session table (src/sessions.ts): which sessions a process hosts, and
// which of them a later request may find by id. Unit tests on the table,
// then the rule that matters on the wire: a websocket session is not
// addressable, so an xhr_send to its id is answered 404 (as sockjs-node
// does), while the socket keeps its session.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Session } from '../src/session.js';
import { SessionTable } from '../src/sessions.js';
import { post, startServer, type TestServer, WsClient } from './support.js';

const fake = (id: string) => ({ id }) as unknown as Session;

describe('SessionTable', () => {
  test('an addressable session is found by id, listed and counted until released', () => {
    const table = new SessionTable();
    const s = fake('a');
    table.host(s, true);
    assert.equal(table.find('a'), s);
    assert.deepEqual([...table.ids()], ['a']);
    assert.equal(table.size, 1);
    assert.deepEqual([...table], [s]);
    table.release(s);
    assert.equal(table.find('a'), undefined);
    assert.deepEqual([...table.ids()], []);
    assert.equal(table.size, 0);
  });

  test('a session that is not addressable is hosted and counted, never found by id', () => {
    const table = new SessionTable();
    const s = fake('ws');
    table.host(s, false);
    assert.equal(table.find('ws'), undefined);
    assert.deepEqual([...table.ids()], []);
    assert.equal(table.size, 1);
    assert.deepEqual(table.snapshot(), [s]);
  });

  test('releasing a session leaves another session of the same id where it is', () => {
    const table = new SessionTable();
    const addressable = fake('same');
    const socketOnly = fake('same');
    table.host(addressable, true);
    table.host(socketOnly, false);
    assert.equal(table.size, 2);
    table.release(socketOnly);
    assert.equal(table.find('same'), addressable, 'the addressable one is still found');
    assert.deepEqual([...table.ids()], ['same']);
    assert.equal(table.size, 1);
  });
});

describe('a websocket session is not addressable', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.stop());

  test('xhr_send to its id answers 404 and the socket keeps echoing', async () => {
    const id = `wsonly${Date.now()}`;
    const ws = new WsClient(`ws://127.0.0.1:${server.port}/echo/000/${id}/websocket`);
    await ws.opened;
    assert.equal(await ws.message(1), 'o');
    const reply = await post(server.port, `/echo/000/${id}/xhr_send`, '["x"]');
    assert.equal(reply.status, 404);
    ws.ws.send('["still here"]');
    assert.equal(await ws.message(2), 'a["still here"]');
    ws.ws.close();
  });
});
