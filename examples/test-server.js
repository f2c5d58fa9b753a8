#!/usr/bin/env node
import cluster from 'node:cluster';
// The conformance test server: the services the SockJS protocol suite and the
// client tests expect, under one base URL.
//
// usage: node examples/test-server.js [--port 8081] [--host 127.0.0.1] [--sockjs-url URL] [--http1]
//                                     [--redis redis://127.0.0.1:6379] [--heartbeat MS] [--any-node]
//                                     [--workers N] [--trace]
//
// --http1 serves with the server's own HTTP/1.1 layer (createHttp1Server)
// instead of node:http. --redis makes /broadcast one channel across every
// test server on that Redis (through @sockjs-ts/redis); without it
// /broadcast reaches this process's sessions only. GET /health answers 200
// (503 while stopping), for load balancers. --heartbeat sets heartbeat_delay
// (default 25,000 ms), so that tests see a dead server sooner. --any-node
// (with --redis) runs every service in any-node mode: several test servers
// behind a balancer without stickiness serve the sessions of each other.
// --workers N (with --redis) forks N workers of Node's cluster module on
// the one port, in any-node mode: the module hands each connection to the
// next worker, so the requests of a session land on different workers.
// --trace prints, on stdout, every session that closed with another code
// than 1000 and what the servers log at 'info' and 'error' (in any-node
// mode: registry failures, nodes found gone, forwards left unanswered).
import diagnostics_channel from 'node:diagnostics_channel';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { CHANNELS, createHttp1Server, createServer } from '@sockjs-ts/server';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8081' },
    host: { type: 'string', default: '127.0.0.1' },
    'sockjs-url': { type: 'string' },
    http1: { type: 'boolean', default: false },
    redis: { type: 'string' },
    heartbeat: { type: 'string' },
    'any-node': { type: 'boolean', default: false },
    workers: { type: 'string', default: '1' },
    trace: { type: 'boolean', default: false },
  },
});

const workers = Number(values.workers);
if (!Number.isInteger(workers) || workers < 1) {
  console.error('--workers takes a whole number of at least 1');
  process.exit(2);
}
if (workers > 1 && cluster.isPrimary) {
  if (values.redis === undefined) {
    console.error('--workers needs --redis URL (the workers run in any-node mode)');
    process.exit(2);
  }
  // The primary only forks, passes the workers' first line on, and stops them.
  let announced = false;
  for (let i = 0; i < workers; i++) {
    const worker = cluster.fork();
    worker.on('message', (line) => {
      if (announced) return;
      announced = true;
      console.log(line);
    });
  }
  const stopAll = () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  cluster.on('exit', () => {
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  });
  process.on('SIGINT', stopAll);
  process.on('SIGTERM', stopAll);
} else {
  await serve();
}

