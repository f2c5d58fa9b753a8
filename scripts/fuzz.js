#!/usr/bin/env node
// Long fuzz runs: the protocol core's properties, then a live server's HTTP
// and WebSocket endpoints, then the HTTP/1.1 layer against node:http on
// mutated requests, each for a time or a number of cases. Prints the
// cases run per property and any counterexample with its seed and the
// command that replays it.
//
// `npm test` runs the same files on the fixed seeds of test/helpers/seeds.ts;
// this script explores: without --seed it draws a random one, prints it
// first, and passes it to every file in FUZZ_SEED. A seed that finds a bug
// is added to FIXED_SEEDS (with the fix), so that CI checks it from then on.
//
// usage: npm run fuzz -- [--seconds N | --runs N] [--seed S] [--only protocol|live|http1]
//   --seconds N  time per protocol property, for the live fuzz and for the
//                HTTP/1.1 differential fuzz (default 10)
//   --runs N     cases per protocol property, live HTTP cases and mutated
//                requests instead
//   --seed S     replay a seed (an integer) instead of drawing one
//   --only X     one of the three
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string' },
    runs: { type: 'string' },
    seed: { type: 'string' },
    only: { type: 'string' },
  },
});
const env = { ...process.env };
if (values.runs !== undefined) env.FUZZ_RUNS = String(Number(values.runs));
else env.FUZZ_SECONDS = String(Number(values.seconds ?? 10));
const seed = values.seed ?? String(randomInt(2 ** 31));
if (!/^\d+$/.test(seed)) {
  console.error(`--seed takes a non-negative integer, got ${seed}`);
  process.exit(2);
}
env.FUZZ_SEED = seed;
const budget =
  values.runs !== undefined ? `--runs ${env.FUZZ_RUNS}` : `--seconds ${env.FUZZ_SECONDS}`;
const only = values.only === undefined ? '' : ` --only ${values.only}`;
console.log(`fuzz seed ${seed} (replay: npm run fuzz -- --seed ${seed} ${budget}${only})`);

const root = new URL('..', import.meta.url).pathname;
let failed = false;
const FILES = {
  protocol: 'packages/protocol/test/fuzz.test.ts',
  live: 'test/hardening/fuzz-live.test.ts',
  http1: 'test/hardening/http1-differential.test.ts',
};
if (values.only !== undefined && !(values.only in FILES)) {
  console.error(`--only takes one of: ${Object.keys(FILES).join(', ')}`);
  process.exit(2);
}
const files = values.only === undefined ? Object.values(FILES) : [FILES[values.only]];
for (const file of files) {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-timeout=0', file],
    { stdio: 'inherit', cwd: root, env },
  );
  if (result.status !== 0) failed = true;
}
if (failed) {
  console.error(
    `fuzz seed ${seed} failed. Replay: npm run fuzz -- --seed ${seed} ${budget}${only}; ` +
      'once fixed, add the seed to FIXED_SEEDS in test/helpers/seeds.ts so that npm test checks it.',
  );
}
process.exit(failed ? 1 : 0);
