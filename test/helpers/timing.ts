// Waiting in tests: a pause, a deadline on a promise, polling until a
// condition holds, and a wake-up signal for readers that collect events.

import assert from 'node:assert/strict';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Rejects when `promise` has not settled within `ms`, naming what timed out. */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Waits until `check()` holds, polling every 20 ms, or fails after `ms`. */
export async function eventually(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * Lets a reader wait for the next event it records: `wake()` after each one,
 * `until(check, fail, ms)` to wait for a condition without polling.
 */
export class Wakeup {
  private waiters: (() => void)[] = [];

  wake(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const resolve of waiting) resolve();
  }

  /**
   * Resolves once `check()` holds; calls `fail()` (which throws) when `ms`
   * pass first, or as soon as `hopeless()` says no further event can help.
   */
  async until(
    check: () => boolean,
    fail: () => never,
    ms: number,
    hopeless: () => boolean = () => false,
  ): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check()) {
      const left = deadline - Date.now();
      if (left <= 0 || hopeless()) fail();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/**
 * Runs task(0..count-1) with at most `width` at once; a task that returns
 * false stops the handing out of new ones.
 */
export async function inParallel(
  count: number,
  width: number,
  task: (i: number) => Promise<boolean>,
): Promise<void> {
  let next = 0;
  let stop = false;
  const worker = async () => {
    while (!stop && next < count) {
      const i = next++;
      if ((await task(i)) === false) stop = true;
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
}
