#!/usr/bin/env node
// Starts the conformance test server on a free loopback port, runs the
// official SockJS protocol suite against it (../shared/conformance/run.sh)
// and exits with the suite's status (`--scale`: against several processes).
// The suite itself must have been fetched and prepared (see
// ../shared/conformance/README.md).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const runner = process.env.SOCKJS_CONFORMANCE_RUN ?? `${root}../shared/conformance/run.sh`;
if (!existsSync(runner)) {
  console.error(`conformance: ${runner} not found`);
  process.exit(2);
}

// --scale: the suite against several processes (test/official-suite: three
// any-node servers behind round robin in HAProxy's TCP mode, in its HTTP mode
// and in nginx, two cluster workers on one port), as tests over real Redis,
// HAProxy and nginx.
if (process.argv.includes('--scale')) {
  const suite = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-force-exit',
      '--test-concurrency=1',
      `${root}test/official-suite/any-node-round-robin.test.ts`,
      `${root}test/official-suite/any-node-workers.test.ts`,
      `${root}test/official-suite/http-round-robin.test.ts`,
    ],
    { stdio: 'inherit', cwd: root },
  );
  process.exit(suite.status ?? 2);
}

// --http1: the server runs on its own HTTP/1.1 layer instead of node:http.
const extra = process.argv.includes('--http1') ? ['--http1'] : [];
// --port 0: the server takes a free port and says which.
const server = spawn(
  process.execPath,
  [`${root}examples/test-server.js`, '--port', '0', ...extra],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const port = await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.setEncoding('utf8').on('data', (chunk) => {
    out += chunk;
    const listening = /listening on http:\/\/[\d.]+:(\d+)/.exec(out);
    if (listening) resolve(Number(listening[1]));
  });
  server.once('exit', (code) => reject(new Error(`test server exited with ${code}: ${out}`)));
});
const result = spawnSync('bash', [runner, `http://127.0.0.1:${port}`], { stdio: 'inherit' });
server.kill('SIGTERM');
process.exit(result.status ?? 2);
