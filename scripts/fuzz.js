#!/usr/bin/env node
// Long fuzz runs: the protocol core's properties, then a live server's HTTP
// and WebSocket endpoints, then the HTTP/1.1 layer against node:http on
// mutated requests, each for a time or a number of cases. Prints the
// cases run per property and any counterexample (with its seed).
//
// usage: npm run fuzz -- [--seconds N | --runs N] [--seed S] [--only protocol|live|http1]
//   --seconds N  time per protocol property, for the live fuzz and for the
//                HTTP/1.1 differential fuzz (default 10)
//   --runs N     cases per protocol property, live HTTP cases and mutated
//                requests instead
//   --only X     one of the three
import { spawnSync } from 'node:child_process';
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
if (values.seed !== undefined) env.FUZZ_SEED = values.seed;

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
process.exit(failed ? 1 : 0);
