// A rolling restart brings the stopped node back. Sessions opened while it
// was away live on the others; once it is back, the proxy's consistent hash
// points about a third of them at it again. Three test servers on one Redis
// behind each of examples/deploy's proxies: node3 stopped (SIGTERM, its
// sockjs.close()), 60 xhr-polling sessions opened through the proxy, node3
// started again on its port and taken back into use, every session echoing
// all along:
// - HAProxy with the recipe's stick table: every session stays on its node;
// - nginx (open source, no stick table) with the nodes in any-node mode:
//   the requests that now reach node3 are forwarded to the session's node.
// Each has its control, the same run without what saves it (the stick
// table, any-node mode), where sessions do break: that is what the two
// settings are for, and what shows this test can see a break.

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { renderDeployConfig } from '../../examples/deploy/render.js';
import { untilAvailable } from '../helpers/any-node.ts';
import {
  type SpawnedTestServer,
  sessionsOn,
  spawnTestServer,
  startDeployProxy,
  withoutStickTable,
} from '../helpers/cluster.ts';
import { request } from '../helpers/http-client.ts';
import { type Proxy as RunningProxy, runHaproxy, stopChild } from '../helpers/proxies.ts';
import { publishCount, startRedis, type TestRedis } from '../helpers/redis.ts';
import { sleep } from '../helpers/timing.ts';

const SESSIONS = 60;
const ECHOES = 3;
const ECHO_EVERY_MS = 200;

type Setup = 'haproxy' | 'haproxy without stick table' | 'nginx any-node' | 'nginx sticky only';

interface Deployment {
  readonly redis: TestRedis;
  readonly proxy: RunningProxy;
  readonly nodes: SpawnedTestServer[];
  readonly args: readonly string[];
}

const running: Deployment[] = [];

after(async () => {
  for (const d of running) await stop(d);
});

async function stop(d: Deployment): Promise<void> {
  await d.proxy.close();
  await Promise.all(d.nodes.map((n) => stopChild(n.child as ChildProcess, 'SIGKILL')));
  await d.redis.stop();
}

async function startNode(args: readonly string[], port = 0): Promise<SpawnedTestServer> {
  const node = await spawnTestServer([...args, '--port', String(port)]);
  try {
    // In any-node mode it answers 503 until its Redis side is ready.
    await untilAvailable(node.port, 'ready', 250, 20);
  } catch (err) {
    await stopChild(node.child as ChildProcess, 'SIGKILL');
    throw err;
  }
  return node;
}

