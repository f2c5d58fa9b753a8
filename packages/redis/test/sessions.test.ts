// RedisSessions' publishes, claims and look-ups with a stand-in client: they
// go without node-redis's per-command timeout, and the bound that replaces it.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import type { ClusterNode } from '@sockjs-ts/server';
import { RedisSessions, type SessionsClient } from '../src/index.ts';

/** A client whose publishes, claims (eval) and look-ups (get) wait until the test answers them. */
class StandInClient implements SessionsClient {
  isReady = true;
  private readonly options: unknown;
  /** Shared with the views withCommandOptions() makes, as they are one client. */
  readonly publishes: { options: unknown; answer: (receivers: number) => void }[];

  /** Shared too: the claims and look-ups made. */
  readonly lookups: { command: string; options: unknown; answer: (value: unknown) => void }[];

  constructor(
    options: unknown = {},
    publishes: StandInClient['publishes'] = [],
    lookups: StandInClient['lookups'] = [],
  ) {
    this.options = options;
    this.publishes = publishes;
    this.lookups = lookups;
  }

  withCommandOptions(options: { timeout: number }): SessionsClient {
    return new StandInClient(options, this.publishes, this.lookups);
  }

  private lookup(command: string): Promise<unknown> {
    return new Promise((resolve) => {
      this.lookups.push({ command, options: this.options, answer: resolve });
    });
  }

  publish(): Promise<unknown> {
    return new Promise((resolve) => {
      this.publishes.push({ options: this.options, answer: resolve });
    });
  }

