// The Forwarder's outbox: what one turn of the event loop posts to a node
// goes as one registry message, in order, and a batch received is handled
// message by message.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ClusterNode, SessionCluster } from '../src/cluster.js';
import { Forwarder } from '../src/forwarding.js';

/** A registry that records what is sent and answers as the test says. */
class RecordingCluster implements SessionCluster {
  readonly nodeId = 'here';
  readonly available = true;
  readonly sent: { node: string; message: string }[] = [];
  delivered = true;
  start(_node: ClusterNode): void {}
  claim = async () => this.nodeId;
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