async function deploy(setup: Setup): Promise<Deployment> {
  const redis = await startRedis();
  const args = ['--redis', redis.url, ...(setup === 'nginx any-node' ? ['--any-node'] : [])];
  const started = await Promise.allSettled([1, 2, 3].map(() => startNode(args)));
  const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const backends = nodes.map((n) => `127.0.0.1:${n.port}`);
  let proxy: RunningProxy;
  try {
    const failed = started.find((s) => s.status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
    if (setup === 'haproxy without stick table') {
      proxy = await runHaproxy((port) =>
        withoutStickTable(renderDeployConfig('haproxy', { listen: `127.0.0.1:${port}`, backends })),
      );
    } else {
      proxy = await startDeployProxy(setup.startsWith('haproxy') ? 'haproxy' : 'nginx', backends);
    }
  } catch (err) {
    await Promise.all(nodes.map((n) => stopChild(n.child as ChildProcess, 'SIGKILL')));
    await redis.stop();
    throw err;
  }
  const d = { redis, proxy, nodes, args };
  running.push(d);
  return d;
}

const path = (id: string, what: string) => `/echo/000/${id}/${what}`;

/** Opens an xhr-polling session through the proxy. */
async function open(d: Deployment, id: string): Promise<void> {
  const r = await request(d.proxy.port, path(id, 'xhr'), { method: 'POST', timeout: 10_000 });
  assert.equal(r.body, 'o\n', `session ${id} opened through the proxy`);
}

/** One echo of the session through the proxy: null when whole, else what went wrong. */
async function echo(d: Deployment, id: string, n: number): Promise<string | null> {
  const body = `["${id} ${n}"]`;
  const sent = await request(d.proxy.port, path(id, 'xhr_send'), {
    method: 'POST',
    body,
    timeout: 10_000,
  });
  const polled = await request(d.proxy.port, path(id, 'xhr'), { method: 'POST', timeout: 10_000 });
  if (sent.status === 204 && polled.body === `a${body}\n`) return null;
  return `${id}: send ${sent.status}, poll ${polled.status} ${JSON.stringify(polled.body.slice(0, 40))}`;
}

/**
 * node3 stopped, SESSIONS sessions opened without it, each echoing every
 * ECHO_EVERY_MS (as a polling client keeps its session alive), node3 back
 * and in use again: what broke before each session echoed ECHOES times
 * more.
 */
async function rejoin(setup: Setup): Promise<{ broken: string[] }> {
  const d = await deploy(setup);
  const node3 = d.nodes[2]!;
  const port = node3.port;
  await stopChild(node3.child as ChildProcess, 'SIGTERM');
  await node3.exited;
  const ids = Array.from({ length: SESSIONS }, (_, i) => `${setup.replace(/\W/g, '')}${i}`);
  await Promise.all(ids.map((id) => open(d, id)));

  const broken: string[] = [];
  let inUse = false;
  const sessions = ids.map(async (id) => {
    let after = 0;
    for (let n = 1; after < ECHOES; n++) {
      const wrong = await echo(d, id, n);
      if (wrong !== null) {
        broken.push(wrong);
        return;
      }
      if (inUse) after++;
      await sleep(ECHO_EVERY_MS);
    }
  });

  try {
    const back = await startNode(d.args, port);
    d.nodes[2] = back;
    // The proxy takes it back once it notices (HAProxy: two good health
    // checks a second apart; nginx: its fail_timeout of 5 s runs out): until
    // a new session lands on it, which a third of them do.
    const deadline = Date.now() + 20_000;
    for (let probe = 0; !inUse; probe++) {
      assert.ok(Date.now() < deadline, 'the proxy never sent a new session to node3 again');
      const r = await request(d.proxy.port, `/broadcast/000/probe${probe}/xhr`, {
        method: 'POST',
        timeout: 10_000,
      });
      assert.equal(r.body, 'o\n');
      inUse = ((await sessionsOn(back.port)) ?? 0) > 0;
      if (!inUse) await sleep(100);
    }
  } finally {
    inUse = true;
    await Promise.all(sessions);
  }
  return { broken };
}

describe('a stopped node comes back: sessions opened while it was away', () => {
  test('HAProxy (examples/deploy/haproxy.cfg): none moves, thanks to the stick table', async () => {
    const { broken } = await rejoin('haproxy');
    assert.deepEqual(broken, []);
  });

  test('control: HAProxy without the stick table moves some of them, and they break', async (t) => {
    const { broken } = await rejoin('haproxy without stick table');
    t.diagnostic(`${broken.length} of ${SESSIONS} broke: ${broken.slice(0, 3).join('; ')}`);
    assert.ok(broken.length > 0, 'no session moved to node3 without the stick table');
  });

  test('nginx (examples/deploy/nginx.conf), nodes in any-node mode: what reaches node3 is forwarded, none breaks', async () => {
    const before = running.length;
    const { broken } = await rejoin('nginx any-node');
    assert.deepEqual(broken, []);
    const d = running[before]!;
    assert.ok((await publishCount(d.redis.url)) > 0, 'nothing was forwarded');
  });

  test('control: nginx with sticky-only nodes moves some of them, and they break', async (t) => {
    const { broken } = await rejoin('nginx sticky only');
    t.diagnostic(`${broken.length} of ${SESSIONS} broke: ${broken.slice(0, 3).join('; ')}`);
    assert.ok(broken.length > 0, 'no session moved to node3 under nginx');
  });
});
