#!/usr/bin/env node
// Mutation testing with StrykerJS and its command runner: each mutant of the
// product code is run against the tests that should catch it, and one that
// no test fails "survived". Prints Stryker's report, then the score and the
// survivors of each target, file:line, mutator and replacement.
//
// usage: npm run mutate -- [--only protocol|server]
//   protocol  packages/protocol/src against its unit and property tests
//             (stryker/protocol.config.json; a few minutes)
//   server    the server's session, limit and transport modules against the
//             tests over real sockets that exercise them
//             (stryker/server.config.json; each mutant runs those files at
//             once and stops at the first that fails, scripts/mutate-run.js;
//             still hours on a 2-core machine: a survivor costs every file)
// Without --only both run, protocol first. Reports: reports/mutation/.
// Exits non-zero when a score is below its config's `thresholds.break`.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const TARGETS = ['protocol', 'server'];
const { values } = parseArgs({ options: { only: { type: 'string' } } });
if (values.only !== undefined && !TARGETS.includes(values.only)) {
  console.error(`--only takes one of: ${TARGETS.join(', ')}`);
  process.exit(2);
}
const root = new URL('..', import.meta.url).pathname;
const stryker = `${root}node_modules/@stryker-mutator/core/bin/stryker.js`;

/** Score and survivors from Stryker's JSON report (mutation-testing-report-schema). */
function summarize(target) {
  const report = JSON.parse(readFileSync(`${root}reports/mutation/${target}.json`, 'utf8'));
  const counts = {};
  const survivors = [];
  for (const [file, { mutants }] of Object.entries(report.files)) {
    for (const m of mutants) {
      counts[m.status] = (counts[m.status] ?? 0) + 1;
      if (m.status === 'Survived' || m.status === 'NoCoverage') {
        const at = `${file}:${m.location.start.line}:${m.location.start.column}`;
        survivors.push(`  ${at} ${m.mutatorName}: ${JSON.stringify(m.replacement ?? '')}`);
      }
    }
  }
  const detected = (counts.Killed ?? 0) + (counts.Timeout ?? 0);
  const valid = detected + (counts.Survived ?? 0) + (counts.NoCoverage ?? 0);
  const score = valid === 0 ? 100 : (100 * detected) / valid;
  const config = JSON.parse(readFileSync(`${root}stryker/${target}.config.json`, 'utf8'));
  console.log(`\nmutate ${target}: score ${score.toFixed(2)} % (${JSON.stringify(counts)})`);
  if (survivors.length > 0)
    console.log(`survivors (${survivors.length}):\n${survivors.join('\n')}`);
  return score >= (config.thresholds?.break ?? 0);
}

let ok = true;
for (const target of values.only === undefined ? TARGETS : [values.only]) {
  const result = spawnSync(process.execPath, [stryker, 'run', `stryker/${target}.config.json`], {
    stdio: 'inherit',
    cwd: root,
  });
  if (result.status !== 0 && result.status !== 1) {
    ok = false;
    continue;
  }
  if (!summarize(target)) ok = false;
}
process.exit(ok ? 0 : 1);
