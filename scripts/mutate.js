#!/usr/bin/env node
// Mutation testing with StrykerJS and its command runner: each mutant of the
// product code is run against the tests that should catch it, and one that
// no test fails "survived". Prints the score and the survivors of each
// target, file:line, mutator and replacement.
//
// usage: npm run mutate -- [--only protocol|server] [--group NAME]... [--stale] [--report]
//   protocol  packages/protocol/src against its unit and property tests
//             (stryker/protocol.config.json; a few minutes)
//   server    the server's session, limit and transport modules against the
//             socket tests that exercise them, in groups
//             (stryker/server.config.mjs: each group's modules run only its
//             test files, through scripts/mutate-run.js, which stops at the
//             first file that fails; one Stryker run per group, hours in all
//             on a 2-core machine). --group runs only the groups named.
//   --stale   runs only the groups (and protocol) whose record is missing or
//             stale, so that a whole run can be completed in parts
//   --report  runs nothing: prints the score of the records as they are
//
// Each run leaves a record in stryker/records/ (committed): the commit it
// ran on, its counts and its survivors. A record is current while nothing it
// depends on (the product's sources, the tests and helpers its runs use, the
// mutation configuration, the lockfile) differs from that commit in the
// working tree; the score counts current records only, and names the stale
// ones and what changed. Stryker's own reports go to reports/mutation/.
// Exits non-zero when a score is below its target (90 % and 85 %), or when
// a record of the target is missing or stale.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { changedSince as changedSinceIn, treeState as treeStateIn } from './mutation-records.js';

const TARGETS = { protocol: 90, server: 85 };
const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    group: { type: 'string', multiple: true },
    stale: { type: 'boolean', default: false },
    report: { type: 'boolean', default: false },
  },
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

/** What a run's outcome depends on, besides the files it mutates (which are under these). */
const DEPENDS = {
  protocol: [
    'packages/protocol/src',
    'packages/protocol/test',
    'test/helpers/seeds.ts',
    'stryker/protocol.config.json',
  ],
  server: [
    'packages/protocol/src',
    'packages/server/src',
    'packages/redis/src',
    'packages/server/test',
    'test/helpers',
    'test/hardening',
    'examples/test-server.js',
    'scripts/mutate-run.js',
    'stryker/server.config.mjs',
  ],
};
const COMMON = [
  'package.json',
  'package-lock.json',
  'tsconfig.base.json',
  'packages/protocol/package.json',
  'packages/server/package.json',
  'packages/redis/package.json',
];

/** One Stryker run: a target, or a group of the server's. */
const units = {
  protocol: { target: 'protocol', config: 'stryker/protocol.config.json', env: {} },
};
for (const name of Object.keys(GROUPS)) {
  units[`server-${name}`] = {
    target: 'server',
    config: 'stryker/server.config.mjs',
    env: { MUTATE_GROUP: name },
  };
}
const recordPath = (unit) => `${root}stryker/records/${unit}.json`;
const reportPath = (unit) => `${root}reports/mutation/${unit}.json`;

/** The paths of `target`'s dependencies that differ between `commit` and the working tree. */
const changedSince = (target, commit) =>
  changedSinceIn(root, [...DEPENDS[target], ...COMMON], commit);

/** Reads Stryker's JSON report of a unit's run into its record. */
function record(unit, before) {
  const { target } = units[unit];
  const report = JSON.parse(readFileSync(reportPath(unit), 'utf8'));
  const counts = {};
  const survivors = [];
  for (const [file, { mutants }] of Object.entries(report.files)) {
    for (const m of mutants) {
      counts[m.status] = (counts[m.status] ?? 0) + 1;
      if (m.status === 'Survived' || m.status === 'NoCoverage') {
        const at = `${file}:${m.location.start.line}:${m.location.start.column}`;
        survivors.push(`${at} ${m.mutatorName}: ${JSON.stringify(m.replacement ?? '')}`);
      }
    }
  }
  // Stryker copied the work tree when it started: the record is of that
  // tree, and counts only if what the run depends on was a commit's then
  // and still is now (other commits meanwhile do not matter).
  const dirty = [...new Set([...before.dirty, ...changedSince(target, before.commit)])];
  const entry = {
    unit,
    commit: before.commit,
    // Run on uncommitted changes: never current.
    dirty: dirty.length > 0 ? dirty : undefined,
    node: process.version,
    started: before.at.toISOString(),
    minutes: Math.round((Date.now() - before.at.getTime()) / 6000) / 10,
    files: Object.keys(report.files).sort(),
    counts,
    survivors,
  };
  mkdirSync(`${root}stryker/records`, { recursive: true });
  writeFileSync(recordPath(unit), `${JSON.stringify(entry, null, 2)}\n`);
}

