// Type tests: fixtures/api-types.ts must compile under strict settings, and
// every @ts-expect-error in it must be needed.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { typecheckFixture } from '../../../test/helpers/typecheck.js';

test('the public API types accept right usage and reject wrong usage', { timeout: 60_000 }, () => {
  const pkg = fileURLToPath(new URL('..', import.meta.url));
  const { status, output } = typecheckFixture(pkg, 'test/fixtures/api-types.ts');
  assert.equal(status, 0, output);
});
