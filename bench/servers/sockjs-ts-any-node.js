// Contender of the any-node rows (issue 15): our echo under /echo, as in
// servers/sockjs-ts.js, with --redis URL in any-node mode (@sockjs-ts/redis
// redisSessions): every process on that Redis serves every session. With
// --workers N it forks N workers of node:cluster, which share one port (the
// module hands each connection to the next worker); the `ready` line then
// names the workers' pids too, so that their CPU can be summed. Without
// --redis: one ordinary process, the rows' comparison.
import cluster from 'node:cluster';
import http from 'node:http';
import { createInterface } from 'node:readline';
import { redisSessions } from '@sockjs-ts/redis';
import { createServer } from '@sockjs-ts/server';
import { createClient } from 'redis';
import { announce, serverPort } from './control.js';

const argument = (name) => {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
};
const redisUrl = argument('--redis');
const workers = Number(argument('--workers') ?? 1);

if (cluster.isPrimary && workers > 1) {
  // The primary forks, announces the port once every worker listens, and
  // leaves when the orchestrator closes its stdin (the workers follow: a
  // worker exits when its channel to the primary closes).
  const listening = [];
  for (let i = 0; i < workers; i++) {
    const worker = cluster.fork();
    worker.on('message', (port) => {
      listening.push(worker.process.pid);
      if (listening.length === workers) {
        const ready = { type: 'ready', port, pid: process.pid, workers: listening };
        process.stdout.write(JSON.stringify(ready) + '\n');
      }
    });
  }
  createInterface({ input: process.stdin }).on('close', () => process.exit(0));
} else {
  await serve();
}

async function serve() {
  const server = http.createServer({ keepAliveTimeout: 60_000 });
  const echo = createServer({ log() {}, ...(await anyNodeOption()) });
  echo.on('connection', (conn) => {
    conn.on('data', (m) => conn.write(m));
  });
  echo.installHandlers(server, { prefix: '/echo' });
  // Announced a moment after listening: the any-node subscriber connects
  // to Redis meanwhile, and a request forwarded to this process before then
  // would fail.
  server.listen(serverPort(), '127.0.0.1', () =>
    setTimeout(() => {
      if (cluster.isWorker) process.send(server.address().port);
      else announce(server);
    }, 300),
  );
}

/** The `cluster` option of any-node mode on --redis URL; none without it. */
async function anyNodeOption() {
  if (redisUrl === undefined) return {};
  const client = createClient({ url: redisUrl });
  client.on('error', (err) => console.error(`any-node bench server: ${err.message}`));
  await client.connect();
  return { cluster: redisSessions({ client, prefix: 'bench:echo:' }) };
}
