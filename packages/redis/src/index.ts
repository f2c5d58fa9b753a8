// A broker for @sockjs-ts/server over one Redis stream: every process
// appends its publishes (XADD, trimmed to about `maxLength` entries) and
// reads everyone else's (XREAD BLOCK on a connection of its own).
//
// Why a stream and not pub/sub: a reader that lost its connection goes on
// from the last entry it read, so a Redis restart or a dropped connection
// loses nothing that is still in the stream, and a publisher keeps what it
// could not send in a bounded outbox until Redis is back. Every entry
// carries its publisher's id and sequence number: a reader drops what it has
// already seen (a resend after a dropped reply) and reports what it can
// never see (trimmed before it read it, or dropped by a full outbox) as a
// gap, instead of losing it silently.
//
// A Redis that restarted empty lost what it took last, which some readers
// may not have read yet. So every new connection of the publisher's client,
// whether or not a command failed on the old one (and every failed command,
// for clients that do not say when they reconnect), starts an epoch, checked
// before anything else is sent: for each earlier epoch, is the newest entry
// Redis took then still there? When it is gone, what was sent in that epoch
// within replayMs goes out again. A command queued in the client while
// Redis was away reaches the new Redis before that check, ahead of the
// replay: a reader that meets a gap therefore holds the publisher's later
// entries for gapWaitMs, so that a replay arriving after them still fills it
// in order.

import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Broker, BrokerNode } from '@sockjs-ts/server';

/**
 * The part of a node-redis client (`createClient()`, `createCluster()`,
 * `createSentinel()`) the broker uses. The app makes and connects it, with
 * its own URL, TLS, ACL and reconnect strategy; the broker duplicates it for
 * its blocking reads.
 */
