#!/usr/bin/env node
// Runs every test file with Node's test runner (TypeScript through tsx).
// usage: node scripts/test.js [unit|e2e|all] [extra node --test flags]
// Unit tests live in packages/*/test; end-to-end tests in test/.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const which = process.argv[2] ?? 'all';

function collect(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name === 'dist' || name === 'fixtures') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (/\.test\.ts$/.test(name)) out.push(path);
  }
  return out;
}

const files = [];
if (which === 'unit' || which === 'all') {
  for (const pkg of readdirSync(join(root, 'packages')))
    collect(join(root, 'packages', pkg, 'test'), files);
}
if (which === 'e2e' || which === 'all') collect(join(root, 'test'), files);
files.sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', ...process.argv.slice(3), ...files],
  { stdio: 'inherit', cwd: root },
);
process.exit(result.status ?? 1);
