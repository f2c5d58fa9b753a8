// Node's cluster module in any-node mode (issue 15), run by `npm run
// conformance -- --scale` (it needs the fetched suite): the test server with
// --workers 2 forks two workers on one port; the module hands each new
// connection to the next worker, and the protocol suite opens one per
// request, so the requests of its sessions land on both. The suite passes
// 68/68, and Redis's PUBLISH count shows that requests were forwarded.

import assert from 'node:assert/strict';
import { type ChildProcess, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { spawnTestServer } from '../helpers/cluster.ts';
import { stopChild } from '../helpers/proxies.ts';
import { publishCount, startRedis, type TestRedis } from '../helpers/redis.ts';

const RUNNER = new URL('../../../shared/conformance/run.sh', import.meta.url).pathname;

let redis: TestRedis;
let primary: ChildProcess | undefined;
let port = 0;

before(async () => {
  redis = await startRedis();
  const server = await spawnTestServer([
    '--workers',
    '2',
    '--redis',
    redis.url,
    '--sockjs-url',
    'http://127.0.0.1/sockjs.min.js',
  ]);
  primary = server.child;
  port = server.port;
});

after(async () => {
  // SIGTERM: the primary stops its workers, then exits.
  if (primary !== undefined) await stopChild(primary, 'SIGTERM');
  await redis.stop();
});

test('the protocol suite passes 68/68 against two cluster workers on one port', async () => {
  assert.ok(existsSync(RUNNER), `${RUNNER} is missing`);
  const run = spawnSync('bash', [RUNNER, `http://127.0.0.1:${port}`], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  const lines = run.stdout.split('\n').filter(Boolean);
  assert.deepEqual(
    lines.filter((l) => /^(FAIL|ERROR) /.test(l)),
    [],
  );
  assert.equal(lines.at(-1), '68 passed, 0 failed');
  assert.ok((await publishCount(redis.url)) > 0, 'no request was forwarded between the workers');
});
