// Any-node mode (issue 18): a session whose receiver is a poll waiting on
// another node asks that node whether its client is still there before
// answering a new receiving request with 2010. The case it is for: the
// client aborted the poll there and polls the owner at once, before the
// other node's notice of the abort reached the owner. Two nodes in one
// process over a cluster that can hold back what one node sends the other.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { request, Stream } from '../../../test/helpers/http-client.ts';
import { listen, stopHttp, trackSockets } from '../../../test/helpers/http-server.ts';
import { type Connection, createServer, type SockJSServer } from '../src/index.js';
import { MemoryCluster, Registry } from './memory-cluster.js';
import { turns, turnsUntil } from './resume-support.js';

const shared = new Registry();
const nodes: { port: number; http: http.Server; sockjs: SockJSServer; socketsClosed: number }[] =
  [];
/** Every node's connections, by session id. */
const connections = new Map<string, Connection>();

before(async () => {
  for (const name of ['a', 'b']) {
    const sockjs = createServer({ prefix: '/echo', cluster: new MemoryCluster(name, shared) });
    sockjs.on('connection', (conn) => {
      connections.set(conn.id, conn);
      conn.on('data', (m: string) => conn.write(m));
    });
    const server = http.createServer();
    trackSockets(server);
    sockjs.installHandlers(server);
    const node = { port: await listen(server), http: server, sockjs, socketsClosed: 0 };
    server.on('connection', (socket) =>
      socket.on('close', () => {
        node.socketsClosed++;
      }),
    );
    nodes.push(node);
  }
});

after(async () => {
  shared.release();
  for (const node of nodes) await stopHttp(node.http, [node.sockjs]);
});

/**
 * Opens session `id` at a (a poll gets its `o`), then sends a receiving
 * request for it (`transport`: xhr or xhr_streaming) to b, which forwards it
 * to a; resolves once a has had time to attach it.
 */
async function receiverOnB(id: string, transport: string) {
  const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
  const path = `/echo/000/${id}`;
  assert.equal((await request(a.port, `${path}/xhr`, { method: 'POST' })).body, 'o\n');
  const sentBefore = shared.sent.length;
  const receiver = new Stream(b.port, `${path}/${transport}`, { method: 'POST' });
  await turnsUntil(
    () => shared.sent.slice(sentBefore).some((m) => m.startsWith('b>a ')),
    'the request forwarded to the owner',
  );
  await turns(20);
  return { a, path, receiver, sentBefore };
}

test('a poll aborted on the other node, the owner not told yet: the next poll at the owner waits for the answer and gets the close, not 2010', async () => {
  // a has attached the forwarded poll before b's notices are held.
  const { a, path, receiver: waiting, sentBefore } = await receiverOnB('presence1', 'xhr');
  const poll = (port: number) => request(port, `${path}/xhr`, { method: 'POST', timeout: 3000 });
  await turnsUntil(() => a.sockjs.stats().sessions.total === 1, 'the session on a');
  shared.holding.add('a');
  waiting.abort();
  await turnsUntil(() => shared.held.length > 0, "b's notice of the abort, held");
  const next = poll(a.port);
  await turnsUntil(
    () => shared.sent.slice(sentBefore).some((m) => m.startsWith('a>b ') && m.includes('"p"')),
    "a's presence question to b",
  );
  shared.release();
  assert.equal((await next).body, 'c[1002,"Connection interrupted"]\n');
});

test('a poll still waiting on the other node: the next poll at the owner gets 2010 once that node vouches for it', async () => {
  const { a, path, receiver: waiting } = await receiverOnB('presence2', 'xhr');
  const poll = (port: number) => request(port, `${path}/xhr`, { method: 'POST', timeout: 3000 });
  assert.equal((await poll(a.port)).body, 'c[2010,"Another connection still open"]\n');
  waiting.abort();
});

test('a forwarded stream whose last frame the other node has not confirmed yet: what is written before close() still goes ahead of the close frame', async () => {
  const { receiver: stream } = await receiverOnB('presence3', 'xhr_streaming');
  const conn = connections.get('presence3')!;
  // b's confirmations of frames wait: a's stand-in for the stream stays busy.
  shared.holding.add('a');
  conn.write('m1');
  await turnsUntil(() => stream.text.includes('a["m1"]'), 'm1 on the stream');
  conn.write('m2');
  conn.close(3000, 'Go away!');
  shared.release();
  await turnsUntil(() => stream.text.includes('c[3000'), 'the close frame on the stream');
  const frames = stream.text.split('\n').filter((f) => f.startsWith('a') || f.startsWith('c'));
  assert.deepEqual(frames, ['a["m1"]', 'a["m2"]', 'c[3000,"Go away!"]']);
  stream.abort();
});

test('a poll at the owner whose client left while the owner asked about the other node’s poll is not attached', async () => {
  const { a, path, receiver: waiting, sentBefore } = await receiverOnB('presence4', 'xhr');
  const conn = connections.get('presence4')!;
  // b's answer to the presence question waits.
  shared.holding.add('a');
  const closedBefore = a.socketsClosed;
  const left = new Stream(a.port, `${path}/xhr`, { method: 'POST' });
  await turnsUntil(
    () => shared.sent.slice(sentBefore).some((m) => m.startsWith('a>b ') && m.includes('"p"')),
    "a's presence question to b",
  );
  left.abort();
  await turnsUntil(() => a.socketsClosed > closedBefore, 'a saw the client leave');
  // The poll on b takes a message and ends: the question is moot, the session free.
  conn.write('m1');
  await waiting.waitEnd();
  conn.write('m2');
  const next = await request(a.port, `${path}/xhr`, { method: 'POST', timeout: 3000 });
  assert.equal(next.body, 'a["m2"]\n');
  shared.release();
});
