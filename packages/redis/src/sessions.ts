// Any-node mode for @sockjs-ts/server on Redis: the registry of session
// owners and the message channel between nodes that the server's `cluster`
// option takes (`createServer({ cluster: redisSessions({ client }) })`).
//
// Keys (all under `prefix`, default 'sockjs:'):
//   session:<id>  the owner's node id; SET NX PX on claim, refreshed while
//                 the session lives, deleted when it ends (if still ours)
//   alive:<node>  set while the node runs (PX nodeTtl, refreshed at a third)
// Channel:
//   node:<node>   what other nodes send this one; this node alone subscribes
//
// Why pub/sub and not a stream here: the messages are the hops of live
// requests, worth nothing once late, and PUBLISH answers how many
// subscribers got one, so a message to a node that died (its subscriber
// connection closed) is known undelivered at once. Order holds per pair of
// nodes: each publishes on one connection and reads on one. A node whose
// subscriber connection drops may have missed messages, so it tells the
// server to end every exchange with other nodes (their sessions close with
// a close frame their clients see), and takes new ones once it is back.

import { randomUUID } from 'node:crypto';
import type { ClusterNode, SessionCluster } from '@sockjs-ts/server';

/**
 * The part of a node-redis client (`createClient()`) that any-node mode
 * uses. The app makes and connects it; a duplicate reads this node's
 * messages.
 */
