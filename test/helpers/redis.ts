// A real Redis (Debian's redis-server) for the tests: started on a free
// loopback port without persistence, stopped by pid. kill() and restart()
// stage an outage on the same port.

import { type ChildProcess, spawn } from 'node:child_process';
import { createClient } from 'redis';
import { onFreePort, stopChild } from './proxies.ts';

export interface TestRedis {
  readonly port: number;
  /** redis://127.0.0.1:P */
  readonly url: string;
  /** Kills the process (SIGKILL by default), as a crash would. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Spawns redis-server on `port`; resolves once it accepts connections. */
function spawnRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not start on ${port}: ${output}`));
    }, 5000);
    child.stdout!.on('data', (d) => {
      output += d;
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code} on ${port}: ${output}`));
    });
  });
}

export async function startRedis(): Promise<TestRedis> {
  // The port is free when picked and taken by redis-server a moment later:
  // another process may take it in between, so a failed start picks again.
  let port = 0;
  const child = await onFreePort((p) => {
    port = p;
    return spawnRedis(p);
  });
  let current: ChildProcess = child;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: (signal = 'SIGKILL') => stopChild(current, signal),
    async restart() {
      current = await spawnRedis(port);
    },
    stop: () => stopChild(current, 'SIGTERM'),
  };
}

/** How many PUBLISH commands the Redis at `url` ran since it started. */
export async function publishCount(url: string): Promise<number> {
  const stats = createClient({ url });
  stats.on('error', () => {});
  await stats.connect();
  try {
    const info = await stats.info('commandstats');
    return Number(/cmdstat_publish:calls=(\d+)/.exec(info)?.[1] ?? 0);
  } finally {
    stats.destroy();
  }
}