  /** How many SETs were made (the node's mark among them). */
  sets = 0;
  set = async () => {
    this.sets++;
    return 'OK';
  };
  get = () => this.lookup('get');
  mGet = async () => [];
  del = async () => 0;
  pubSubNumSub = async () => ({});
  eval = () => this.lookup('eval');
  subscribe = async () => undefined;
  /** The last duplicate made: the subscriber. */
  duplicated: StandInClient | null = null;
  duplicate = () => {
    this.duplicated = new StandInClient();
    return this.duplicated;
  };
  connect = async () => undefined;
  destroy(): void {}
  private readonly listeners = new Map<string, ((...args: unknown[]) => void)[]>();
  on(event: string, listener: (...args: unknown[]) => void): unknown {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  off(event: string, listener: (...args: unknown[]) => void): unknown {
    this.listeners.set(
      event,
      (this.listeners.get(event) ?? []).filter((l) => l !== listener),
    );
    return this;
  }
  emit(event: string, ...args: unknown[]): void {
    for (const listener of this.listeners.get(event) ?? []) listener(...args);
  }
}

/** Lets the promises of a start, a reset or a recovery settle (setImmediate is not mocked). */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

const node: ClusterNode = { receive() {}, reset() {}, sessionIds: () => [] };

beforeEach(() => mock.timers.enable({ apis: ['setInterval', 'setTimeout'] }));
afterEach(() => mock.timers.reset());

test('publishes go without a per-command timeout, and resolve with whether anyone got them', async () => {
  const client = new StandInClient();
  const sessions = new RedisSessions({ client });
  sessions.start(node);
  const delivered = sessions.send('other', '["k",1]');
  const undelivered = sessions.send('gone', '["k",2]');
  assert.deepEqual(
    client.publishes.map((p) => p.options),
    [{ timeout: 0 }, { timeout: 0 }],
  );
  client.publishes[0]!.answer(1);
  client.publishes[1]!.answer(0);
  assert.equal(await delivered, true);
  assert.equal(await undelivered, false);
  await sessions.close();
});

test('a publish Redis does not answer fails within 6 s; later ones keep their own time', async () => {
  const client = new StandInClient();
  const sessions = new RedisSessions({ client });
  sessions.start(node);
  const first = sessions.send('other', '["k",1]');
  let firstFailed: unknown = null;
  first.catch((err: unknown) => {
    firstFailed = err;
  });
  mock.timers.tick(3000);
  const second = sessions.send('other', '["k",2]');
  let secondSettled = false;
  second.catch(() => {
    secondSettled = true;
  });
  mock.timers.tick(2000);
  await settle();
  assert.match(String(firstFailed), /did not answer/);
  assert.equal(secondSettled, false);
  client.publishes[1]!.answer(1);
  assert.equal(await second, true);
  // An answer after the bound changes nothing.
  client.publishes[0]!.answer(1);
  await assert.rejects(first);
  await sessions.close();
});

test('no publish while the client is disconnected: it fails at once', async () => {
  const client = new StandInClient();
  const sessions = new RedisSessions({ client });
  sessions.start(node);
  client.isReady = false;
  await assert.rejects(sessions.send('other', '["k",1]'), /not connected/);
  assert.equal(client.publishes.length, 0);
  await sessions.close();
});

test('an error on a subscriber that stays connected: exchanges end, and the node takes new ones at once', async () => {
  const client = new StandInClient();
  let resets = 0;
  const sessions = new RedisSessions({ client });
  sessions.start({ ...node, reset: () => resets++ });
  await settle();
  assert.equal(sessions.available, true);
  const subscriber = client.duplicated!;
  // node-redis could not read what came (it dropped it): no 'ready' follows.
  subscriber.emit('error', new Error('unreadable reply'));
  assert.equal(resets, 1);
  assert.equal(sessions.available, false);
  await settle();
  assert.equal(sessions.available, true);
  assert.equal(sessions.stats().resets, 1);
  await sessions.close();
});

test('an error that drops the subscriber: unavailable until it is ready again', async () => {
  const client = new StandInClient();
  let resets = 0;
  const sessions = new RedisSessions({ client });
  sessions.start({ ...node, reset: () => resets++ });
  await settle();
  const subscriber = client.duplicated!;
  subscriber.isReady = false;
  subscriber.emit('error', new Error('connection reset'));
  subscriber.emit('reconnecting');
  assert.equal(resets, 1);
  await settle();
  assert.equal(sessions.available, false);
  subscriber.isReady = true;
  subscriber.emit('ready');
  await settle();
  assert.equal(sessions.available, true);
  assert.equal(resets, 1);
  await sessions.close();
});

test('a drop while the node renews its mark after an error: renewed again once the subscriber is back', async () => {
  const client = new StandInClient();
  const sessions = new RedisSessions({ client });
  sessions.start(node);
  await settle();
  const subscriber = client.duplicated!;
  subscriber.emit('error', new Error('unreadable reply'));
  // The renewal is on its way when the connection drops and comes back
  // (to a Redis that may have restarted empty).
  subscriber.isReady = false;
  subscriber.emit('reconnecting');
  subscriber.isReady = true;
  subscriber.emit('ready');
  const setsWhenBack = client.sets;
  await settle();
  assert.ok(client.sets > setsWhenBack, 'the mark was not renewed after the subscriber came back');
  assert.equal(sessions.available, true);
  await sessions.close();
});

test('a recovery that gave up while both connections stayed up is tried again at the next mark refresh', async () => {
  const client = new StandInClient();
  const sessions = new RedisSessions({ client, nodeTtl: 3000 });
  sessions.start(node);
  await settle();
  const subscriber = client.duplicated!;
  // Redis refuses every write for a while: the renewal fails its 20 tries.
  client.set = async () => {
    throw new Error('READONLY');
  };
  subscriber.emit('error', new Error('unreadable reply'));
  for (let i = 0; i < 25; i++) {
    await settle();
    mock.timers.tick(250);
  }
  await settle();
  assert.equal(sessions.available, false);
  client.set = async () => 'OK';
  mock.timers.tick(1000);
  await settle();
  assert.equal(sessions.available, true);
  await sessions.close();
});

test('claims and look-ups go without a per-command timeout too, and fail within 6 s unanswered', async () => {
  const client = new StandInClient();
  const sessions = new RedisSessions({ client });
  sessions.start(node);
  const claimed = sessions.claim('s1');
  const located = sessions.locate('s2');
  let locateFailed: unknown = null;
  located.catch((err: unknown) => {
    locateFailed = err;
  });
  assert.deepEqual(
    client.lookups.map((l) => [l.command, l.options]),
    [
      ['eval', { timeout: 0 }],
      ['get', { timeout: 0 }],
    ],
  );
  client.lookups[0]!.answer(sessions.nodeId);
  assert.equal(await claimed, sessions.nodeId);
  mock.timers.tick(4000);
  await settle();
  assert.equal(locateFailed, null);
  mock.timers.tick(2000);
  await settle();
  assert.match(String(locateFailed), /did not answer/);
  await sessions.close();
});
