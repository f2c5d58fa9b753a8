// The official protocol suite (68 tests) against three test servers in
// any-node mode (examples/test-server.js --redis URL --any-node) on one real
// Redis, through HAProxy balance roundrobin in TCP mode: the suite opens a
// connection per request, so the requests of each session land on the three
// nodes in turn. It needs the suite fetched (../shared/conformance/README.md),
// so it runs with `npm run conformance -- --scale`, not in `npm test`.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import {
  type AnyNodeServer,
  startAnyNodeServers,
  startTcpRoundRobin,
} from '../helpers/any-node.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';

const RUNNER = new URL('../../../shared/conformance/run.sh', import.meta.url).pathname;

let redis: TestRedis;
let servers: AnyNodeServer[] = [];

before(async () => {
  redis = await startRedis();
  servers = await startAnyNodeServers(redis.url, 3, 2000, [
    // The suite wants an absolute sockjs_url in the iframe page.
    '--sockjs-url',
    'http://127.0.0.1/sockjs.min.js',
  ]);
});

after(async () => {
  await Promise.all(servers.map((s) => s.kill('SIGKILL')));
  await redis.stop();
});

test('the protocol suite passes 68/68 through round robin in front of three any-node servers', async () => {
  assert.ok(existsSync(RUNNER), `${RUNNER} is missing`);
  const proxy = await startTcpRoundRobin(servers.map((s) => s.port));
  try {
    const run = spawnSync('bash', [RUNNER, proxy.origin], { encoding: 'utf8', timeout: 600_000 });
    const lines = run.stdout.split('\n').filter(Boolean);
    assert.deepEqual(
      lines.filter((l) => /^(FAIL|ERROR) /.test(l)),
      [],
    );
    assert.equal(lines.at(-1), '68 passed, 0 failed', run.stderr);
  } finally {
    await proxy.close();
  }
});
