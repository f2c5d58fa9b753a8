// Responses and sockets in flight, so that a graceful shutdown can wait for
// them to finish and cut the ones that do not.

import type { EventEmitter } from 'node:events';
import { OwnerTag } from './owner-tag.js';

export interface Cuttable {
  destroy(): void;
}

// Shared by every item tracked (see owner-tag.ts): once() would add a
// wrapper and a closure per request.
const trackerOf = new OwnerTag<Cuttable & EventEmitter, InFlight>('sockjs-ts in flight');
const untrack = trackerOf.listener((tracker, item) => tracker.delete(item));

export class InFlight {
  private readonly items = new Set<Cuttable>();
  private idleWaiters: (() => void)[] = [];

  get size(): number {
    return this.items.size;
  }

  /** Tracks `item` (a response or a socket) until it emits 'close'. */
  track(item: Cuttable & EventEmitter): void {
    this.add(item);
    trackerOf.set(item, this);
    item.on('close', untrack);
  }

  /** Tracks `item` until delete() is called with it. */
  add(item: Cuttable): void {
    this.items.add(item);
  }

  delete(item: Cuttable): void {
    if (!this.items.delete(item)) return;
    if (this.items.size === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Resolves once nothing is in flight, cutting what is left after `timeout` ms. */
  drain(timeout: number): Promise<void> {
    if (this.items.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        for (const item of [...this.items]) item.destroy();
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
