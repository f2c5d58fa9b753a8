// Test servers in any-node mode (examples/test-server.js --redis URL
// --any-node), each in a process of its own on a port of its choosing,
// stopped by pid; the round-robin proxies in front of them; and the echo
// scenario that the client tests run through them, in Node and in a page.

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createClient } from 'redis';
import { renderDeployConfig } from '../../examples/deploy/render.js';
import { spawnTestServer, withoutStickTable } from './cluster.ts';
import { request } from './http-client.ts';
import {
  nginxConfig,
  type Proxy as RunningProxy,
  runHaproxy,
  runNginx,
  startHaproxy,
  stopChild,
} from './proxies.ts';
import { sleep } from './timing.ts';

export interface AnyNodeServer {
  readonly port: number;
  readonly pid: number;
  /** Resolves when the process has exited, with its code or signal. */
  readonly exited: Promise<number | string>;
  /** What it wrote to stderr so far. */
  errors(): string;
  /** What it wrote to stdout and stderr so far (with --trace: its abnormal closes and any-node log). */
  output(): string;
  /** SIGKILL: a crash. SIGTERM: the test server's graceful stop. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Starts one test server in any-node mode on `redisUrl`; resolves once it listens. */
export async function startAnyNodeServer(
  redisUrl: string,
  heartbeatMs?: number,
  extraArgs: readonly string[] = [],
): Promise<AnyNodeServer> {
  const args = ['--redis', redisUrl, '--any-node', ...extraArgs];
  if (heartbeatMs !== undefined) args.push('--heartbeat', String(heartbeatMs));
  const { child, port, exited, errors, output } = await spawnTestServer(args);
  // It listens before its Redis subscriber is ready, and answers 503 until then.
  try {
    await untilAvailable(port, 'ready', 250, 20);
  } catch (err) {
    await stopChild(child as ChildProcess, 'SIGKILL');
    throw err;
  }
  return {
    port,
    pid: child.pid!,
    exited,
    errors,
    output,
    kill: (signal) => stopChild(child as ChildProcess, signal),
  };
}

/**
 * Resolves once a new session opens on the any-node server at `port`: until
 * its Redis side is ready it answers 503, and anything else fails.
 */
export async function untilAvailable(
  port: number,
  tag: string,
  attempts: number,
  pauseMs: number,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const r = await request(port, `/echo/000/${tag}${process.pid}x${port}x${attempt}/xhr`, {
      method: 'POST',
      timeout: 5000,
    });
    if (r.body === 'o\n') return;
    assert.equal(r.status, 503, 'anything but a new session is 503 while Redis is away');
    assert.ok(
      attempt < attempts,
      `any-node mode on port ${port} not available after ${attempts} tries`,
    );
    await sleep(pauseMs);
  }
}

/** Starts `count` of them; if one fails, stops those that started. */
export async function startAnyNodeServers(
  redisUrl: string,
  count: number,
  heartbeatMs?: number,
  extraArgs: readonly string[] = [],
): Promise<AnyNodeServer[]> {
  const started = await Promise.allSettled(
    Array.from({ length: count }, () => startAnyNodeServer(redisUrl, heartbeatMs, extraArgs)),
  );
  const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(servers.map((s) => s.kill('SIGKILL')));
    throw (failed as PromiseRejectedResult).reason;
  }
  return servers;
}

export type RoundRobinProxy = 'haproxy' | 'nginx';

/**
 * HAProxy `balance roundrobin` with http-no-delay, or nginx round robin set
 * up for SockJS (streams unbuffered, websocket upgrades passed, no retry of
 * a request elsewhere), in front of `ports`: no stickiness either way.
 */
export function startRoundRobin(kind: RoundRobinProxy, ports: number[]): Promise<RunningProxy> {
  return kind === 'haproxy'
    ? startHaproxy(ports, { upgrade: 'pass', noDelay: true })
    : runNginx((port, dir) =>
        nginxConfig(dir, port, ports, {
          workerConnections: 1024,
          http: "map $http_upgrade $connection_upgrade { default upgrade; '' ''; }",
          upstream: '',
          location: `proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 120s;
      proxy_next_upstream off;`,
        }),
      );
}

/**
 * HAProxy `balance roundrobin` in `mode tcp`: each connection to the next
 * server, bytes passed as they come. The conformance suite opens a
 * connection per request, so the requests of one session go round robin,
 * and nothing rewrites what it checks byte for byte (HTTP mode merges the
 * chunks of a stream and refuses hixie-76 and odd upgrade requests, with
 * any server behind it).
 */
export function startTcpRoundRobin(ports: number[]): Promise<RunningProxy> {
  return runHaproxy(
    (port) => `global
  maxconn 256
defaults
  mode tcp
  timeout connect 2s
  timeout client 60s
  timeout server 60s
frontend fe
  bind 127.0.0.1:${port}
  default_backend be
backend be
  balance roundrobin
${ports.map((p, i) => `  server s${i} 127.0.0.1:${p}`).join('\n')}
`,
  );
}

/**
 * examples/deploy/haproxy.cfg (health checks on /health, a refused
 * connection or a 503 retried on another server, http-no-delay) with its
 * session-id hashing and stick table replaced by `balance roundrobin`, and no retry of a
 * request whose answer never came: what a deployment without stickiness
 * looks like.
 */