export interface StreamClient {
  readonly isReady: boolean;
  xAdd(
    key: string,
    id: string,
    message: Record<string, string>,
    options?: {
      TRIM?: { strategy: 'MAXLEN'; strategyModifier?: '~' | '='; threshold: number };
    },
  ): Promise<unknown>;
  xRead(
    streams: { key: string; id: string },
    options?: { BLOCK?: number; COUNT?: number },
  ): Promise<unknown>;
  xRange(key: string, start: string, end: string): Promise<unknown>;
  xRevRange(
    key: string,
    end: string,
    start: string,
    options?: { COUNT?: number },
  ): Promise<unknown>;
  duplicate(): StreamClient;
  connect(): Promise<unknown>;
  destroy(): void;
  on(event: 'ready', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  off(event: 'ready', listener: () => void): unknown;
}

export interface RedisBrokerOptions {
  /** A connected node-redis client; the broker never closes it. */
  client: StreamClient;
  /** The stream's key; servers that share it share channels (default 'sockjs:channels'). */
  key?: string;
  /** Entries the stream keeps, about: how far a reader may fall behind (default 10,000). */
  maxLength?: number;
  /** Publishes kept while Redis cannot take them; past it the oldest go (default 10,000). */
  maxPending?: number;
  /** How long one blocking read waits, in ms (default 5,000). */
  blockMs?: number;
  /** Entries one read returns at most (default 512). */
  readCount?: number;
  /** How long sent publishes are kept for a replay after Redis lost them, in ms (default 10,000). */
  replayMs?: number;
  /**
   * How long a reader holds a publisher's later publishes when one is
   * missing, for a replay to fill the gap, before it reports the gap, in ms
   * (default 2,000).
   */
  gapWaitMs?: number;
}

export interface RedisBrokerStats {
  /** Local publishes handed to the broker. */
  published: number;
  /** Publishes Redis has taken. */
  sent: number;
  /** Publishes waiting for Redis now. */
  pending: number;
  /** Publishes dropped because the outbox was full (other processes see them as a gap). */
  dropped: number;
  /** Publishes from other processes delivered here. */
  delivered: number;
  /** Entries read twice (a resend) and not delivered again. */
  duplicates: number;
  /** Times a gap was seen in another process's publishes. */
  gaps: number;
  /** Publishes of other processes known to be lost to this one. */
  missed: number;
  /** Commands that failed (Redis down or unreachable); each is retried. */
  errors: number;
  /** Publishes appended again because Redis lost them (restarted empty). */
  replayed: number;
}

export interface GapEvent {
  /** The id of the publishing process. */
  publisher: string;
  /** How many of its publishes this process will never deliver. */
  missed: number;
}

export interface RedisBrokerEvents {
  /** Publishes of another process were lost to this one (trimmed, or dropped by their publisher). */
  gap: [event: GapEvent];
  /** The outbox was full: the oldest local publish was dropped. */
  dropped: [count: number];
  /** A command failed; the broker retries by itself. For logging, never thrown. */
  warning: [err: Error];
}

interface Pending {
  readonly seq: number;
  readonly fields: Record<string, string>;
  /** When Redis took it (Date.now()), the id it got, and in which epoch. */
  sentAt?: number;
  id?: string;
  epoch?: number;
}

/** What a reader knows of one other publisher. */
interface Publisher {
  /** The last sequence number delivered. */
  last: number;
  /** Entries past a gap, by sequence number, waiting for it to be filled. */
  readonly held: Map<number, Record<string, string>>;
  /** Gives up waiting: set while `held` is not empty. */
  timer: NodeJS.Timeout | undefined;
}

/** Fields of one stream entry, whatever the client's RESP version made of them. */
interface Entry {
  id: string;
  message: Record<string, string>;
}

// How long to wait before retrying after a failed command when the client
// reports itself ready (a refused write, a timeout): not a busy loop.
const RETRY_MS = 250;
// Publishers remembered for duplicate and gap checks; the ones not heard
// from for longest are forgotten first.
const MAX_PUBLISHERS = 4096;

export class RedisBroker extends EventEmitter<RedisBrokerEvents> implements Broker {
  /** This process's id in the stream. */
  readonly id = randomUUID();
  private readonly client: StreamClient;
  private readonly key: string;
  private readonly maxLength: number;
  private readonly maxPending: number;
  private readonly blockMs: number;
  private readonly readCount: number;
  private readonly replayMs: number;
  private readonly gapWaitMs: number;
  /** Publishes Redis took in the last replayMs, oldest first. */
  private recent: Pending[] = [];
  /**
   * Counts the times Redis may have changed under the client: a new
   * connection ('ready'; it may be a new, empty Redis) or a failed command.
   */
  private epoch = 0;
  /** The epoch checked to still hold what earlier ones took. */
  private checked = 0;
  private readonly reconnected = () => {
    this.epoch++;
    if (!this.sending) void this.sendLoop();
  };
  private readonly counters: RedisBrokerStats = {
    published: 0,
    sent: 0,
    pending: 0,
    dropped: 0,
    delivered: 0,
    duplicates: 0,
    gaps: 0,
    missed: 0,
    errors: 0,
    replayed: 0,
  };
  private node: BrokerNode | null = null;
  private reader: StreamClient | null = null;
  private outbox: Pending[] = [];
  private seq = 0;
  private sending = false;
  /** How many of the outbox's first entries were handed to the client and await its answer. */
  private inFlight = 0;
  private closed = false;
  /** Each other publisher heard from, the one heard from longest ago first. */
  private readonly publishers = new Map<string, Publisher>();
  /** The last entry read; the next read goes on from it. */
  private lastId = '$';
  /** The reader is on a new connection, or its read failed: the stream may be a new one. */
  private readerMoved = false;
  private reading: Promise<void> | null = null;
  private readonly wakeups = new Set<() => void>();

  constructor(options: RedisBrokerOptions) {
    super();
    this.client = options.client;
    this.key = options.key ?? 'sockjs:channels';
    this.maxLength = positive(options.maxLength, 10_000, 'maxLength');
    this.maxPending = positive(options.maxPending, 10_000, 'maxPending');
    this.blockMs = positive(options.blockMs, 5_000, 'blockMs');
    this.readCount = positive(options.readCount, 512, 'readCount');
    this.replayMs = positive(options.replayMs, 10_000, 'replayMs');
    this.gapWaitMs = positive(options.gapWaitMs, 2_000, 'gapWaitMs');
  }

