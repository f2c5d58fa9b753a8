#!/usr/bin/env node
// The demo: a chat between browser tabs over sockjs-ts (our server, our
// client), showing the transport in use and the round trip, with a choice to
// force any transport. `npm start` builds everything and runs it.
//
// usage: node examples/demo.js [--port 8080] [--host localhost] [--workers N [--redis URL]]
//
// --port 0 listens on a free port; the URL printed names it.
//
// --workers N runs N workers of Node's cluster module on the one port (one
// per core is the usual choice), in any-node mode on Redis (--redis, default
// $REDIS_URL or redis://127.0.0.1:6379): each request may reach any worker,
// and chat lines reach every worker's tabs through the Redis broker.
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { createServer } from '@sockjs-ts/server';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '8080' },
    host: { type: 'string', default: 'localhost' },
    workers: { type: 'string', default: '1' },
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
  },
});

const workers = Number(values.workers);
if (!Number.isInteger(workers) || workers < 1) {
  console.error('sockjs-ts demo: --workers takes a whole number of at least 1.');
  process.exit(1);
}
/** Says where the demo runs: the port listened on (--port 0 takes a free one; workers share it). */
function announce(port) {
  const url = `http://${values.host}:${port}/`;
  console.log(`sockjs-ts demo running on ${url}`);
  console.log('Open it in two browser tabs and chat between them.');
  console.log(
    'The header shows the transport in use and the round trip; the menu forces a transport.',
  );
  console.log(
    `The SockJS endpoint itself is ${url}chat (try: curl ${url}chat/info). Ctrl-C stops.`,
  );
}

if (workers > 1 && cluster.isPrimary) {
  // The primary only forks; the module hands each connection to a worker.
  for (let i = 0; i < workers; i++) cluster.fork();
  let listening = 0;
  cluster.on('listening', (_worker, address) => {
    if (++listening === workers) announce(address.port);
  });
  cluster.once('exit', (_worker, code) => {
    if (code !== 0) process.exitCode = code ?? 1;
  });
  const stopAll = () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  process.on('SIGINT', stopAll);
  process.on('SIGTERM', stopAll);
} else {
  await serve();
}

/** Any-node mode and a broker on Redis, for the workers of --workers; nothing for one process. */
async function clusterOptions() {
  if (workers === 1) return { options: {}, client: null };
  const [{ createClient }, { redisBroker, redisSessions }] = await Promise.all([
    import('redis'),
    import('@sockjs-ts/redis'),
  ]);
  const client = createClient({ url: values.redis });
  client.on('error', () => {}); // node-redis reconnects by itself
  try {
    await client.connect();
  } catch (err) {
    console.error(`sockjs-ts demo: --workers needs Redis at ${values.redis} (${err.message}).`);
    process.exit(1);
  }
  const prefix = 'sockjs:demo:';
  return {
    options: {
      cluster: redisSessions({ client, prefix }),
      broker: redisBroker({ client, key: `${prefix}chat` }),
    },
    client,
  };
}

async function serve() {
  const redis = await clusterOptions();

  const require = createRequire(import.meta.url);
  const page = readFileSync(new URL('./demo/index.html', import.meta.url));
  const clientScript = readFileSync(require.resolve('@sockjs-ts/client/sockjs.min.js'));

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8' });
      res.end(page);
    } else if (path === '/sockjs.min.js') {
      res.writeHead(200, { 'Content-Type': 'application/javascript; charset=UTF-8' });
      res.end(clientScript);
    } else if (path === '/favicon.ico') {
      res.writeHead(204);
      res.end();
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('Not found\n');
    }
  });

  // /chat relays chat lines to every session and answers pings to the sender.
  const members = new Set();
  const chat = createServer(redis.options);
  /** Sends a line to every tab: this process's, and with --workers every worker's. */
  const toEveryone = (line) => {
    if (redis.client !== null) chat.broadcast(line);
    else for (const m of members) m.write(line);
  };
  chat.on('connection', (conn) => {
    members.add(conn);
    const announce = (text) => {
      // With --workers, `online` counts this worker's tabs.
      toEveryone(JSON.stringify({ type: 'system', text, online: members.size }));
    };
    announce(`someone joined over ${conn.protocol}`);
    conn.on('data', (raw) => {
      let msg;
      try {
        msg = JSON.parse(raw);
      } catch {
        return;
      }
      if (msg.type === 'ping') {
        conn.write(JSON.stringify({ type: 'pong', t: msg.t }));
      } else if (msg.type === 'chat' && typeof msg.text === 'string') {
        const line = JSON.stringify({
          type: 'chat',
          name: String(msg.name ?? 'anonymous').slice(0, 40),
          text: msg.text.slice(0, 2000),
          transport: conn.protocol,
        });
        toEveryone(line);
      }
    });
    conn.on('close', () => {
      members.delete(conn);
      announce('someone left');
    });
  });
  chat.installHandlers(server, { prefix: '/chat' });

  // A port that is taken, or not ours to listen on: one line that says what
  // to do, not a stack trace.
  server.on('error', (err) => {
    const why =
      err.code === 'EADDRINUSE'
        ? 'is in use'
        : err.code === 'EACCES'
          ? 'needs privileges'
          : `cannot be listened on (${err.code ?? err.message})`;
    console.error(
      `sockjs-ts demo: port ${values.port} on ${values.host} ${why}; pick another with --port N or PORT=N.`,
    );
    process.exit(1);
  });

  server.listen(Number(values.port), values.host, () => {
    // With --workers, the primary speaks once every worker listens.
    if (cluster.isPrimary) announce(server.address().port);
  });

  async function stop() {
    server.close();
    await chat.close(1001, 'Demo server stopping');
    server.closeAllConnections();
    await redis.client?.close();
    process.exit(0);
  }
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
