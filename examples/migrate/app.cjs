// A sockjs-node 0.3.x application, CommonJS, exactly as such apps are
// written. Moving it to sockjs-ts is the one changed line below:
//
//   const sockjs = require('sockjs');            // before
//   const sockjs = require('@sockjs-ts/server');  // after
//
// (SOCKJS_MODULE only lets the test run this same file on both.)
const http = require('node:http');
const sockjs = require(process.env.SOCKJS_MODULE || '@sockjs-ts/server');

const members = {};
const chat = sockjs.createServer({ log: () => {}, heartbeat_delay: 25000 });
chat.on('connection', (conn) => {
  members[conn.id] = conn;
  conn.write(`welcome ${conn.protocol}`);
  conn.on('data', (message) => {
    if (message === 'bye') return conn.close(3001, 'See you');
    for (const id in members) members[id].write(message);
  });
  conn.on('close', () => {
    delete members[conn.id];
  });
});

const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.end('the rest of the app\n');
});
chat.installHandlers(server, { prefix: '/chat' });
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