  start(node: BrokerNode): void {
    if (this.node !== null) throw new Error('This RedisBroker already serves a server');
    this.node = node;
    this.client.on('ready', this.reconnected);
    this.reading = this.readLoop();
  }

  publish(channel: string | null, message: string): void {
    if (this.closed) return;
    this.counters.published++;
    const seq = ++this.seq;
    const fields: Record<string, string> = { p: this.id, s: String(seq), m: message };
    if (channel !== null) fields.c = channel;
    this.outbox.push({ seq, fields });
    if (this.outbox.length > this.maxPending) {
      // The oldest that are not already on their way to Redis go.
      const over = this.outbox.length - this.maxPending;
      this.outbox.splice(this.inFlight, over);
      this.counters.dropped += over;
      this.emit('dropped', over);
    }
    if (!this.sending) void this.sendLoop();
  }

  /** Counters since the broker started. */
  stats(): RedisBrokerStats {
    return { ...this.counters, pending: this.outbox.length };
  }

  /**
   * Stops reading and sending. What is still in the outbox is given up to
   * `timeout` ms to reach Redis first.
   */
  async close(timeout = 2_000): Promise<void> {
    if (this.closed) return;
    const deadline = Date.now() + timeout;
    while (this.outbox.length > 0 && Date.now() < deadline) await this.pause(20);
    this.closed = true;
    this.client.off('ready', this.reconnected);
    for (const wake of this.wakeups) wake();
    for (const publisher of this.publishers.values()) clearTimeout(publisher.timer);
    this.reader?.destroy();
    await this.reading;
  }

  // ------------------------------------------------------------- sending

  private async sendLoop(): Promise<void> {
    this.sending = true;
    try {
      while ((this.outbox.length > 0 || this.checked !== this.epoch) && !this.closed) {
        if (!this.client.isReady) {
          await this.ready(this.client);
          continue;
        }
        if (this.checked !== this.epoch) {
          await this.replayIfLost();
          continue;
        }
        // Everything queued goes out at once: node-redis pipelines commands
        // issued in the same tick, and Redis applies them in order.
        const batch = this.outbox.slice(0, 256);
        this.inFlight = batch.length;
        const results = await Promise.allSettled(batch.map((p) => this.append(p)));
        this.inFlight = 0;
        let done = 0;
        const now = Date.now();
        for (const r of results) {
          if (r.status === 'rejected') break;
          const p = batch[done++]!;
          p.sentAt = now;
          this.recent.push(p);
        }
        // Nothing ages out while a check is due: it may have to go out again.
        if (this.checked === this.epoch) this.forgetOld(now);
        this.counters.sent += done;
        const sentUpTo = done > 0 ? batch[done - 1]!.seq : 0;
        this.outbox = this.outbox.filter((p) => p.seq > sentUpTo);
        if (done < batch.length) {
          this.failed((results[done] as PromiseRejectedResult).reason);
          this.epoch++;
          await this.pause(RETRY_MS);
        }
      }
    } finally {
      this.sending = false;
    }
  }

  /**
   * At a new epoch: for each earlier one whose newest entry the stream lost
   * (Redis restarted empty), what Redis took in it goes out again, ahead of
   * what waits. The check does not wait for a command to fail: Redis may die
   * while nothing is in flight, with entries it took a moment before that
   * not every reader has read yet.
   */
  private async replayIfLost(): Promise<void> {
    const epoch = this.epoch;
    // Not trimmed by age first: an outage must not age out what it lost.
    const newestOf = new Map<number, Pending>();
    for (const p of this.recent) if (p.epoch! < epoch) newestOf.set(p.epoch!, p);
    try {
      const lost = new Set<number>();
      await Promise.all(
        [...newestOf].map(async ([e, p]) => {
          const found = await this.client.xRange(this.key, p.id!, p.id!);
          if (Array.isArray(found) && found.length === 0) lost.add(e);
        }),
      );
      // Another epoch began meanwhile: the next turn checks again.
      if (epoch !== this.epoch) return;
      this.checked = epoch;
      if (lost.size === 0) return;
      const again = this.recent.filter((p) => lost.has(p.epoch!));
      this.counters.replayed += again.length;
      this.outbox = [...again, ...this.outbox];
      this.recent = this.recent.filter((p) => !lost.has(p.epoch!));
    } catch (err) {
      this.failed(err);
      await this.pause(RETRY_MS);
    }
  }

