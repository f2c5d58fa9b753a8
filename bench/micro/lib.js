// Timing for the micro-benchmarks: each case runs in rounds of a fixed
// number of calls, after a warm-up, and the median round is reported, so
// that one garbage collection or a neighbour's burst does not decide.

const ROUNDS = Number(process.env.ROUNDS ?? 15);

// Module state, so that no call can be found useless and dropped.
let sink = 0;

/**
 * Nanoseconds per call of `fn` (median of ROUNDS rounds of `calls` calls).
 * `fn` returns something whose length is kept, so its work cannot be dropped.
 */
export function nsPerCall(fn, calls) {
  for (let i = 0; i < calls; i++) sink += fn(i)?.length ?? 1;
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) sink += fn(i)?.length ?? 1;
    rounds.push(Number(process.hrtime.bigint() - start) / calls);
  }
  rounds.sort((a, b) => a - b);
  return rounds[rounds.length >> 1];
}

/** Prints one comparison: each case's time and the ratio of the first two. */
export function compare(title, cases, calls) {
  const times = cases.map(([, fn]) => nsPerCall(fn, calls));
  const parts = cases.map(([name], i) => `${name} ${format(times[i])}`);
  const ratio = times[1] / times[0];
  // Reading the sum is what keeps it (it is never -1).
  if (sink === -1) console.log('sink');
  console.log(`${title}: ${parts.join(', ')} (${ratio.toFixed(1)}x)`);
  return times;
}

export function format(ns) {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} us`;
  return `${ns.toFixed(ns < 10 ? 1 : 0)} ns`;
}

export function header(what) {
  console.log(`# ${what} (node ${process.version})`);
}
