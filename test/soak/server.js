// The soak test's server, run in a child process with --expose-gc: an echo
// service under /echo (the message "bye" closes the session with 3000), and
// GET /control, which collects garbage and answers heap, RSS, stats() and
// the active resources. Prints its port on stdout.
//
// usage: node --expose-gc test/soak/server.js [disconnect_delay_ms]
import http from 'node:http';
import { createServer } from '@sockjs-ts/server';

const disconnectDelay = Number(process.argv[2] ?? 1000);

const server = http.createServer((req, res) => {
  if (req.url !== '/control') {
    res.writeHead(404);
    res.end();
    return;
  }
  globalThis.gc?.();
  const memory = process.memoryUsage();
  const body = JSON.stringify({
    heapUsed: memory.heapUsed,
    rss: memory.rss,
    stats: sockjs.stats(),
    resources: process.getActiveResourcesInfo(),
  });
  res.writeHead(200, { 'Content-Type': 'application/json', Connection: 'close' });
  res.end(body);
});

const sockjs = createServer({ disconnect_delay: disconnectDelay, heartbeat_delay: 5000 });
sockjs.on('connection', (conn) => {
  conn.on('data', (m) => {
    if (m === 'bye') conn.close(3000, 'bye');
    else conn.write(m);
  });
});
sockjs.installHandlers(server, { prefix: '/echo' });

server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: server.address().port }));
});

process.on('SIGTERM', async () => {
  server.close();
  await sockjs.close();
  server.closeAllConnections();
  process.exit(0);
});
