// Contender: our server (@sockjs-ts/server), echo under /echo and a broadcast
// group under /bcast, as the other contenders have them. With --http1 it runs
// on the server's own HTTP/1.1 layer (createHttp1Server), else on node:http.
// With --from PATH it loads the server package from PATH (another checkout's
// packages/server/dist/index.js: run.js --baseline).
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

server.listen(serverPort(), '127.0.0.1', () => announce(server));
