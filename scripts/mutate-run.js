#!/usr/bin/env node
// The test command of the server's mutation run (stryker/server.config.mjs):
// runs the test files given, each in its own `node --test` process, at most
// `--jobs` at a time (in the order given: put those that catch the most
// first), and exits 1 as soon as one fails, stopping the others; 0 once all
// passed. Stryker's command runner reads only the exit code, so a mutant is
// known killed at its first failing file instead of after every file.
// usage: node scripts/mutate-run.js [--jobs N] <test file>...
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values, positionals: files } = parseArgs({
  options: { jobs: { type: 'string' } },
  allowPositionals: true,
});
const jobs = Number(values.jobs ?? files.length);
if (files.length === 0 || !(jobs >= 1)) {
  console.error('usage: node scripts/mutate-run.js [--jobs N] <test file>...');
  process.exit(2);
}

/** Longer than any test of the lists takes on a loaded machine. */
const TEST_TIMEOUT_MS = 30_000;

const running = new Set();
// Each in a process group of its own, so that stopping it stops the file's
// test process too (`node --test` runs each file in a child).
const stopAll = () => {
  for (const child of running) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
  }
};
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopAll();
    process.exit(1);
  });
}

let next = 0;
const start = () => {
  const file = files[next++];
  // A mutant that makes a test hang (a response never sent) fails that test
  // after TEST_TIMEOUT_MS, well before Stryker's own timeout for the run.
  const args = [
    '--import',
    'tsx',
    '--test',
    '--test-force-exit',
    `--test-timeout=${TEST_TIMEOUT_MS}`,
  ];
  const child = spawn(process.execPath, [...args, file], {
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  running.add(child);
  child.on('exit', (code) => {
    running.delete(child);
    if (code !== 0) {
      console.error(`mutate-run: ${file} failed (exit ${code})`);
      stopAll();
      process.exit(1);
    }
    if (next < files.length) start();
    else if (running.size === 0) process.exit(0);
  });
};
while (next < Math.min(jobs, files.length)) start();
