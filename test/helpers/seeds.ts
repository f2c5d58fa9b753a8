// Seeds for the property and fuzz tests. `npm test` (and so CI) always runs
// the same cases: each property on every seed of FIXED_SEEDS. `npm run fuzz`
// explores: scripts/fuzz.js draws a random seed (or takes --seed) and passes
// it in FUZZ_SEED with FUZZ_SECONDS or FUZZ_RUNS; a failure prints its seed
// and the command that replays it. A seed that once found a bug is added
// to FIXED_SEEDS, so every later run checks that case again.

/** Checked by every `npm test`. Append, never remove: each is a regression case. */
// Far apart: the HTTP/1.1 differential test derives its inputs from seed + i.
export const FIXED_SEEDS: readonly number[] = [1, 1_000_000, 2_000_000, 20_261_202];

const fuzzSeed = process.env.FUZZ_SEED;

/** True under `npm run fuzz` (a time or case budget was given). */
export const EXPLORING =
  Number(process.env.FUZZ_SECONDS ?? 0) > 0 || Number(process.env.FUZZ_RUNS ?? 0) > 0;

/**
 * The seeds to run: the one in FUZZ_SEED when set (a replay, or `npm run
 * fuzz`'s draw), otherwise the fixed list.
 */
export function seeds(): readonly number[] {
  if (fuzzSeed !== undefined && fuzzSeed !== '') {
    const seed = Number(fuzzSeed);
    if (!Number.isSafeInteger(seed)) throw new Error(`FUZZ_SEED must be an integer: ${fuzzSeed}`);
    return [seed];
  }
  return FIXED_SEEDS;
}

/** The command that replays one seed of one file. */
export function replayCommand(file: string, seed: number, runs?: number): string {
  const budget = runs === undefined ? '' : ` FUZZ_RUNS=${runs}`;
  return `FUZZ_SEED=${seed}${budget} node --import tsx --test ${file}`;
}
