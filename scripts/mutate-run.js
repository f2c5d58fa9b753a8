#!/usr/bin/env node
// The test command of the server's mutation run (stryker/server.config.json):
// runs each test file given in its own `node --test` process, all at once,
// and exits 1 as soon as one of them fails, stopping the others; 0 once all
// passed. Stryker's command runner reads only the exit code, so a mutant is
// known killed at its first failing file instead of after every file.
// usage: node scripts/mutate-run.js <test file>...
import { spawn } from 'node:child_process';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node scripts/mutate-run.js <test file>...');
  process.exit(2);
}

// Each in a process group of its own, so that stopping it stops the file's
// test process too (`node --test` runs each file in a child).
const children = files.map((file) =>
  spawn(process.execPath, ['--import', 'tsx', '--test', '--test-force-exit', file], {
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  }),
);
const stopAll = () => {
  for (const child of children) {
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
let running = children.length;
for (const [i, child] of children.entries()) {
  child.on('exit', (code) => {
    if (code !== 0) {
      console.error(`mutate-run: ${files[i]} failed (exit ${code})`);
      stopAll();
      process.exit(1);
    }
    if (--running === 0) process.exit(0);
  });
}
