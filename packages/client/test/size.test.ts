// The size budget: full client ≤ 6 KB gzip, WebSocket-only ≤ 2 KB gzip,
// full client with ReconnectingSockJS ≤ 7 KB gzip.

import assert from 'node:assert/strict';
import { test } from 'node:test';
// @ts-expect-error plain JS build scripts without declarations
import { bundle } from '../scripts/bundle.js';
// @ts-expect-error plain JS build scripts without declarations
import { BUDGETS, sizeOf } from '../scripts/size.js';

test('bundles stay within their gzip budgets', { timeout: 30_000 }, async () => {
  await bundle();
  for (const [path, budget] of Object.entries(BUDGETS as Record<string, number>)) {
    const { gzip } = sizeOf(path) as { gzip: number };
    assert.ok(gzip <= budget, `${path}: ${gzip} bytes gzip > ${budget}`);
  }
});