export function startDeployRoundRobin(ports: number[]): Promise<RunningProxy> {
  return runHaproxy((port) => {
    const config = renderDeployConfig('haproxy', {
      listen: `127.0.0.1:${port}`,
      backends: ports.map((p) => `127.0.0.1:${p}`),
    });
    // A request whose answer was lost may have been forwarded already (a
    // send delivered at its owner): it must not be sent again. Refused
    // connections and 503 (not forwarded) are still retried.
    const roundRobin = withoutStickTable(config)
      .replace(/^\s*balance hash .*$/m, '  balance roundrobin')
      .replace(/^\s*hash-type consistent$/m, '')
      .replace(/^(\s*retry-on conn-failure) empty-response (503)$/m, '$1 $2');
    if (
      !roundRobin.includes('balance roundrobin') ||
      roundRobin.includes('hash-type') ||
      roundRobin.includes('empty-response')
    ) {
      throw new Error('examples/deploy/haproxy.cfg changed: nothing to make round robin');
    }
    return roundRobin;
  });
}

/** Round robin, or for comparison HAProxy sticky by session id (docs/proxies.md), where nothing is forwarded. */
export type Balancer = RoundRobinProxy | 'haproxy sticky';

export function startBalancer(kind: Balancer, ports: number[]): Promise<RunningProxy> {
  return kind === 'haproxy sticky'
    ? startHaproxy(ports, { upgrade: 'pass', noDelay: true, stickySession: true })
    : startRoundRobin(kind, ports);
}

export const balancerName = (kind: Balancer) =>
  kind === 'haproxy sticky' ? kind : `${kind} round robin`;

/**
 * How many PUBLISH commands a Redis has run (INFO commandstats): each
 * forwarded hop is one, so a count that grew says requests were forwarded.
 */
export async function publishCounter(
  redisUrl: string,
): Promise<{ count(): Promise<number>; close(): void }> {
  const client = createClient({ url: redisUrl });
  client.on('error', () => {});
  await client.connect();
  return {
    async count() {
      const info = await client.info('commandstats');
      return Number(/cmdstat_publish:calls=(\d+)/.exec(info)?.[1] ?? 0);
    },
    close: () => client.destroy(),
  };
}

export type PublishCounter = Awaited<ReturnType<typeof publishCounter>>;

/**
 * One case of the any-node client tests: a balancer of `kind` in front of
 * `servers`, then `run(origin)`, which resolves with what went wrong in each
 * session that broke; then checks that none broke, that no server wrote to
 * stderr, and that Redis's PUBLISH count moved: some requests were forwarded
 * through round robin (unless `forwards` is false: a websocket session has
 * one connection, nothing to forward), none through sticky routing.
 */
export async function checkEchoThrough(
  kind: Balancer,
  servers: readonly AnyNodeServer[],
  publishes: PublishCounter,
  run: (origin: string) => Promise<string[]>,
  forwards = true,
): Promise<void> {
  const proxy = await startBalancer(
    kind,
    servers.map((s) => s.port),
  );
  const publishedBefore = await publishes.count();
  try {
    const broken = await run(proxy.origin);
    assert.deepEqual(broken, [], `${broken.length} sessions broke`);
  } finally {
    await proxy.close();
  }
  for (const s of servers) assert.equal(s.errors(), '');
  const forwarded = (await publishes.count()) - publishedBefore;
  if (!forwards || kind === 'haproxy sticky') assert.equal(forwarded, 0);
  else assert.ok(forwarded > 0, 'nothing was forwarded');
}

/** What ANY_NODE_ECHO_SCENARIO takes. */
export interface EchoLoad {
  url: string;
  transport: string;
  /** Sessions open at once. */
  sessions: number;
  /** Messages each way per session. */
  messages: number;
  /** Sent in bursts of this many, each once the one before came back... */
  burst: number;
  /** ...but for the last `singles`, one at a time, each after the echo of the one before. */
  singles: number;
  /** Per session, in ms; a session still going then counts as broken. */
  deadlineMs: number;
  /** SockJS options (the transports option is set to [transport]). */
  options: Record<string, unknown>;
}

/**
 * (SockJS, EchoLoad) => Promise<string[]>, as source text, so that one
 * scenario runs on the Node clients and in a page: opens the sessions at
 * once on one transport; each sends 'm0', 'm1', ... (a burst goes out as
 * one or two requests, a single as one), then 'end', and checks as they
 * come that the echoes are exactly those, in order: none twice, none lost.
 * Resolves with what went wrong in each session that broke (none: []).
 */
export const ANY_NODE_ECHO_SCENARIO = `async (SockJS, load) => {
  const { url, transport, sessions, messages, burst, singles, deadlineMs, options } = load;
  const session = () => new Promise((resolve) => {
    const sock = new SockJS(url, null, { ...options, transports: [transport] });
    let sent = 0;
    let echoed = 0;
    const finish = (problem) => {
      clearTimeout(timer);
      sock.onmessage = null;
      sock.onclose = null;
      sock.close();
      resolve(problem);
    };
    const timer = setTimeout(() => finish('deadline: ' + echoed + ' of ' + messages + ' echoed'), deadlineMs);
    const sendMore = () => {
      if (sent === messages) return sock.send('end');
      const count = sent < messages - singles ? Math.min(burst, messages - singles - sent) : 1;
      for (let i = 0; i < count; i++) sock.send('m' + sent++);
    };
    sock.onopen = () => {
      if (sock.transport !== transport) finish('opened on ' + sock.transport);
      else sendMore();
    };
    sock.onmessage = (e) => {
      if (e.data === 'end' && echoed === messages) return finish(null);
      if (e.data !== 'm' + echoed) return finish('echo ' + echoed + ' was ' + JSON.stringify(e.data));
      echoed++;
      if (echoed === sent) sendMore();
    };
    sock.onclose = (e) => finish('closed ' + e.code + ' ' + e.reason + ' after ' + echoed + ' echoes');
  });
  const problems = await Promise.all(Array.from({ length: sessions }, session));
  return problems.filter((p) => p !== null);
}`;
