#!/usr/bin/env node
// Long fuzz runs: the protocol core's properties, then a live server's HTTP
// and WebSocket endpoints, each for a time or a number of cases. Prints the
// cases run per property and any counterexample (with its seed).
//
// usage: npm run fuzz -- [--seconds N | --runs N] [--seed S]
//   --seconds N  time per protocol property, and for the live fuzz (default 10)
//   --runs N     cases per protocol property and live HTTP cases instead
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string' },
    runs: { type: 'string' },
    seed: { type: 'string' },
  },
});
const env = { ...process.env };
if (values.runs !== undefined) env.FUZZ_RUNS = String(Number(values.runs));
else env.FUZZ_SECONDS = String(Number(values.seconds ?? 10));
if (values.seed !== undefined) env.FUZZ_SEED = values.seed;

const root = new URL('..', import.meta.url).pathname;
let failed = false;
for (const file of ['packages/protocol/test/fuzz.test.ts', 'test/hardening/fuzz-live.test.ts']) {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-timeout=0', file],
    { stdio: 'inherit', cwd: root, env },
  );
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
