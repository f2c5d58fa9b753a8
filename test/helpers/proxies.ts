// Reverse proxies in front of test servers, as deployments have them:
// nginx with its defaults (response buffering on, no WebSocket upgrade
// forwarding), which is what breaks websocket and streaming transports, and
// HAProxy, which can refuse or swallow upgrades and balance with a cookie.

import { type ChildProcess, spawn } from 'node:child_process';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Proxy {
  /** The proxy's base URL, http://127.0.0.1:P. */
  readonly origin: string;
  readonly port: number;
  readonly pid: number;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * Runs `start` on a port that was free when picked. Another process may
 * take it before `start` binds it (seen in CI as "Address already in use"),
 * so a failed start gets a new port, up to `attempts` times.
 */
export async function onFreePort<T>(start: (port: number) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await start(port);
    } catch (err) {
      if (attempt >= attempts) throw err;
    }
  }
}

/**
 * Whether process `pid` holds a socket listening on 127.0.0.1:`port`
 * (Linux: /proc/net/tcp for the socket, /proc/PID/fd for its owner). Unlike
 * a probe of the port, this cannot mistake someone else's socket for the
 * proxy's.
 */
export function listensOn(pid: number, port: number): boolean {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = new Set<string>();
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    // local_address, state 0A (LISTEN), inode
    if (fields[1] === local && fields[3] === '0A' && fields[9] !== undefined) inodes.add(fields[9]);
  }
  if (inodes.size === 0) return false;
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  return fds.some((fd) => {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      return target.startsWith('socket:[') && inodes.has(target.slice(8, -1));
    } catch {
      return false;
    }
  });
}

// What HAProxy and nginx print when the port is taken: no point waiting
// (nginx would retry the bind for 2.5 s), try another port.
const PORT_TAKEN = /Address already in use|cannot bind/i;

/**
 * Starts a proxy process that is to listen on 127.0.0.1:`port`; resolves
 * once it does, rejects when it exits or cannot bind first. Kills it on
 * close and removes `dir`.
 */
export async function spawnProxy(
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
  const end = Date.now() + 5000;
  try {
    for (;;) {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${command} exited with ${child.exitCode ?? child.signalCode}`);
      }
      if (PORT_TAKEN.test(stderr)) throw new Error(`${command} could not bind ${port}`);
      if (listensOn(child.pid, port)) break;
      if (Date.now() > end) throw new Error(`${command} did not start`);
      await new Promise((r) => setTimeout(r, 20));
    }
  } catch (err) {
    await stopChild(child, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(err as Error).message}: ${stderr}`);
  }
  const pid = child.pid;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    pid,
    async close() {
      await stopChild(child, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Stops a child by its pid; resolves once it exited (at once if it has). */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  return exited;
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

/**
 * HAProxy 2.6 (foreground, -db) on a free port with the config
 * `render(port)` gives; on another port if that one was taken meanwhile.
 */
export function runHaproxy(render: (port: number) => string): Promise<Proxy> {
  return onFreePort((port) => {
    const dir = mkdtempSync(join(tmpdir(), 'sockjs-haproxy-'));
    writeFileSync(join(dir, 'haproxy.cfg'), render(port));
    return spawnProxy(dir, port, '/usr/sbin/haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')]);
  });
}

/**
 * nginx 1.22 (foreground) on a free port with the config `render(port, dir)`
 * gives, `dir` being its own directory for the pid and temporary files; on
 * another port if that one was taken meanwhile.
 */
export function runNginx(render: (port: number, dir: string) => string): Promise<Proxy> {
  return onFreePort((port) => {
    const dir = mkdtempSync(join(tmpdir(), 'sockjs-nginx-'));
    const config = join(dir, 'nginx.conf');
    writeFileSync(config, render(port, dir));
    return spawnProxy(dir, port, '/usr/sbin/nginx', ['-p', dir, '-c', config, '-g', 'daemon off;']);
  });
}

/** HAProxy 2.6 (foreground, -db) in front of 127.0.0.1:backendPorts[i] (servers s0, s1, ...). */
export function startHaproxy(backendPorts: number[], config: HaproxyConfig): Promise<Proxy> {
  const isUpgrade = 'if { hdr(upgrade) -i websocket }';
  const rule = {
    pass: '',
    deny: `http-request deny deny_status 400 ${isUpgrade}`,
    tarpit: `timeout tarpit 30s\n  http-request tarpit ${isUpgrade}`,
  }[config.upgrade];
  const servers = backendPorts
    .map((p, i) => `  server s${i} 127.0.0.1:${p}${config.stickyCookie ? ` cookie s${i}` : ''}`)
    .join('\n');
  return runHaproxy(
    (port) => `global
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
}

/**
 * nginx 1.22 with default proxy settings in front of 127.0.0.1 on the given
 * port(s): round robin over several, or, with `stickySession`, hashed on the
 * session id in the URL (NGINX_SESSION_MAP and `hash $sockjs_session
 * consistent`).
 */
export function startNginx(
  backendPorts: number | readonly number[],
  { stickySession = false }: { stickySession?: boolean } = {},
): Promise<Proxy> {
  const ports = typeof backendPorts === 'number' ? [backendPorts] : backendPorts;
  return runNginx((port, dir) =>
    nginxConfig(dir, port, ports, {
      workerConnections: 128,
      http: stickySession ? NGINX_SESSION_MAP : '',
      upstream: stickySession ? 'hash $sockjs_session consistent;' : '',
      location: '',
    }),
  );
}

/**
 * An nginx.conf for a test: one worker, its files in `dir`, listening on
 * `port` and passing every request over HTTP/1.1 to the `backends`; `parts`
 * adds to the http block, the upstream and the location.
 */
export function nginxConfig(
  dir: string,
  port: number,
  backends: readonly number[],
  parts: { workerConnections: number; http: string; upstream: string; location: string },
): string {
  return `worker_processes 1;
error_log stderr error;
pid ${dir}/nginx.pid;
events { worker_connections ${parts.workerConnections}; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  ${parts.http}
  upstream sockjs {
    ${parts.upstream}
    ${backends.map((p) => `server 127.0.0.1:${p};`).join('\n    ')}
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://sockjs;
      proxy_http_version 1.1;
      ${parts.location}
    }
  }
}
`;
}
