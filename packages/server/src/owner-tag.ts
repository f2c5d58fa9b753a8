// Listeners that cost a socket or a response nothing of its own. EventEmitter
// calls a listener with the emitter as `this`, so one function, made once
// per module, serves every emitter and finds the object it reports to
// through a symbol-keyed property of the emitter. A closure per listener per
// emitter costs about 70 B each (bench/micro/listeners.js: a websocket's
// three listeners, 313 B as shared functions against 521 B as closures),
// which an idle session pays for as long as it lives, against a target of
// 8 KiB per idle websocket session.
//
// Each kind of owner has its own tag: a response is tracked in flight and
// read by its receiver at once, under two tags.

type Tagged<O> = Record<symbol, O | undefined>;

export class OwnerTag<E extends object, O> {
  private readonly key: symbol;

  constructor(description: string) {
    this.key = Symbol(description);
  }

  /** Ties `emitter` to `owner` (or unties it, with undefined). */
  set(emitter: E, owner: O | undefined): void {
    (emitter as Tagged<O>)[this.key] = owner;
  }

  /** The owner `emitter` is tied to, if any. */
  get(emitter: E): O | undefined {
    return (emitter as Tagged<O>)[this.key];
  }

  /**
   * A listener shared by every emitter of this tag: calls `handle` with the
   * emitter's owner, the emitter and the event's first argument, and does
   * nothing for an emitter with no owner.
   */
  listener<A = unknown>(
    handle: (owner: O, emitter: E, arg: A) => void,
  ): (this: E, arg?: A) => void {
    const key = this.key;
    return function (this: E, arg?: A): void {
      const owner = (this as Tagged<O>)[key];
      // Events without an argument leave `arg` undefined, and their handlers
      // do not read it.
      if (owner !== undefined) handle(owner, this, arg as A);
    };
  }
}