export interface SessionsClient {
  readonly isReady: boolean;
  set(
    key: string,
    value: string,
    options: { condition?: 'NX'; expiration: { type: 'PX'; value: number } },
  ): Promise<unknown>;
  get(key: string): Promise<unknown>;
  mGet(keys: string[]): Promise<unknown>;
  del(key: string): Promise<unknown>;
  publish(channel: string, message: string): Promise<unknown>;
  /** node-redis's view of the client with other command options; publishes use `{ timeout: 0 }`. */
  withCommandOptions?(options: { timeout: number }): SessionsClient;
  pubSubNumSub(channels: string[]): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  subscribe(
    channel: string,
    listener: (message: string, channel: string) => void,
  ): Promise<unknown>;
  duplicate(): SessionsClient;
  connect(): Promise<unknown>;
  destroy(): void;
  on(event: 'ready' | 'end' | 'reconnecting', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  off(event: 'ready', listener: () => void): unknown;
}

export interface RedisSessionsOptions {
  /** A connected node-redis client; any-node mode never closes it. */
  client: SessionsClient;
  /** What every key and channel starts with; servers that share it form one cluster (default 'sockjs:'). */
  prefix?: string;
  /** How long a session's claim outlives its node, in ms (default 60,000); refreshed at a third. */
  sessionTtl?: number;
  /** How long a node counts as alive after its last refresh, in ms (default 10,000). */
  nodeTtl?: number;
}

export interface RedisSessionsStats {
  /** Messages sent to other nodes. */
  sent: number;
  /** Messages received from other nodes. */
  received: number;
  /** Messages to nodes that were gone. */
  undelivered: number;
  /** Times the subscriber connection dropped (every exchange with other nodes ended). */
  resets: number;
  /** Refreshed claims found taken by another node (the id was reused while ours had lapsed). */
  conflicts: number;
  /** Commands that failed. */
  errors: number;
}

// Refreshes the claims of a batch of sessions; returns how many another
// node holds.
const REFRESH = `local taken = 0
for _, key in ipairs(KEYS) do
  local owner = redis.call('GET', key)
  if owner == false or owner == ARGV[1] then
    redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
  else
    taken = taken + 1
  end
end
return taken`;

// Claims a session id unless a node holds it; returns the holder, in one
// round trip.
const CLAIM = `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return ARGV[1]
end
return redis.call('GET', KEYS[1])`;

// Deletes a claim if it is still this node's.
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

// Claims refreshed per command.
const REFRESH_BATCH = 500;
// A command Redis has not answered after this many checks, COMMAND_CHECK_MS
// apart, fails (5-6 s, node-redis's own default command timeout).
const COMMAND_CHECK_MS = 1000;
const COMMAND_CHECKS = 5;
// How often, and how far apart, renewing after a reconnect is tried before
// waiting for the next one.
const RECOVER_TRIES = 20;
const RECOVER_RETRY_MS = 250;

/**
 * A command waiting for Redis's answer, in the list of them, oldest first.
 * It leaves the list when it settles and then holds nothing: settled
 * commands are garbage at once, where an array of them would keep each
 * until the next check, long enough to outlive two young-generation
 * collections and be copied to the old generation.
 */
interface Pending {
  /** The check round it was sent in. */
  readonly round: number;
  /** Null once settled. */
  fail: ((err: Error) => void) | null;
  prev: Pending | null;
  next: Pending | null;
}

export class RedisSessions implements SessionCluster {
  readonly nodeId = randomUUID();
  private readonly client: SessionsClient;
  /**
   * The client without node-redis's per-command timeout, for the commands
   * of each forwarded request (publishes, claims, look-ups): that timeout is
   * an AbortSignal.timeout per command, whose timer, signal and listeners
   * live for the whole 5 s whether or not Redis answered at once, ~8 % of a
   * forwarded request's CPU and most of what it left for the old
   * generation. Those commands are bounded here instead, by one interval
   * for all of them (`bounded`).
   */
  private readonly untimed: SessionsClient;
  /** Commands sent on `untimed` and not answered yet, oldest first. */
  private pendingHead: Pending | null = null;
  private pendingTail: Pending | null = null;
  private checkRound = 0;
  private readonly prefix: string;
  private readonly sessionTtl: number;
  private readonly nodeTtl: number;
  private readonly counters: RedisSessionsStats = {
    sent: 0,
    received: 0,
    undelivered: 0,
    resets: 0,
    conflicts: 0,
    errors: 0,
  };
  private node: ClusterNode | null = null;
  private subscriber: SessionsClient | null = null;
  /** The subscription was made (node-redis renews it after a reconnect). */
  private subscribed = false;
  /** Subscribed and not dropped since. */
  private listening = false;
  /** Renewing the mark and claims after the subscriber came back. */
  private recovering = false;
  /** Drops of the subscriber so far: a renewal made before the last one does not count. */
  private drops = 0;
  private readonly clientReady = () => {
    if (this.subscribed && !this.listening && !this.closed) this.recover();
  };
  private closed = false;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(options: RedisSessionsOptions) {
    this.client = options.client;
    this.untimed = this.client.withCommandOptions?.({ timeout: 0 }) ?? this.client;
    this.prefix = options.prefix ?? 'sockjs:';
    this.sessionTtl = positive(options.sessionTtl, 60_000, 'sessionTtl');
    this.nodeTtl = positive(options.nodeTtl, 10_000, 'nodeTtl');
  }

  get available(): boolean {
    return this.listening && this.client.isReady;
  }

  stats(): RedisSessionsStats {
    return { ...this.counters };
  }

  start(node: ClusterNode): void {
    if (this.node !== null) throw new Error('These RedisSessions already serve a server');
    this.node = node;
    const sub = this.client.duplicate();
    this.subscriber = sub;
    // Anything may have been published to this node while its subscriber
    // was away: the server ends its exchanges with other nodes.
    const dropped = () => {
      this.drops++;
      if (!this.listening) return;
      this.listening = false;
      this.counters.resets++;
      this.node?.reset();
    };
    sub.on('error', () => {
      this.counters.errors++;
      dropped();
      // An error on a connection that stays up (node-redis could not read
      // what came, and dropped it): no 'ready' follows, so the node takes
      // new exchanges again once its mark and claims are renewed.
      if (sub.isReady && this.subscribed && !this.closed) this.recover();
    });
    sub.on('reconnecting', dropped);
    sub.on('end', dropped);
    // node-redis subscribes again by itself after a reconnect.
    sub.on('ready', () => {
      if (this.subscribed && !this.closed) this.recover();
    });
    // The app's client may come back after the subscriber.
    this.client.on('ready', this.clientReady);
    sub
      .connect()
      .then(() => sub.subscribe(this.channel(this.nodeId), (message) => this.deliver(message)))
      .then(() => {
        this.subscribed = true;
        this.listening = !this.closed && sub.isReady;
      })
      .catch(() => {
        this.counters.errors++;
      });
    void this.refreshNode();
    this.every(this.nodeTtl / 3, () => {
      void this.refreshNode();
      // A recovery that gave up while both connections stayed up is tried again.
      if (this.subscribed && !this.listening && this.subscriber?.isReady === true) this.recover();
    });
    this.every(this.sessionTtl / 3, () => void this.refreshSessions());
    this.every(COMMAND_CHECK_MS, () => this.checkCommands());
  }