/** A unit's record, and whether it is current (null: none yet). */
function loadRecord(unit) {
  if (!existsSync(recordPath(unit))) return null;
  const entry = JSON.parse(readFileSync(recordPath(unit), 'utf8'));
  const changed = entry.dirty ?? changedSince(units[unit].target, entry.commit);
  return { entry, changed };
}

function isCurrent(unit) {
  const loaded = loadRecord(unit);
  return loaded !== null && loaded.changed.length === 0;
}

/** Score and survivors over a target's current records; true if it meets its target. */
function summarize(target) {
  const counts = {};
  const survivors = [];
  let complete = true;
  for (const unit of Object.keys(units).filter((u) => units[u].target === target)) {
    const loaded = loadRecord(unit);
    if (loaded === null) {
      console.log(`mutate ${unit}: no record yet (run it)`);
      complete = false;
      continue;
    }
    const { entry, changed } = loaded;
    const ran = `on ${entry.commit.slice(0, 7)}, ${entry.started}, ${entry.minutes} min`;
    if (changed.length > 0) {
      const what = changed.slice(0, 5).join(', ') + (changed.length > 5 ? ', ...' : '');
      console.log(`mutate ${unit}: stale (ran ${ran}; changed since: ${what})`);
      complete = false;
      continue;
    }
    console.log(`mutate ${unit}: current (ran ${ran})`);
    for (const [status, n] of Object.entries(entry.counts))
      counts[status] = (counts[status] ?? 0) + n;
    survivors.push(...entry.survivors.map((s) => `  ${s}`));
  }
  const detected = (counts.Killed ?? 0) + (counts.Timeout ?? 0);
  const valid = detected + (counts.Survived ?? 0) + (counts.NoCoverage ?? 0);
  const score = valid === 0 ? 0 : (100 * detected) / valid;
  const scope = complete ? 'the whole target' : 'the current records only';
  console.log(
    `\nmutate ${target}: score ${score.toFixed(2)} % over ${scope} (${JSON.stringify(counts)}; target ${TARGETS[target]} %)`,
  );
  if (survivors.length > 0)
    console.log(`survivors (${survivors.length}):\n${survivors.join('\n')}`);
  return complete && score >= TARGETS[target];
}

const treeState = (target) => treeStateIn(root, [...DEPENDS[target], ...COMMON]);

function run(unit) {
  const { config, env, target } = units[unit];
  // A report left by an earlier run must not pass for this one's.
  rmSync(reportPath(unit), { force: true });
  const before = treeState(target);
  const result = spawnSync(process.execPath, [stryker, 'run', config], {
    stdio: 'inherit',
    cwd: root,
    env: { ...process.env, ...env },
  });
  // 0, or 1 when the protocol's score is under its `break` threshold; any
  // other failure leaves no report.
  const ran = (result.status === 0 || result.status === 1) && existsSync(reportPath(unit));
  if (ran) record(unit, before);
  else console.error(`mutate ${unit}: Stryker failed (exit ${result.status}); no record`);
  return ran;
}

/** The server's tests import the protocol's build (its package exports point at dist/). */
function build() {
  const result = spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit', cwd: root });
  if (result.status !== 0) {
    console.error('mutate: the build failed');
    process.exit(1);
  }
}

let ok = true;
const targets = values.only === undefined ? Object.keys(TARGETS) : [values.only];
if (!values.report) {
  build();
  const chosen = [];
  if (targets.includes('protocol') && values.group === undefined) chosen.push('protocol');
  if (targets.includes('server')) {
    for (const name of values.group ?? Object.keys(GROUPS)) chosen.push(`server-${name}`);
  }
  for (const unit of chosen) {
    if (values.stale && isCurrent(unit)) {
      console.log(`mutate ${unit}: current, not run again (--stale)`);
      continue;
    }
    console.log(`\nmutate ${unit}`);
    if (!run(unit)) ok = false;
  }
}
for (const target of targets) if (!summarize(target)) ok = false;
process.exit(ok ? 0 : 1);
