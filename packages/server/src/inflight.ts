// Responses and sockets in flight, so that a graceful shutdown can wait for
// them to finish and cut the ones that do not.

import type { EventEmitter } from 'node:events';
import { OwnerTag } from './owner-tag.js';

export interface Cuttable {
  destroy(): void;
}

/** An item's place in its tracker's list. */
interface Link {
  readonly owner: InFlight;
  /** Null once the item left the list. */
  item: Cuttable | null;
  prev: Link | null;
  next: Link | null;
}

// Shared by every item tracked (see owner-tag.ts): once() would add a
// wrapper and a closure per request.
const linkOf = new OwnerTag<Cuttable, Link>('sockjs-ts in flight');
const untrack = linkOf.listener((link, item) => link.owner.delete(item));

/**
 * A doubly linked list through the items rather than a Set. A response is
 * tracked for as long as it is open, so a Set would take an add and a
 * delete per request, and V8 rebuilds the table of a Set that sees that
 * churn every few hundred operations. A dropped table keeps its entries and
 * a pointer to its successor, and once one of them lives in the old
 * generation, a young-generation collection takes it for alive: it keeps the
 * responses of every later table alive through the next collection, which
 * then moves them to the old generation. Under xhr-polling that was ~3 KB
 * per message, a 4 ms young collection every 70 ms and a full one every
 * second (bench/README.md). A link that leaves the list drops its pointers,
 * so a dead link holds nothing.
 */
export class InFlight {
  private head: Link | null = null;
  private count = 0;
  private idleWaiters: (() => void)[] = [];

  get size(): number {
    return this.count;
  }

  /** Tracks `item` (a response or a socket) until it emits 'close'. */
  track(item: Cuttable & EventEmitter): void {
    this.add(item);
    item.on('close', untrack);
  }

  /** Tracks `item` until delete() is called with it. */
  add(item: Cuttable): void {
    if (linkOf.get(item)?.owner === this) return;
    const link: Link = { owner: this, item, prev: null, next: this.head };
    if (this.head !== null) this.head.prev = link;
    this.head = link;
    this.count++;
    linkOf.set(item, link);
  }

  delete(item: Cuttable): void {
    const link = linkOf.get(item);
    if (link === undefined || link.owner !== this) return;
    linkOf.set(item, undefined);
    if (link.prev === null) this.head = link.next;
    else link.prev.next = link.next;
    if (link.next !== null) link.next.prev = link.prev;
    link.item = null;
    link.prev = null;
    link.next = null;
    this.count--;
    if (this.count === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** What is in flight now. */
  private items(): Cuttable[] {
    const items: Cuttable[] = [];
    for (let link = this.head; link !== null; link = link.next) items.push(link.item!);
    return items;
  }

  /** Resolves once nothing is in flight, cutting what is left after `timeout` ms. */
  drain(timeout: number): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        for (const item of this.items()) item.destroy();
        resolve();
      }, timeout);
      timer.unref();
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
