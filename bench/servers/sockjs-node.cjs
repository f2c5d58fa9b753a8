// Contender: sockjs-node 0.3.24 (npm `sockjs`), the reference server.
const http = require('node:http');
const sockjs = require('sockjs');

async function main() {
  const { announce, serverPort } = await import('./control.js');
  const server = http.createServer();
  server.keepAliveTimeout = 60_000;

  const echo = sockjs.createServer({ log() {} });
  echo.on('connection', (conn) => {
    conn.on('data', (m) => conn.write(m));
  });
  echo.installHandlers(server, { prefix: '/echo' });

  const members = new Set();
  const bcast = sockjs.createServer({ log() {} });
  bcast.on('connection', (conn) => {
    members.add(conn);
    conn.on('close', () => members.delete(conn));
    conn.on('data', (m) => {
      for (const member of members) member.write(m);
    });
  });
  bcast.installHandlers(server, { prefix: '/bcast' });

  server.listen(serverPort(), '127.0.0.1', () => announce(server));
}
main();