  async claim(sessionId: string): Promise<string> {
    const holder = await this.bounded(
      this.untimed.eval(CLAIM, {
        keys: [this.sessionKey(sessionId)],
        arguments: [this.nodeId, String(this.sessionTtl)],
      }),
    );
    if (typeof holder !== 'string') throw new Error(`could not claim session ${sessionId}`);
    return holder;
  }

  async locate(sessionId: string): Promise<string | null> {
    const holder = await this.bounded(this.untimed.get(this.sessionKey(sessionId)));
    return typeof holder === 'string' ? holder : null;
  }

  release(sessionId: string): void {
    if (this.closed || !this.client.isReady) return;
    this.bounded(
      this.untimed.eval(RELEASE, { keys: [this.sessionKey(sessionId)], arguments: [this.nodeId] }),
    ).catch(() => {
      this.counters.errors++;
    });
  }

  send(nodeId: string, message: string): Promise<boolean> {
    this.counters.sent++;
    // Not queued for a reconnect: a message that late is worth nothing.
    if (!this.client.isReady) return Promise.reject(new Error('Redis is not connected'));
    return this.bounded(
      this.untimed.publish(this.channel(nodeId), `${this.nodeId} ${message}`),
    ).then((receivers) => {
      if (receivers !== 0) return true;
      this.counters.undelivered++;
      return false;
    });
  }

  async alive(nodeIds: readonly string[]): Promise<boolean[]> {
    const channels = nodeIds.map((id) => this.channel(id));
    const [subscribers, marks] = await Promise.all([
      this.client.pubSubNumSub(channels),
      this.client.mGet(nodeIds.map((id) => this.aliveKey(id))),
    ]);
    const counts = subscribers as Record<string, number>;
    const present = marks as (string | null)[];
    // A node is gone once its subscriber is (a crash closes its connection)
    // or once its mark lapsed (a machine that vanished without a FIN).
    return nodeIds.map((_, i) => Number(counts[channels[i]!] ?? 0) > 0 && present[i] !== null);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listening = false;
    for (const timer of this.timers) clearInterval(timer);
    this.client.off('ready', this.clientReady);
    this.subscriber?.destroy();
    this.subscriber = null;
    if (this.client.isReady) {
      await this.client.del(this.aliveKey(this.nodeId)).catch(() => {
        this.counters.errors++;
      });
    }
  }

