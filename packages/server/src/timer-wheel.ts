// One timer for many deadlines. Sessions register the time at which they
// next need attention; the wheel groups deadlines into slots of `resolution`
// milliseconds and keeps a single unref'd setTimeout for the earliest slot,
// so ten thousand idle sessions cost one timer, not ten thousand.

export interface Scheduled {
  /**
   * Called once the registered deadline has passed; after postpone(), that
   * may be an earlier deadline than the last one asked for.
   */
  onDeadline(now: number): void;
}

export class TimerWheel<T extends Scheduled> {
  private readonly slots = new Map<number, Set<T>>();
  private readonly slotOf = new Map<T, number>();
  private timer: NodeJS.Timeout | null = null;
  private timerSlot = Number.POSITIVE_INFINITY;
  private readonly resolution: number;
  private readonly now: () => number;

  constructor(resolution = 50, now: () => number = Date.now) {
    this.resolution = resolution;
    this.now = now;
  }

  get size(): number {
    return this.slotOf.size;
  }

  /** Registers (or moves) an item's deadline; Infinity unregisters it. */
  schedule(item: T, at: number): void {
    this.place(item, at, false);
  }

  /**
   * As schedule(), except that a deadline moved later leaves the item where
   * it is: it is called at the earlier time, finds nothing due and registers
   * again. For items whose onDeadline() looks at what is due (sessions do):
   * a polling session moves its deadline at every poll, and left in place it
   * costs one early call per disconnect delay instead of two moves between
   * slots per request.
   */
  postpone(item: T, at: number): void {
    this.place(item, at, true);
  }

  private place(item: T, at: number, lazily: boolean): void {
    const old = this.slotOf.get(item);
    if (at === Number.POSITIVE_INFINITY) {
      if (old !== undefined) this.remove(item, old);
      return;
    }
    const slot = Math.ceil(at / this.resolution) * this.resolution;
    if (old === slot || (lazily && old !== undefined && old < slot)) return;
    if (old !== undefined) this.remove(item, old);
    let set = this.slots.get(slot);
    if (set === undefined) {
      set = new Set();
      this.slots.set(slot, set);
    }
    set.add(item);
    this.slotOf.set(item, slot);
    if (slot < this.timerSlot) this.arm(slot);
  }

  cancel(item: T): void {
    const old = this.slotOf.get(item);
    if (old !== undefined) this.remove(item, old);
  }

  /** Stops the timer and forgets every deadline. */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerSlot = Number.POSITIVE_INFINITY;
    this.slots.clear();
    this.slotOf.clear();
  }

  private remove(item: T, slot: number): void {
    this.slotOf.delete(item);
    const set = this.slots.get(slot);
    if (set === undefined) return;
    set.delete(item);
    if (set.size === 0) this.slots.delete(slot);
  }

  private arm(slot: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timerSlot = slot;
    this.timer = setTimeout(() => this.fire(), Math.max(0, slot - this.now()));
    this.timer.unref();
  }

  private fire(): void {
    this.timer = null;
    this.timerSlot = Number.POSITIVE_INFINITY;
    const now = this.now();
    const due: T[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const [slot, set] of this.slots) {
      if (slot <= now) {
        for (const item of set) {
          due.push(item);
          this.slotOf.delete(item);
        }
        this.slots.delete(slot);
      } else if (slot < next) {
        next = slot;
      }
    }
    if (next !== Number.POSITIVE_INFINITY) this.arm(next);
    for (const item of due) item.onDeadline(now);
  }
}
