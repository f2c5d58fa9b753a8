// Responses and sockets in flight, so that a graceful shutdown can wait for
// them to finish and cut the ones that do not.

import type { EventEmitter } from 'node:events';

export interface Cuttable {
  destroy(): void;
}

const OWNER = Symbol('sockjs-ts in flight');
type Tracked = Cuttable & EventEmitter & { [OWNER]?: InFlight };

// Module-level, so that tracking a response allocates no listener of its own
// (once() would add a wrapper and a closure per request).
function untrack(this: Tracked): void {
  this[OWNER]?.delete(this);
}

export class InFlight {
  private readonly items = new Set<Cuttable>();
  private idleWaiters: (() => void)[] = [];

  get size(): number {
    return this.items.size;
  }

  /** Tracks `item` (a response or a socket) until it emits 'close'. */
  track(item: Cuttable & EventEmitter): void {
    this.add(item);
    (item as Tracked)[OWNER] = this;
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