  /** What `command` gives, or a failure once Redis took COMMAND_CHECKS checks to answer. */
  private bounded<T>(command: Promise<T>): Promise<T> {
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        round: this.checkRound,
        fail: reject,
        prev: this.pendingTail,
        next: null,
      };
      if (this.pendingTail === null) this.pendingHead = pending;
      else this.pendingTail.next = pending;
      this.pendingTail = pending;
      command.then(
        (value) => {
          if (this.settle(pending)) resolve(value);
        },
        (err: unknown) => {
          if (this.settle(pending)) reject(err);
        },
      );
    });
  }

  /** Takes `pending` out of the list; false when it had settled already. */
  private settle(pending: Pending): boolean {
    if (pending.fail === null) return false;
    pending.fail = null;
    if (pending.prev === null) this.pendingHead = pending.next;
    else pending.prev.next = pending.next;
    if (pending.next === null) this.pendingTail = pending.prev;
    else pending.next.prev = pending.prev;
    pending.prev = null;
    pending.next = null;
    return true;
  }

  /** Fails the commands that waited COMMAND_CHECKS checks for an answer. */
  private checkCommands(): void {
    const round = ++this.checkRound;
    for (let oldest = this.pendingHead; oldest !== null; oldest = this.pendingHead) {
      if (round - oldest.round < COMMAND_CHECKS) break;
      const fail = oldest.fail!;
      this.settle(oldest);
      fail(new Error('Redis did not answer in time'));
    }
  }

  private deliver(payload: string): void {
    // Each message is '<sender id> <message>'.
    const space = payload.indexOf(' ');
    if (space === -1 || this.node === null) return;
    this.counters.received++;
    try {
      this.node.receive(payload.slice(0, space), payload.slice(space + 1));
    } catch (err) {
      // Thrown on by itself: node-redis would take it for its own, drop
      // what it read after this message and report the connection broken.
      process.nextTick(() => {
        throw err;
      });
    }
  }

  /** Marks this node alive; false when Redis did not take it. */
  private refreshNode(): Promise<boolean> {
    if (this.closed || !this.client.isReady) return Promise.resolve(false);
    return this.client
      .set(this.aliveKey(this.nodeId), '1', { expiration: { type: 'PX', value: this.nodeTtl } })
      .then(
        () => true,
        () => {
          this.counters.errors++;
          return false;
        },
      );
  }

  /** Renews the claims of every session here; false when Redis did not take them all. */
  private refreshSessions(): Promise<boolean> {
    if (this.closed || !this.client.isReady || this.node === null) return Promise.resolve(false);
    const done: Promise<boolean>[] = [];
    let batch: string[] = [];
    const flush = () => {
      done.push(
        this.client
          .eval(REFRESH, { keys: batch, arguments: [this.nodeId, String(this.sessionTtl)] })
          .then(
            (taken) => {
              this.counters.conflicts += Number(taken);
              return true;
            },
            () => {
              this.counters.errors++;
              return false;
            },
          ),
      );
      batch = [];
    };
    for (const id of this.node.sessionIds()) {
      batch.push(this.sessionKey(id));
      if (batch.length === REFRESH_BATCH) flush();
    }
    if (batch.length > 0) flush();
    return Promise.all(done).then((results) => results.every(Boolean));
  }

  /**
   * After the subscriber came back: Redis may have restarted empty, so this
   * node's mark and claims are written again before it forwards anything
   * (another node could otherwise take a live session's id for a new one).
   */
  private recover(): void {
    if (this.recovering) return;
    this.recovering = true;
    const attempt = async (tries: number): Promise<void> => {
      const drops = this.drops;
      const renewed = (await this.refreshNode()) && (await this.refreshSessions());
      if (this.closed || this.subscriber?.isReady !== true) return;
      // The subscriber dropped and came back meanwhile: Redis may have
      // restarted empty since the renewal, which is made again.
      if (this.drops !== drops) return attempt(tries);
      if (renewed) {
        this.listening = true;
      } else if (tries < RECOVER_TRIES) {
        await new Promise((resolve) => setTimeout(resolve, RECOVER_RETRY_MS).unref());
        return attempt(tries + 1);
      }
    };
    void attempt(1).finally(() => {
      this.recovering = false;
    });
  }

  private every(ms: number, run: () => void): void {
    const timer = setInterval(run, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private channel(nodeId: string): string {
    return `${this.prefix}node:${nodeId}`;
  }

  private aliveKey(nodeId: string): string {
    return `${this.prefix}alive:${nodeId}`;
  }

  private sessionKey(sessionId: string): string {
    return `${this.prefix}session:${sessionId}`;
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new TypeError(`${name} must be a positive number, got ${value}`);
  }
  return value;
}

/**
 * Any-node mode on Redis, for `createServer({ cluster })`: every request of a
 * session may reach any node; the node that created the session serves it
 * and the others forward to it.
 */
export function redisSessions(options: RedisSessionsOptions): RedisSessions {
  return new RedisSessions(options);
}
