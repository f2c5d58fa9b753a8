// What the Forwarder spares the registry: what one turn of the event loop
// posts to a node goes as one registry message, in order, and a batch
// received is handled message by message; an owner this node knows is not
// looked up or claimed again until it says the session ended.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ClusterNode, SessionCluster } from '../src/cluster.js';
import { Forwarder, type ForwardingEndpoint } from '../src/forwarding.js';
import type { Session } from '../src/session.js';

/** A registry that records what is sent and answers as the test says. */
class RecordingCluster implements SessionCluster {
  readonly nodeId = 'here';
  readonly available = true;
  readonly sent: { node: string; message: string }[] = [];
  delivered = true;
  /** The holder claim() answers, and how often it was asked. */
  holder = 'here';
  claims = 0;
  start(_node: ClusterNode): void {}
  claim = async () => {
    this.claims++;
    return this.holder;
  };
  locate = async () => null;
  release(): void {}
  async send(node: string, message: string): Promise<boolean> {
    this.sent.push({ node, message });
    return this.delivered;
  }
  alive = async (ids: readonly string[]) => ids.map(() => true);
  async close(): Promise<void> {}
}

test('sends posted in one turn go to their owner as one message, in order; a batch of answers settles each', async () => {
  const cluster = new RecordingCluster();
  const forwarder = new Forwarder(cluster, 25_000, () => {});
  const first = forwarder.sendRemote('owner', '/echo', 's1', ['a']);
  const second = forwarder.sendRemote('owner', '/echo', 's2', ['b']);
  const elsewhere = forwarder.sendRemote('other', '/echo', 's3', ['c']);
  assert.equal(cluster.sent.length, 0);
  await nextTurn();
  assert.deepEqual(cluster.sent, [
    { node: 'owner', message: '[["s","/echo","s1",1,["a"]],["s","/echo","s2",2,["b"]]]' },
    { node: 'other', message: '["s","/echo","s3",3,["c"]]' },
  ]);
  forwarder.receive('owner', '[["r",1,204],["r",2,404]]');
  forwarder.receive('other', '["r",3,413]');
  assert.deepEqual(await Promise.all([first, second, elsewhere]), [204, 404, 413]);
  await forwarder.close();
});

test('a batch to a node that is gone fails each of its messages', async () => {
  const cluster = new RecordingCluster();
  cluster.delivered = false;
  const forwarder = new Forwarder(cluster, 25_000, () => {});
  const sends = [
    forwarder.sendRemote('gone', '/echo', 's1', ['a']),
    forwarder.sendRemote('gone', '/echo', 's2', ['b']),
  ];
  assert.deepEqual(await Promise.all(sends), [404, 404]);
  assert.equal(cluster.sent.length, 1);
  await forwarder.close();
});

/** An endpoint whose sessions are stand-ins: forwarded sends to them are taken. */
function endpointWith(...ids: string[]): ForwardingEndpoint {
  const session = {} as Session;
  return {
    options: { prefix: '/echo' },
    getSession: (id) => (ids.includes(id) ? session : undefined),
    deliver: (found) => (found === undefined ? 404 : 204),
    sessionIds: () => ids,
  };
}

test('a poll for a session whose owner this node knows claims nothing, until the owner says it ended', async () => {
  const cluster = new RecordingCluster();
  const forwarder = new Forwarder(cluster, 25_000, () => {});
  const endpoint = endpointWith();
  cluster.holder = 'owner';
  const first = await forwarder.place(endpoint, 's1', true);
  assert.equal(first.kind === 'remote' && first.session.owner, 'owner');
  const again = await forwarder.place(endpoint, 's1', true);
  assert.equal(again.kind === 'remote' && again.session.remembered, true);
  assert.equal(cluster.claims, 1);
  // Another node's word about it changes nothing; its owner's does.
  forwarder.receive('other', '["u","s1"]');
  await forwarder.place(endpoint, 's1', true);
  assert.equal(cluster.claims, 1);
  forwarder.receive('owner', '["u","s1"]');
  cluster.holder = 'here';
  assert.equal((await forwarder.place(endpoint, 's1', true)).kind, 'here');
  assert.equal(cluster.claims, 2);
  await forwarder.close();
});

test('the owner tells the nodes that forwarded to a session when it ends, once each', async () => {
  const cluster = new RecordingCluster();
  const forwarder = new Forwarder(cluster, 25_000, () => {});
  forwarder.register(endpointWith('s1'));
  forwarder.receive('b', '[["s","/echo","s1",1,["x"]],["s","/echo","s1",2,["y"]]]');
  forwarder.receive('c', '["s","/echo","s1",1,["z"]]');
  forwarder.receive('d', '["s","/echo","s2",1,["z"]]');
  await nextTurn();
  cluster.sent.length = 0;
  forwarder.released('s1');
  forwarder.released('s2');
  await nextTurn();
  assert.deepEqual(cluster.sent, [
    { node: 'b', message: '["u","s1"]' },
    { node: 'c', message: '["u","s1"]' },
  ]);
  await forwarder.close();
});
