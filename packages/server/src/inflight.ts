// Responses and sockets in flight, so that a graceful shutdown can wait for
// them to finish and cut the ones that do not.

import type { EventEmitter } from 'node:events';

export interface Cuttable {
  destroy(): void;
}

export class InFlight {
  private readonly items = new Set<Cuttable>();
  private idleWaiters: (() => void)[] = [];

  get size(): number {
    return this.items.size;
  }

  /** Tracks `item` until `emitter` emits 'close'. */
  track(item: Cuttable, emitter: EventEmitter): void {
    this.add(item);
    emitter.once('close', () => this.delete(item));
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