async function serve() {
  /** A broker on the given Redis, or none. */
  async function brokerFor(url) {
    if (url === undefined) return undefined;
    const [{ createClient }, { redisBroker }] = await Promise.all([
      import('redis'),
      import('@sockjs-ts/redis'),
    ]);
    const client = createClient({ url });
    // node-redis reconnects by itself; the broker counts what failed meanwhile.
    client.on('error', () => {});
    await client.connect();
    const broker = redisBroker({ client, key: 'sockjs:test-server' });
    // Said where a test run shows it: /broadcast lost publishes it could not replay.
    broker.on('gap', ({ publisher, missed }) =>
      console.error(
        `test-server: /broadcast gap: ${missed} publishes of ${publisher} not delivered`,
      ),
    );
    broker.on('dropped', (count) =>
      console.error(`test-server: /broadcast outbox full: ${count} publishes dropped`),
    );
    return { broker, client };
  }
  const redis = await brokerFor(values.redis);
  const anyNodeMode = values['any-node'] || workers > 1;
  if (anyNodeMode && redis === undefined) {
    console.error('--any-node needs --redis URL');
    process.exit(2);
  }
  const { redisSessions } = anyNodeMode ? await import('@sockjs-ts/redis') : {};

  /** Any-node mode for one service (the same service on every test server shares a prefix), or none. */
  const anyNode = (service) =>
    redisSessions
      ? {
          cluster: redisSessions({
            client: redis.client,
            prefix: `sockjs:test-server:${service}:`,
          }),
        }
      : {};

  if (values.trace) {
    diagnostics_channel.subscribe(CHANNELS.sessionClose, (m) => {
      if (m.code !== 1000) {
        console.log(`trace: ${m.prefix} ${m.id} ${m.transport} closed ${m.code} ${m.reason}`);
      }
    });
  }
  const common = {
    ...(values.trace
      ? {
          log: (severity, message) => {
            if (severity !== 'debug') console.log(`trace: ${severity} ${message}`);
          },
        }
      : {}),
    ...(values['sockjs-url'] ? { sockjs_url: values['sockjs-url'] } : {}),
    ...(values.heartbeat ? { heartbeat_delay: Number(values.heartbeat) } : {}),
  };
  // A balancer in front keeps idle connections to the server and reuses
  // them; the server keeps an idle connection open longer than the balancer
  // does (nginx's upstream keepalive_timeout is 60 s), so the balancer is the
  // one that closes it, never the server just as a request goes out on it
  // (docs/proxies.md, "Idle connections").
  const keepAliveTimeout = 65_000;
  const server = values.http1
    ? createHttp1Server({ keepAliveTimeout })
    : http.createServer({ keepAliveTimeout });
  // A request under none of the prefixes ends here (the listeners that
  // installHandlers finds are its fallback).
  server.removeAllListeners('request');
  server.on('request', (_req, res) => {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('404 - not a SockJS prefix\n');
  });

  const echo = createServer({ ...common, ...anyNode('echo') });
  echo.on('connection', (conn) => {
    conn.on('data', (m) => conn.write(m));
  });
  echo.installHandlers(server, { prefix: '/echo', response_limit: 4096 });
  echo.installHandlers(server, { prefix: '/disabled_websocket_echo', websocket: false });
  echo.installHandlers(server, { prefix: '/cookie_needed_echo', jsessionid: true });

  const close = createServer({ ...common, ...anyNode('close') });
  close.on('connection', (conn) => conn.close(3000, 'Go away!'));
  close.installHandlers(server, { prefix: '/close' });

  const ticker = createServer({ ...common, ...anyNode('ticker') });
  ticker.on('connection', (conn) => {
    const timer = setInterval(() => conn.write('tick!'), 1000);
    conn.on('close', () => clearInterval(timer));
  });
  ticker.installHandlers(server, { prefix: '/ticker' });

  const amplify = createServer({ ...common, ...anyNode('amplify') });
  amplify.on('connection', (conn) => {
    conn.on('data', (m) => {
      const n = Math.floor(Number(m));
      conn.write('x'.repeat(2 ** (n >= 1 && n <= 18 ? n : 1)));
    });
  });
  amplify.installHandlers(server, { prefix: '/amplify' });

  // Every message to every session of /broadcast: of this process, or with
  // --redis of every test server on that Redis.
  const broadcast = createServer({
    ...common,
    ...anyNode('broadcast'),
    broker: redis?.broker,
    health_path: '/health',
  });
  broadcast.on('connection', (conn) => {
    conn.on('data', (m) => broadcast.broadcast(m));
  });
  broadcast.installHandlers(server, { prefix: '/broadcast' });

  server.listen(Number(values.port), values.host, () => {
    const { address, port } = server.address();
    const line = `sockjs-ts test server listening on http://${address}:${port}`;
    // A worker tells the primary, which prints it once for all.
    if (cluster.isWorker) process.send?.(line);
    else console.log(line);
  });

  const sockets = new Set();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  // Graceful stop: every session gets 1001 on its transport, in-flight
  // responses finish, then the HTTP server closes. It keeps accepting until
  // then: a polling client's next request, behind a proxy often on a new
  // connection, must still reach this process to get its close frame (new
  // sessions meanwhile get 503, which a proxy retries elsewhere).
  async function stop() {
    await Promise.all([echo, close, ticker, amplify, broadcast].map((s) => s.close()));
    server.close();
    await redis?.client.close();
    if (values.http1) {
      for (const socket of sockets) socket.destroy();
    } else {
      server.closeAllConnections();
    }
    process.exit(0);
  }
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
