// Contender for the cluster rows: Socket.IO 4 on node:http, every socket in
// the room 'room', each 'pub' event it emits sent to the room as 'm'
// (`io.to('room').emit`). With --redis URL the room spans every process on
// that Redis through @socket.io/redis-adapter (Redis pub/sub, node-redis
// clients). Socket.IO's path is /socket.io/.
import http from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { Server } from 'socket.io';
import { announce, serverPort } from './control.js';

// As for engine.io alone: no compression, which no other contender does.
const options = { serveClient: false, perMessageDeflate: false, httpCompression: false };
const redisAt = process.argv.indexOf('--redis');
if (redisAt !== -1) {
  const pub = createClient({ url: process.argv[redisAt + 1] });
  const sub = pub.duplicate();
  for (const client of [pub, sub]) {
    client.on('error', (err) => console.error(`bench server: redis: ${err.message}`));
  }
  await Promise.all([pub.connect(), sub.connect()]);
  options.adapter = createAdapter(pub, sub);
}

const server = http.createServer();
server.keepAliveTimeout = 60_000;
const io = new Server(server, options);
io.on('connection', (socket) => {
  socket.join('room');
  socket.on('pub', (m) => io.to('room').emit('m', m));
});

server.listen(serverPort(), '127.0.0.1', () => announce(server));
