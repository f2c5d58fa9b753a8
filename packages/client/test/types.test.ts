// Type tests: fixtures/api-types.ts must compile under strict settings, and
// every @ts-expect-error in it must be needed.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

test('the public API types accept right usage and reject wrong usage', { timeout: 60_000 }, () => {
  const pkg = fileURLToPath(new URL('..', import.meta.url));
  const tsc = fileURLToPath(new URL('../../../node_modules/typescript/bin/tsc', import.meta.url));
  const result = spawnSync(
    process.execPath,
    [
      tsc,
      '--noEmit',
      '--strict',
      '--noUncheckedIndexedAccess',
      '--target',
      'ES2022',
      '--module',
      'NodeNext',
      '--moduleResolution',
      'NodeNext',
      '--lib',
      'ES2022,DOM',
      '--types',
      'node',
      '--skipLibCheck',
      'test/fixtures/api-types.ts',
    ],
    { cwd: pkg, encoding: 'utf8' },
  );
  assert.equal(result.status, 0, result.stdout + result.stderr);
});
