// The layer's timeouts: one interval for every connection.

import type { Http1Connection } from './connection.js';

/**
 * Timeouts for every connection of a layer: each connection keeps its
 * deadline in a field, and one unref'd interval a second cuts those past it.
 * A request costs a field write, not a timer.
 */
export class Deadlines {
  private readonly conns = new Set<Http1Connection>();
  private timer: NodeJS.Timeout | null = null;

  add(conn: Http1Connection): void {
    this.conns.add(conn);
    if (this.timer === null) {
      this.timer = setInterval(() => this.sweep(), 1000);
      this.timer.unref();
    }
  }

  delete(conn: Http1Connection): void {
    this.conns.delete(conn);
    if (this.conns.size === 0 && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const conn of this.conns) if (conn.deadline <= now) conn.expire();
  }

  /** Ends every connection that waits for its next request. */
  closeIdle(): void {
    for (const conn of this.conns) conn.closeIfIdle();
  }
}
