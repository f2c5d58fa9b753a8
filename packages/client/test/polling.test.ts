// Unit tests for pollingTransport's close(): what send() accepted still goes
// out, in order, before the receiving request stops (regression: close() used
// to drop the queue and abort the batch in flight).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Post, pollingTransport, type Receiver } from '../src/polling.ts';
import type { TransportContext } from '../src/types.ts';

function harness() {
  const log: string[] = [];
  const posts: { body: string; done: (ok: boolean) => void }[] = [];
  let frame: (f: string) => void = () => {};
  const receive: Receiver = (onFrame) => {
    frame = onFrame;
    log.push('receive');
    return () => log.push('receive aborted');
  };
  const post: Post = (body, done) => {
    posts.push({ body, done });
    return () => log.push('post aborted');
  };
  const delivered: string[] = [];
  const closes: number[] = [];
  const ctx = {
    onFrame: (f: string) => delivered.push(f),
    onClose: (code: number) => closes.push(code),
  } as unknown as TransportContext;
  const transport = pollingTransport(ctx, receive, post);
  return { transport, log, posts, delivered, closes, frame: (f: string) => frame(f) };
}

test('close() sends the batch in flight and the queue, then stops receiving', () => {
  const h = harness();
  h.transport.send('a');
  h.transport.send('b');
  h.transport.send('c');
  h.transport.close();
  assert.deepEqual(h.log, ['receive'], 'nothing aborted while messages are pending');
  h.frame('a["late"]');
  assert.deepEqual(h.delivered, [], 'nothing delivered after close()');
  assert.equal(h.posts.length, 1);
  h.posts[0]!.done(true);
  assert.deepEqual(
    h.posts.map((p) => p.body),
    ['["a"]', '["b","c"]'],
  );
  assert.deepEqual(h.log, ['receive']);
  h.posts[1]!.done(true);
  assert.deepEqual(h.log, ['receive', 'receive aborted']);
  assert.deepEqual(h.closes, [], 'close() never calls back');
});

test('close() with nothing pending stops at once', () => {
  const h = harness();
  h.transport.close();
  assert.deepEqual(h.log, ['receive', 'receive aborted']);
});

test('after the server close frame, close() sends nothing more', () => {
  const h = harness();
  h.transport.send('a');
  h.transport.send('b');
  h.frame('c[3000,"Go away!"]');
  h.transport.close();
  assert.deepEqual(h.log, ['receive', 'receive aborted', 'post aborted']);
  assert.equal(h.posts.length, 1);
});

test('a failed send while closing stops quietly', () => {
  const h = harness();
  h.transport.send('a');
  h.transport.send('b');
  h.transport.close();
  h.posts[0]!.done(false);
  assert.equal(h.posts.length, 1, 'the rest is not sent to a failing server');
  assert.deepEqual(h.log, ['receive', 'receive aborted']);
  assert.deepEqual(h.closes, []);
});
