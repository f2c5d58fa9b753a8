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

test('bench: websocket echo with one session gives a row with messages', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sockjs-bench-'));
  try {
    const file = join(dir, 'result.json');
    const run = spawnSync(
      process.execPath,
      [
        'bench/run.js',
        '--only',
        '^echo websocket 32 B × 1$',
        '--contenders',
        'sockjs-ts',
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
    assert.match(run.stdout, /\| echo websocket 32 B × 1 \| sockjs-ts \|/);
    const { results } = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(results.length, 1);
    const [row] = results[0].rows;
    assert.equal(row.server, 'sockjs-ts');
    assert.equal(row.opened, 1);
    assert.ok(row.count > 0, 'messages were echoed');
    assert.ok(row.p50 > 0 && row.p99 >= row.p50, 'latency percentiles are ordered');
    assert.ok(row.peakRss > 0, 'peak RSS was read');
    assert.equal(row.errors, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
