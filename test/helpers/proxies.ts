// Reverse proxies in front of test servers, as deployments have them:
// nginx with its defaults (response buffering on, no WebSocket upgrade
// forwarding), which is what breaks websocket and streaming transports, and
// HAProxy, which can refuse or swallow upgrades and balance with a cookie.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Proxy {
  /** The proxy's base URL, http://127.0.0.1:P. */
  readonly origin: string;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const end = Date.now() + 5000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`proxy exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createServer().listen(port, '127.0.0.1');
      socket.on('listening', () => socket.close(() => resolve(false)));
      socket.on('error', () => resolve(true));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error('proxy did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts a proxy process that listens on `port` once ready; kills it on close. */
async function spawnProxy(
  dir: string,
  port: number,
  command: string,
  args: string[],
): Promise<Proxy> {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  try {
    await waitForPort(port, child);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}: ${stderr}`);
  }
  return {
    origin: `http://127.0.0.1:${port}`,
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface HaproxyConfig {
  /** What happens to WebSocket upgrade requests: forwarded, refused with 400, or held unanswered. */
  upgrade: 'pass' | 'deny' | 'tarpit';
  /** Balance round robin and stick with `cookie JSESSIONID prefix nocache`. */
  stickyCookie?: boolean;
  /** `option http-no-delay`: without it HAProxy may hold a small streamed chunk ~200 ms (MSG_MORE). */
  noDelay?: boolean;
  /**
   * Stick by the session id in the URL: `balance hash path,field(-2,/)` with
   * `hash-type consistent` (the recipe of docs/proxies.md) instead of round robin.
   */
  stickySession?: boolean;
}

/** The nginx `map` that takes the session id out of a SockJS session URL (docs/proxies.md). */
export const NGINX_SESSION_MAP = `map $uri $sockjs_session {
    "~/[^/.]+/([^/.]+)/(xhr|xhr_send|xhr_streaming|eventsource|htmlfile|jsonp|jsonp_send|websocket)$" $1;
  }`;

/** HAProxy 2.6 (foreground, -db) in front of 127.0.0.1:backendPorts[i] (servers s0, s1, ...). */
export async function startHaproxy(backendPorts: number[], config: HaproxyConfig): Promise<Proxy> {
  const dir = mkdtempSync(join(tmpdir(), 'sockjs-haproxy-'));
  const port = await freePort();
  const isUpgrade = 'if { hdr(upgrade) -i websocket }';
  const rule = {
    pass: '',
    deny: `http-request deny deny_status 400 ${isUpgrade}`,
    tarpit: `timeout tarpit 30s\n  http-request tarpit ${isUpgrade}`,
  }[config.upgrade];
  const servers = backendPorts
    .map((p, i) => `  server s${i} 127.0.0.1:${p}${config.stickyCookie ? ` cookie s${i}` : ''}`)
    .join('\n');
  writeFileSync(
    join(dir, 'haproxy.cfg'),
    `global
  maxconn 256
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  timeout tunnel 1h
  ${config.noDelay ? 'option http-no-delay' : ''}
frontend fe
  bind 127.0.0.1:${port}
  ${rule}
  default_backend be
backend be
  ${config.stickySession ? 'balance hash path,field(-2,/)\n  hash-type consistent' : 'balance roundrobin'}
  ${config.stickyCookie ? 'cookie JSESSIONID prefix nocache' : ''}
${servers}
`,
  );
  return spawnProxy(dir, port, '/usr/sbin/haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')]);
}

/**
 * nginx 1.22 with default proxy settings in front of 127.0.0.1 on the given
 * port(s): round robin over several, or, with `stickySession`, hashed on the
 * session id in the URL (NGINX_SESSION_MAP and `hash $sockjs_session
 * consistent`).
 */
export async function startNginx(
  backendPorts: number | readonly number[],
  { stickySession = false }: { stickySession?: boolean } = {},
): Promise<Proxy> {
  const ports = typeof backendPorts === 'number' ? [backendPorts] : backendPorts;
  const dir = mkdtempSync(join(tmpdir(), 'sockjs-nginx-'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
error_log stderr error;
pid ${dir}/nginx.pid;
events { worker_connections 128; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  ${stickySession ? NGINX_SESSION_MAP : ''}
  upstream sockjs {
    ${stickySession ? 'hash $sockjs_session consistent;' : ''}
    ${ports.map((p) => `server 127.0.0.1:${p};`).join('\n    ')}
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://sockjs;
      proxy_http_version 1.1;
    }
  }
}
`,
  );
  return spawnProxy(dir, port, '/usr/sbin/nginx', [
    '-p',
    dir,
    '-c',
    join(dir, 'nginx.conf'),
    '-g',
    'daemon off;',
  ]);
}