  private forgetOld(now: number): void {
    let old = 0;
    while (old < this.recent.length && now - this.recent[old]!.sentAt! > this.replayMs) old++;
    if (old > 0) this.recent.splice(0, old);
    if (this.recent.length > this.maxPending) {
      this.recent.splice(0, this.recent.length - this.maxPending);
    }
  }

  private async append(p: Pending): Promise<void> {
    const id = await this.client.xAdd(this.key, '*', p.fields, {
      TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: this.maxLength },
    });
    // Noted as the answer comes: a command the client queued while Redis
    // was away is answered on the next connection, maybe by a new Redis.
    p.id = String(id);
    p.epoch = this.epoch;
  }

  // ------------------------------------------------------------- reading

  private async readLoop(): Promise<void> {
    while (!this.closed) {
      try {
        if (this.reader === null) {
          this.reader = this.client.duplicate();
          this.reader.on('error', ignore);
          this.reader.on('ready', () => {
            this.readerMoved = true;
          });
          await this.reader.connect();
        }
        if (!this.reader.isReady) {
          await this.ready(this.reader);
          continue;
        }
        if (this.lastId === '$') this.lastId = await this.lastEntryId();
        if (this.readerMoved) await this.restartIfNewStream(this.reader);
        const reply = await this.reader.xRead(
          { key: this.key, id: this.lastId },
          { BLOCK: this.blockMs, COUNT: this.readCount },
        );
        for (const entry of entriesOf(reply)) {
          this.lastId = entry.id;
          this.take(entry.message);
        }
      } catch (err) {
        if (this.closed) return;
        this.readerMoved = true;
        this.failed(err);
        await this.pause(RETRY_MS);
      }
    }
  }

  /**
   * After a new connection or a failed read: a stream that is empty, or
   * whose newest entry is older than the last one read, is not the stream
   * that was read (Redis restarted empty). Its ids started again from the
   * clock of the Redis that took them, which may be behind the last id
   * read: reading on from that id would skip them, so it is read from the
   * start.
   */
  private async restartIfNewStream(reader: StreamClient): Promise<void> {
    const reply = (await reader.xRevRange(this.key, '+', '-', { COUNT: 1 })) as
      | { id: string }[]
      | null;
    const newest = reply?.[0]?.id;
    if (newest === undefined || compareIds(newest, this.lastId) < 0) this.lastId = '0-0';
    this.readerMoved = false;
  }

  /** The id of the stream's newest entry: where a new reader starts. */
  private async lastEntryId(): Promise<string> {
    // XREAD with '$' would start again from "now" after every failed read;
    // the newest id, read once, is a fixed place to go on from.
    const reply = (await this.client.xRevRange(this.key, '+', '-', { COUNT: 1 })) as
      | { id: string }[]
      | null;
    return reply?.[0]?.id ?? '0-0';
  }

