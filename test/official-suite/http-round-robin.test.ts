// The official protocol suite through HTTP proxies with no stickiness:
// HAProxy `balance roundrobin` in HTTP mode with `option http-no-delay`, and
// nginx round robin (streams unbuffered, upgrades passed), each in front of
// three test servers in any-node mode. Neither proxy passes all 68 tests
// even with one plain server behind it, because each parses the HTTP it
// forwards and frames it anew (PROXIES_OWN). So each proxy is run in front
// of one plain server too, and neither it nor any-node mode behind the proxy
// may fail any other test. Through HAProxy in TCP mode the suite
// passes 68/68 (any-node-round-robin.test.ts). Run by `npm run conformance
// -- --scale` (it needs the fetched suite).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import {
  type AnyNodeServer,
  type RoundRobinProxy,
  startAnyNodeServers,
  startRoundRobin,
} from '../helpers/any-node.ts';
import { type SpawnedTestServer, spawnTestServer } from '../helpers/cluster.ts';
import { stopChild } from '../helpers/proxies.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';

const RUNNER = new URL('../../../shared/conformance/run.sh', import.meta.url).pathname;
// The suite wants an absolute sockjs_url in the iframe page.
const SOCKJS_URL = ['--sockjs-url', 'http://127.0.0.1/sockjs.min.js'];

// What each proxy makes the suite fail with one plain server behind it
// (HAProxy 2.6 and nginx 1.22 from Debian 12):
// - the streaming transports read chunk by chunk (`test_transport`,
//   `test_response_limit`, `Http11.test_streaming`, and the close tests that
//   read a stream): the proxy forwards the bytes, not the chunk boundaries
//   the suite expects one read at a time;
// - `Websocket.test_haproxy`, a hixie-76 handshake: HAProxy refuses it (400:
//   its key body has no Content-Length); nginx passes it with its upstream's
//   name as Host, so the server's Sec-WebSocket-Location names that host;
// - HAProxy only: `WebsocketHttpErrors.test_invalidMethod` (a POST upgrade:
//   HAProxy answers 400 itself, where the server says 405), and
//   `HandlingClose.test_abort_xhr_polling`: HAProxy keeps a poll whose client
//   went away open to the server until the answer comes (as HTTP allows), so
//   the next poll finds the session still attached.
const BOTH_PROXIES = [
  'EventSource.test_response_limit',
  'EventSource.test_transport',
  'HandlingClose.test_abort_xhr_streaming',
  'HandlingClose.test_close_frame',
  'HandlingClose.test_close_request',
  'HtmlFile.test_response_limit',
  'HtmlFile.test_transport',
  'Http11.test_streaming',
  'Websocket.test_haproxy',
  'XhrStreaming.test_response_limit',
  'XhrStreaming.test_transport',
];
const PROXIES_OWN: Record<RoundRobinProxy, string[]> = {
  nginx: BOTH_PROXIES,
  haproxy: [
    ...BOTH_PROXIES,
    'HandlingClose.test_abort_xhr_polling',
    'WebsocketHttpErrors.test_invalidMethod',
  ],
};

let redis: TestRedis | undefined;
let plain: SpawnedTestServer | undefined;
let servers: AnyNodeServer[] = [];

before(async () => {
  redis = await startRedis();
  plain = await spawnTestServer(SOCKJS_URL);
  servers = await startAnyNodeServers(redis.url, 3, 2000, SOCKJS_URL);
});

after(async () => {
  if (plain !== undefined) await stopChild(plain.child, 'SIGKILL');
  await Promise.all(servers.map((s) => s.kill('SIGKILL')));
  await redis?.stop();
});

/** The suite through `proxy` in front of `ports`: the names of the tests that did not pass. */
async function failures(proxy: RoundRobinProxy, ports: number[]): Promise<string[]> {
  const front = await startRoundRobin(proxy, ports);
  try {
    const run = spawnSync('bash', [RUNNER, front.origin], { encoding: 'utf8', timeout: 600_000 });
    const lines = run.stdout.split('\n').filter(Boolean);
    const failed = [
      ...new Set(
        lines
          .map((l) => /^(?:FAIL|ERROR) +(\S+)/.exec(l)?.[1])
          .filter((name): name is string => name !== undefined),
      ),
    ];
    assert.equal(lines.at(-1), `${68 - failed.length} passed, ${failed.length} failed`, run.stderr);
    return failed.sort();
  } finally {
    await front.close();
  }
}

/** The names in `failed` that are not the proxy's own failures. */
const beyond = (proxy: RoundRobinProxy, failed: string[]) =>
  failed.filter((name) => !PROXIES_OWN[proxy].includes(name));

for (const proxy of ['haproxy', 'nginx'] as const) {
  test(`through ${proxy} round robin, three any-node servers fail none but the tests ${proxy} itself makes one plain server fail`, async () => {
    assert.ok(existsSync(RUNNER), `${RUNNER} is missing`);
    // Whether a proxy merges two chunks can depend on timing: a known test
    // may pass in one run, and is not required to fail.
    const alone = await failures(proxy, [plain!.port]);
    assert.deepEqual(beyond(proxy, alone), [], 'one plain server behind the proxy');
    assert.ok(alone.length > 0, `${proxy} passed the whole suite: PROXIES_OWN is out of date`);
    const anyNode = await failures(
      proxy,
      servers.map((s) => s.port),
    );
    assert.deepEqual(beyond(proxy, anyNode), [], 'three any-node servers behind the proxy');
  });
}
