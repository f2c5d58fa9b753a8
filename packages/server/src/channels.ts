// Named channels: connections join and leave them, the server publishes to
// one or to everyone. Membership is per process; a broker (set with the
// server's `broker` option, e.g. @sockjs-ts/redis) carries each publish to
// the other processes, which deliver it to their own members.
//
// Delivery is conn.write(): a member too slow to read meets the limits every
// connection has (high-water mark and 'drain', then max_queue_size closes
// it), so a publish never buffers without bound on anyone's behalf.

import type { Connection } from './connection.js';
import { flushingAfterImmediates } from './session.js';

/** What a broker may call on the server it carries publishes for. */
export interface BrokerNode {
  /**
   * Delivers a message another process published: to the members of
   * `channel` in this process, or to every open connection when `channel`
   * is null.
   */
  deliver(channel: string | null, message: string): void;
}

/**
 * Carries publishes between processes. The server calls start() once when
 * it is created, publish() for each local publish (just before it queues
 * the message for the local members, whose frames go out after the
 * setImmediate callbacks scheduled by then, so that a client that writes
 * from one, as node-redis does, sends the publish first) and close() from
 * its own close().
 */
export interface Broker {
  start(node: BrokerNode): void;
  /** Must not throw: a broker that cannot send now queues, or counts a loss. */
  publish(channel: string | null, message: string): void;
  close(): Promise<void>;
}

/** Where channels find the connections a broadcast reaches. */
export interface ChannelHost {
  /** Every open connection of the server, for broadcasts. */
  connections(): Iterable<Connection>;
}

export class Channels implements BrokerNode {
  /** Members of each channel that has any. */
  private readonly members = new Map<string, Set<Connection>>();
  /** Channels of each connection that joined any. */
  private readonly joined = new WeakMap<Connection, Set<string>>();
  private readonly host: ChannelHost;
  private readonly broker: Broker | null;

  constructor(host: ChannelHost, broker: Broker | null) {
    this.host = host;
    this.broker = broker;
    broker?.start(this);
  }

  /** Adds `conn` to `channel`; a closed connection joins nothing. */
  join(conn: Connection, channel: string): void {
    if (!conn.writable) return;
    let set = this.members.get(channel);
    if (set === undefined) {
      set = new Set();
      this.members.set(channel, set);
    }
    set.add(conn);
    let mine = this.joined.get(conn);
    if (mine === undefined) {
      mine = new Set();
      this.joined.set(conn, mine);
      conn.once('close', () => this.leaveAll(conn));
    }
    mine.add(channel);
  }

  leave(conn: Connection, channel: string): void {
    this.joined.get(conn)?.delete(channel);
    this.remove(conn, channel);
  }

  /** The channels `conn` is in. */
  of(conn: Connection): ReadonlySet<string> {
    return this.joined.get(conn) ?? EMPTY;
  }

  /** The members of `channel` in this process. */
  membersOf(channel: string): ReadonlySet<Connection> {
    return this.members.get(channel) ?? EMPTY;
  }

  /** Sends `message` to every member of `channel`, here and through the broker. */
  publish(channel: string, message: string): void {
    this.publishTo(channel, message);
  }

  /** Sends `message` to every open connection, here and through the broker. */
  broadcast(message: string): void {
    this.publishTo(null, message);
  }

  /**
   * The broker first: the other processes' members should not wait for this
   * process to write to all of its own. The local members' frames are queued
   * at once, in order with everything else written to them, and go out once
   * the broker's client has written its command.
   */
  private publishTo(channel: string | null, message: string): void {
    const broker = this.broker;
    if (broker === null) {
      this.deliver(channel, message);
      return;
    }
    broker.publish(channel, message);
    flushingAfterImmediates(() => this.deliver(channel, message));
  }

  deliver(channel: string | null, message: string): void {
    if (channel === null) {
      for (const conn of this.host.connections()) conn.write(message);
      return;
    }
    const set = this.members.get(channel);
    if (set === undefined) return;
    for (const conn of set) conn.write(message);
  }

  close(): Promise<void> {
    return this.broker?.close() ?? Promise.resolve();
  }

  private leaveAll(conn: Connection): void {
    const mine = this.joined.get(conn);
    if (mine === undefined) return;
    for (const channel of mine) this.remove(conn, channel);
    this.joined.delete(conn);
  }

  private remove(conn: Connection, channel: string): void {
    const set = this.members.get(channel);
    if (set === undefined) return;
    set.delete(conn);
    if (set.size === 0) this.members.delete(channel);
  }
}

const EMPTY: ReadonlySet<never> = new Set();
