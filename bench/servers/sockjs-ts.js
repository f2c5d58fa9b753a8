// Contender: our server (@sockjs-ts/server), echo under /echo and a broadcast
// group under /bcast, as the other contenders have them. With --http1 it runs
// on the server's own HTTP/1.1 layer (createHttp1Server), else on node:http.
// With --from PATH it loads the server package from PATH (another checkout's
// packages/server/dist/index.js: run.js --baseline). With --room it also
// serves /room, where every connection joins the channel 'room' and each
// message it sends is published to that channel (the cluster rows); with
// --redis URL too, that channel spans every process on the same Redis
// (@sockjs-ts/redis).
import http from 'node:http';
import { announce, serverPort } from './control.js';

const fromAt = process.argv.indexOf('--from');
const { createHttp1Server, createServer } = await import(
  fromAt === -1 ? '@sockjs-ts/server' : process.argv[fromAt + 1]
);

const server = process.argv.includes('--http1')
  ? createHttp1Server({ keepAliveTimeout: 60_000 })
  : http.createServer({ keepAliveTimeout: 60_000 });

const echo = createServer({ log() {} });
echo.on('connection', (conn) => {
  conn.on('data', (m) => conn.write(m));
});
echo.installHandlers(server, { prefix: '/echo' });

const members = new Set();
const bcast = createServer({ log() {} });
bcast.on('connection', (conn) => {
  members.add(conn);
  conn.on('close', () => members.delete(conn));
  conn.on('data', (m) => {
    for (const member of members) member.write(m);
  });
});
bcast.installHandlers(server, { prefix: '/bcast' });

// Only on request, so that the other rows' server has the same two prefixes
// to dispatch over as before.
if (process.argv.includes('--room')) {
  const room = createServer({ log() {}, broker: await redisBroker() });
  room.on('connection', (conn) => {
    conn.join('room');
    conn.on('data', (m) => room.publish('room', m));
  });
  room.installHandlers(server, { prefix: '/room' });
}

/** The broker for --redis URL, on a connected node-redis client; none without it. */
async function redisBroker() {
  const at = process.argv.indexOf('--redis');
  if (at === -1) return undefined;
  const [{ createClient }, redis] = await Promise.all([
    import('redis'),
    import('@sockjs-ts/redis'),
  ]);
  const client = createClient({ url: process.argv[at + 1] });
  client.on('error', (err) => console.error(`bench server: redis: ${err.message}`));
  await client.connect();
  return redis.redisBroker({ client, key: 'bench:room' });
}

server.listen(serverPort(), '127.0.0.1', () => announce(server));
