// A whole deployment on loopback, as examples/deploy/ describes it: one
// Redis, N test servers (examples/test-server.js --redis) and HAProxy or
// nginx in front, configured by the very files of examples/deploy/. Each
// part runs in a process of its own, on a free port, stopped by pid.
// scripts/cluster.js (npm run cluster) starts the same thing by hand.

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { renderDeployConfig } from '../../examples/deploy/render.js';
import { type Proxy as RunningProxy, runHaproxy, runNginx, stopChild } from './proxies.ts';
import { startRedis, type TestRedis } from './redis.ts';

export type ProxyKind = 'haproxy' | 'nginx';

export interface ClusterOptions {
  proxy: ProxyKind;
  /** How many test servers (default 3). */
  nodes?: number;
  /** The test servers' heartbeat_delay in ms (their default: 25,000). */
  heartbeatMs?: number;
}

export interface ClusterNode {
  readonly port: number;
  /** http://127.0.0.1:P, straight to this node, past the proxy. */
  readonly origin: string;
  readonly pid: number;
  /** Resolves when the process has exited, with its code or signal. */
  readonly exited: Promise<number | string>;
  /** What it wrote to stderr so far. */
  errors(): string;
  /** SIGKILL: a crash. SIGTERM: the test server's graceful stop (sockjs.close()). */
  kill(signal: NodeJS.Signals): Promise<void>;
}

export interface Cluster {
  /** The proxy's base URL: where clients connect. */
  readonly url: string;
  readonly redis: TestRedis;
  readonly nodes: readonly ClusterNode[];
  readonly proxy: RunningProxy;
  /**
   * Stops everything still running, each by its pid: the proxy, the nodes
   * (SIGKILL unless told otherwise; SIGTERM stops them gracefully), Redis.
   */
  stop(nodeSignal?: NodeJS.Signals): Promise<void>;
}

const TEST_SERVER = fileURLToPath(new URL('../../examples/test-server.js', import.meta.url));

/** A test server process that listens. */
export interface SpawnedTestServer {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<number | string>;
  /** What it wrote to stderr so far. */
  errors(): string;
  /** What it wrote to stdout and stderr so far. */
  output(): string;
}

/**
 * Starts examples/test-server.js with `args` (after the script) on a port of
 * its choosing (--port 0); resolves once it listens, fails if it exits first
 * or takes more than 10 s.
 */
export async function spawnTestServer(args: readonly string[]): Promise<SpawnedTestServer> {
  const child = spawn(process.execPath, [TEST_SERVER, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  let output = '';
  let stderr = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail('did not start in 10 s'), 10_000);
    function fail(why: string) {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`test server ${why}: ${output}`));
    }
    child.stderr!.on('data', (d) => {
      output += d;
      stderr += d;
    });
    child.stdout!.on('data', (d) => {
      output += d;
      const listening = /listening on http:\/\/[\d.]+:(\d+)/.exec(output);
      if (listening) {
        clearTimeout(timer);
        resolve(Number(listening[1]));
      }
    });
    void exited.then((how) => fail(`exited (${how})`));
  });
  return { child, port, exited, errors: () => stderr, output: () => output };
}

/** Starts one test server on a port of its choosing (--port 0); resolves once it listens. */
async function startNode(redisUrl: string, heartbeatMs: number | undefined): Promise<ClusterNode> {
  const args = ['--redis', redisUrl];
  if (heartbeatMs !== undefined) args.push('--heartbeat', String(heartbeatMs));
  const { child, port, exited, errors } = await spawnTestServer(args);
  return {
    port,
    errors,
    origin: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    exited,
    kill: (signal) => stopChild(child as ChildProcess, signal),
  };
}

/** Starts Redis, the nodes, then the proxy in front of them. */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const redis = await startRedis();
  const nodes: ClusterNode[] = [];
  let proxy: RunningProxy | undefined;
  const stop = async (nodeSignal: NodeJS.Signals = 'SIGKILL') => {
    await proxy?.close();
    await Promise.all(nodes.map((n) => n.kill(nodeSignal)));
    await redis.stop();
  };
  try {
    const count = options.nodes ?? 3;
    // Every start settles before a failure is thrown, so that the nodes that
    // did start are stopped with the rest.
    const started = await Promise.allSettled(
      Array.from({ length: count }, () => startNode(redis.url, options.heartbeatMs)),
    );
    for (const result of started) if (result.status === 'fulfilled') nodes.push(result.value);
    const failed = started.find(
      (result): result is PromiseRejectedResult => result.status === 'rejected',
    );
    if (failed) throw failed.reason;
    proxy = await startDeployProxy(
      options.proxy,
      nodes.map((n) => `127.0.0.1:${n.port}`),
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: proxy.origin, redis, nodes, proxy, stop };
}

/** HAProxy or nginx with examples/deploy/'s config, in front of `backends` (host:port). */
export function startDeployProxy(
  kind: ProxyKind,
  backends: readonly string[],
): Promise<RunningProxy> {
  return kind === 'haproxy'
    ? runHaproxy((port) => renderDeployConfig('haproxy', { listen: `127.0.0.1:${port}`, backends }))
    : runNginx((port, dir) =>
        renderDeployConfig('nginx', { listen: `127.0.0.1:${port}`, backends, dir }),
      );
}

/**
 * examples/deploy/haproxy.cfg rendered without its stick table (the
 * `stick-table` and `stick on` lines); fails if it has none.
 */
export function withoutStickTable(config: string): string {
  const unstuck = config.replace(/^\s*stick(-table| on) .*$/gm, '');
  if (unstuck === config || unstuck.includes('stick')) {
    throw new Error('examples/deploy/haproxy.cfg changed: no stick table to take out');
  }
  return unstuck;
}

/** A test server's open /broadcast sessions, from its health URL; null once it does not answer 200. */
export async function sessionsOn(port: number): Promise<number | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`);
    const body = (await res.json()) as { sessions: number };
    return res.status === 200 ? body.sessions : null;
  } catch {
    return null;
  }
}
