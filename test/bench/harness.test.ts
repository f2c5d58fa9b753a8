// Smoke test of the benchmark harness: one tiny scenario against our server
// for about a second, checking that the harness produces a sane row. It says
// nothing about speed; the figures are not compared with anything.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const root = new URL('../..', import.meta.url).pathname;

/** One `bench/run.js` run of the scenarios `only` matches, 1 round of 1 s: its output and results. */
function runBench(only: string, contenders: string) {
  const dir = mkdtempSync(join(tmpdir(), 'sockjs-bench-'));
  try {
    const file = join(dir, 'result.json');
    const run = spawnSync(
      process.execPath,
      [
        'bench/run.js',
        '--only',
        only,
        '--contenders',
        contenders,
        '--rounds',
        '1',
        '--measure-ms',
        '1000',
        '--json',
        file,
      ],
      { cwd: root, encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(run.status, 0, run.stderr);
    const { results } = JSON.parse(readFileSync(file, 'utf8'));
    return { stdout: run.stdout, stderr: run.stderr, results };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runScenario(scenario: string, contenders: string) {
  const { stdout, results } = runBench(`^${scenario}$`, contenders);
  assert.equal(results.length, 1);
  return { stdout, rows: results[0].rows };
}

function assertSane(row: Record<string, number | string>, server: string, sessions: number) {
  assert.equal(row.server, server);
  assert.equal(row.opened, sessions);
  assert.ok(Number(row.count) > 0, `${server}: messages were echoed`);
  assert.ok(Number(row.p50) > 0 && Number(row.p99) >= Number(row.p50), 'ordered percentiles');
  assert.ok(Number(row.peakRss) > 0, 'peak RSS was read');
  assert.equal(row.errors, 0);
}

test('bench: websocket echo with one session gives a row with messages', () => {
  const { stdout, rows } = runScenario('echo websocket 32 B × 1', 'sockjs-ts');
  assert.match(stdout, /\| echo websocket 32 B × 1 \| sockjs-ts \|/);
  assertSane(rows[0], 'sockjs-ts', 1);
});

test("bench: the HTTP load client drives xhr-streaming and polling, ours and the anchors'", () => {
  // The load generator's own HTTP/1.1 client (bench/lib/http-client.js):
  // chunked streams, Content-Length answers, 204s and keep-alive reuse.
  for (const [scenario, contenders] of [
    ['echo xhr-streaming 32 B × 100', 'sockjs-ts,sockjs-node'],
    ['echo eventsource 32 B × 1', 'sockjs-ts'],
    ['echo xhr-polling 32 B × 100', 'sockjs-ts,engine.io,plain-http'],
  ] as const) {
    const { rows } = runScenario(scenario, contenders);
    const servers = contenders.split(',');
    assert.equal(rows.length, servers.length, scenario);
    const sessions = Number(scenario.split('× ')[1]);
    for (const [i, row] of rows.entries()) assertSane(row, servers[i]!, sessions);
  }
});

test("bench: an open-loop row runs at the offered rate measured on sockjs-node, and logs each round's p99", () => {
  const scenario = 'open 60% echo websocket 32 B × 100';
  const { stderr, results } = runBench(`^${scenario}$`, 'sockjs-ts');
  // sockjs-node's saturated row first (the rate), then the open-loop row.
  assert.deepEqual(
    results.map((g: { name: string }) => g.name),
    ['echo websocket 32 B × 100', scenario],
  );
  const saturated = results[0].rows[0];
  const row = results[1].rows[0];
  assert.equal(saturated.server, 'sockjs-node');
  assertSane(row, 'sockjs-ts', 100);
  assert.ok(Math.abs(row.offered - saturated.rate * 0.6) < 1, 'offered 60 % of the anchor');
  const { slow } = row.raw[0];
  assert.equal(typeof slow.count, 'number');
  assert.ok(slow.count <= row.count);
  assert.match(stderr, new RegExp(`${scenario} \\| sockjs-ts \\| .* \\| p99 [\\d.]+ ms`));
});

test('bench: a bad option stops at once with exit code 2 and the usage, not a stack trace', () => {
  for (const bad of [['--bogus'], ['--rounds', 'x'], ['--contenders', 'nope'], ['--only', '(']]) {
    const run = spawnSync(process.execPath, ['bench/run.js', ...bad], {
      cwd: root,
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(run.status, 2, `${bad.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, /usage: npm run bench/, bad.join(' '));
    assert.doesNotMatch(run.stderr, /\n\s+at /, `${bad.join(' ')}: a stack trace`);
  }
  const help = spawnSync(process.execPath, ['bench/run.js', '--help'], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--contenders/);
});
