#!/usr/bin/env node
// Runs every test file with Node's test runner (TypeScript through tsx).
// usage: node scripts/test.js [unit|e2e|all] [extra node --test flags]
// Unit tests live in packages/*/test; end-to-end tests in test/.
//
// Nothing here can hang CI: a test file gets FILE_LIMIT_MS in all (the
// runner cancels it and kills its process), a file whose tests are done exits
// even if something it opened is still alive (--test-force-exit), and both
// runs of the runner together get RUN_LIMIT_MS before the process group of
// the one still going is killed and the run fails.
import { spawn } from 'node:child_process';
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
    // test/official-suite needs the fetched protocol suite: `npm run conformance -- --scale`.
    if (name === 'official-suite') continue;
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
const FILE_LIMIT_MS = 10 * 60_000;
const RUN_LIMIT_MS = 25 * 60_000;
const deadline = Date.now() + RUN_LIMIT_MS;
const FLAGS = [
  '--import',
  'tsx',
  '--test',
  '--test-concurrency=2',
  `--test-timeout=${FILE_LIMIT_MS}`,
  '--test-force-exit',
];

/** Runs the test runner on `paths`; resolves with its exit status. */
function runTests(paths, env = process.env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...FLAGS, ...process.argv.slice(3), ...paths], {
      stdio: 'inherit',
      cwd: root,
      env,
      detached: true,
    });
    const limit = setTimeout(() => {
      console.error(`\n# test run still going after ${RUN_LIMIT_MS / 60_000} min: killed`);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }, deadline - Date.now());
    // Ctrl-C or a CI cancel reaches the runner's process group too.
    const forward = (signal) => {
      try {
        process.kill(-child.pid, signal);
      } catch {}
    };
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (code, signal) => {
      clearTimeout(limit);
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

const status = await runTests(files);
if (status !== 0) process.exit(status);

// The HTTP-level server suites once more, on the server's own HTTP/1.1 layer
// (createHttp1Server) instead of node:http: SOCKJS_TEST_HTTP1=1 makes their
// helpers start it. The client suites run against both already.
const HTTP1_SUITES = [
  'packages/server/test/http-routes.test.ts',
  'packages/server/test/http-transports.test.ts',
  'packages/server/test/sessions.test.ts',
  'packages/server/test/timers.test.ts',
  'packages/server/test/websocket.test.ts',
  'packages/server/test/faults.test.ts',
  'packages/server/test/lingering.test.ts',
  'packages/server/test/resume.test.ts',
  'packages/server/test/resume-timers.test.ts',
  'test/hardening/faults.test.ts',
  'test/hardening/fuzz-live.test.ts',
  'test/hardening/shutdown.test.ts',
  'test/hardening/origins.test.ts',
  'test/hardening/observability.test.ts',
];
const again = HTTP1_SUITES.map((f) => join(root, f)).filter((f) => files.includes(f));
if (again.length > 0) {
  console.log(`\n# the HTTP-level suites again, on createHttp1Server (${again.length} files)`);
  process.exit(await runTests(again, { ...process.env, SOCKJS_TEST_HTTP1: '1' }));
}
process.exit(0);
