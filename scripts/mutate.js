#!/usr/bin/env node
// Mutation testing with StrykerJS and its command runner: each mutant of the
// product code is run against the tests that should catch it, and one that
// no test fails "survived". Prints Stryker's report, then the score and the
// survivors of each target, file:line, mutator and replacement.
//
// usage: npm run mutate -- [--only protocol|server] [--group NAME]...
//   protocol  packages/protocol/src against its unit and property tests
//             (stryker/protocol.config.json; a few minutes)
//   server    the server's session, limit and transport modules against the
//             socket tests that exercise them, in groups
//             (stryker/server.config.mjs: each group's modules run only its
//             test files, through scripts/mutate-run.js, which stops at the
//             first file that fails; one Stryker run per group, hours in all
//             on a 2-core machine). --group runs only the groups named; the
//             server's score counts every group's latest report.
// Without --only both run, protocol first. Reports: reports/mutation/.
// Exits non-zero when a score is below its target (90 % and 85 %).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const TARGETS = { protocol: 90, server: 85 };
const { values } = parseArgs({
  options: { only: { type: 'string' }, group: { type: 'string', multiple: true } },
});
if (values.only !== undefined && !(values.only in TARGETS)) {
  console.error(`--only takes one of: ${Object.keys(TARGETS).join(', ')}`);
  process.exit(2);
}
const root = new URL('..', import.meta.url).pathname;
const stryker = `${root}node_modules/@stryker-mutator/core/bin/stryker.js`;
const { GROUPS } = await import(`${root}stryker/server.config.mjs`);
for (const name of values.group ?? []) {
  if (!(name in GROUPS)) {
    console.error(`--group takes: ${Object.keys(GROUPS).join(', ')}`);
    process.exit(2);
  }
}

/** Score and survivors over Stryker's JSON reports (mutation-testing-report-schema). */
function summarize(target, reports) {
  const counts = {};
  const survivors = [];
  for (const path of reports) {
    if (!existsSync(path)) {
      console.log(`mutate ${target}: no report ${path} yet (run that group)`);
      continue;
    }
    const report = JSON.parse(readFileSync(path, 'utf8'));
    for (const [file, { mutants }] of Object.entries(report.files)) {
      for (const m of mutants) {
        counts[m.status] = (counts[m.status] ?? 0) + 1;
        if (m.status === 'Survived' || m.status === 'NoCoverage') {
          const at = `${file}:${m.location.start.line}:${m.location.start.column}`;
          survivors.push(`  ${at} ${m.mutatorName}: ${JSON.stringify(m.replacement ?? '')}`);
        }
      }
    }
  }
  const detected = (counts.Killed ?? 0) + (counts.Timeout ?? 0);
  const valid = detected + (counts.Survived ?? 0) + (counts.NoCoverage ?? 0);
  const score = valid === 0 ? 100 : (100 * detected) / valid;
  console.log(`\nmutate ${target}: score ${score.toFixed(2)} % (${JSON.stringify(counts)})`);
  if (survivors.length > 0)
    console.log(`survivors (${survivors.length}):\n${survivors.join('\n')}`);
  return score >= TARGETS[target];
}

function run(config, env = {}) {
  const result = spawnSync(process.execPath, [stryker, 'run', config], {
    stdio: 'inherit',
    cwd: root,
    env: { ...process.env, ...env },
  });
  return result.status === 0 || result.status === 1;
}

let ok = true;
const targets = values.only === undefined ? Object.keys(TARGETS) : [values.only];
if (targets.includes('protocol')) {
  if (!run('stryker/protocol.config.json')) ok = false;
  else if (!summarize('protocol', [`${root}reports/mutation/protocol.json`])) ok = false;
}
if (targets.includes('server')) {
  for (const name of values.group ?? Object.keys(GROUPS)) {
    console.log(`\nmutate server, group ${name}: ${GROUPS[name].mutate.join(' ')}`);
    if (!run('stryker/server.config.mjs', { MUTATE_GROUP: name })) ok = false;
  }
  const reports = Object.keys(GROUPS).map((g) => `${root}reports/mutation/server-${g}.json`);
  if (!summarize('server', reports)) ok = false;
}
process.exit(ok ? 0 : 1);
