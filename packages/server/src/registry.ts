// Where sessions are found by id. Transports only use this interface, so a
// shared registry (Redis, for several processes) can replace the in-memory one.

export interface SessionRegistry<S> {
  get(id: string): S | undefined;
  set(id: string, session: S): void;
  delete(id: string): void;
  readonly size: number;
  values(): IterableIterator<S>;
}

export class MemoryRegistry<S> implements SessionRegistry<S> {
  private readonly map = new Map<string, S>();
  get(id: string): S | undefined {
    return this.map.get(id);
  }
  set(id: string, session: S): void {
    this.map.set(id, session);
  }
  delete(id: string): void {
    this.map.delete(id);
  }
  get size(): number {
    return this.map.size;
  }
  values(): IterableIterator<S> {
    return this.map.values();
  }
}
