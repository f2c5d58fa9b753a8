// Test servers in any-node mode (examples/test-server.js --redis URL
// --any-node), each in a process of its own on a port of its choosing,
// stopped by pid; and the round-robin proxies in front of them.

import type { ChildProcess } from 'node:child_process';
import { renderDeployConfig } from '../../examples/deploy/render.js';
import { spawnTestServer } from './cluster.ts';
import {
  type Proxy as RunningProxy,
  runHaproxy,
  runNginx,
  startHaproxy,
  stopChild,
} from './proxies.ts';

export interface AnyNodeServer {
  readonly port: number;
  readonly pid: number;
  /** Resolves when the process has exited, with its code or signal. */
  readonly exited: Promise<number | string>;
  /** What it wrote to stderr so far. */
  errors(): string;
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
  const { child, port, exited, errors } = await spawnTestServer(args);
  return {
    port,
    pid: child.pid!,
    exited,
    errors,
    kill: (signal) => stopChild(child as ChildProcess, signal),
  };
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
    : runNginx(
        (port, dir) => `worker_processes 1;
error_log stderr error;
pid ${dir}/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
  upstream sockjs {
    ${ports.map((p) => `server 127.0.0.1:${p};`).join('\n    ')}
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://sockjs;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 120s;
      proxy_next_upstream off;
    }
  }
}
`,
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
 * session-id hashing replaced by `balance roundrobin`, and no retry of a
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
    const roundRobin = config
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