  private take(fields: Record<string, string>): void {
    const id = fields.p;
    const seq = Number(fields.s);
    if (id === undefined || !Number.isInteger(seq)) return;
    if (id === this.id) return;
    let publisher = this.publishers.get(id);
    if (publisher === undefined) {
      publisher = { last: seq - 1, held: new Map(), timer: undefined };
      if (this.publishers.size >= MAX_PUBLISHERS) this.forget(this.publishers.keys().next().value!);
    }
    // Most recently heard from goes last, so the first key is the one to forget.
    this.publishers.delete(id);
    this.publishers.set(id, publisher);
    if (seq <= publisher.last || publisher.held.has(seq)) {
      this.counters.duplicates++;
      return;
    }
    if (seq > publisher.last + 1) {
      // A gap: a replay may still fill it (see the top of this file).
      publisher.held.set(seq, fields);
      publisher.timer ??= setTimeout(() => this.giveUp(id), this.gapWaitMs);
      return;
    }
    this.deliver(publisher, seq, fields);
    // What the gap held back follows, as far as it runs on unbroken.
    for (;;) {
      const next = publisher.held.get(publisher.last + 1);
      if (next === undefined) break;
      publisher.held.delete(publisher.last + 1);
      this.deliver(publisher, publisher.last + 1, next);
    }
    if (publisher.held.size === 0) {
      clearTimeout(publisher.timer);
      publisher.timer = undefined;
    }
  }

  /** The publisher's gap was not filled in time: it is reported, and what came after it delivered. */
  private giveUp(id: string): void {
    const publisher = this.publishers.get(id);
    if (publisher === undefined) return;
    clearTimeout(publisher.timer);
    publisher.timer = undefined;
    const waiting = [...publisher.held].sort(([a], [b]) => a - b);
    publisher.held.clear();
    try {
      for (const [seq, fields] of waiting) {
        if (seq > publisher.last + 1) {
          const missed = seq - publisher.last - 1;
          this.counters.gaps++;
          this.counters.missed += missed;
          this.emit('gap', { publisher: id, missed });
        }
        this.deliver(publisher, seq, fields);
      }
    } catch (err) {
      // From a timer: never thrown.
      this.failed(err);
    }
  }

  /** Stops tracking a publisher, delivering what it held first. */
  private forget(id: string): void {
    this.giveUp(id);
    this.publishers.delete(id);
  }

  private deliver(publisher: Publisher, seq: number, fields: Record<string, string>): void {
    publisher.last = seq;
    this.counters.delivered++;
    this.node!.deliver(fields.c ?? null, fields.m ?? '');
  }

  // ------------------------------------------------------------- helpers

  private failed(err: unknown): void {
    this.counters.errors++;
    if (this.listenerCount('warning') > 0) {
      this.emit('warning', err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Resolves when `client` is ready again, or the broker closes. */
  private ready(client: StreamClient): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        client.off('ready', done);
        this.wakeups.delete(done);
        resolve();
      };
      this.wakeups.add(done);
      client.on('ready', done);
      // It may have become ready between the check and now.
      if (client.isReady || this.closed) done();
    });
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeups.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeups.add(done);
    });
  }
}

/** A broker over the app's node-redis client. */
export function redisBroker(options: RedisBrokerOptions): RedisBroker {
  return new RedisBroker(options);
}

function ignore(): void {}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a whole number ≥ 1, got ${value}`);
  }
  return value;
}

/** Orders two stream ids (`ms-seq`) as Redis does. */
function compareIds(a: string, b: string): number {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number);
  const [bMs = 0, bSeq = 0] = b.split('-').map(Number);
  return aMs !== bMs ? aMs - bMs : aSeq - bSeq;
}

/** The entries of an XREAD reply, as RESP2 (an array) or RESP3 (a map) gives them. */
function entriesOf(reply: unknown): Entry[] {
  if (reply === null || reply === undefined) return [];
  const streams: unknown[] = Array.isArray(reply)
    ? reply
    : reply instanceof Map
      ? [...reply.values()]
      : Object.values(reply as object);
  const out: Entry[] = [];
  for (const stream of streams) {
    const messages = Array.isArray(stream)
      ? stream
      : ((stream as { messages?: unknown[] }).messages ?? []);
    for (const m of messages as { id: string; message: unknown }[]) {
      const message =
        m.message instanceof Map
          ? (Object.fromEntries(m.message) as Record<string, string>)
          : (m.message as Record<string, string>);
      out.push({ id: String(m.id), message });
    }
  }
  return out;
}

export {
  RedisSessions,
  type RedisSessionsOptions,
  type RedisSessionsStats,
  redisSessions,
  type SessionsClient,
} from './sessions.js';
