// Contender: engine.io 6, the transport layer under socket.io. Clients pick
// websocket or polling with the `transport` query parameter and never
// upgrade. Echo on /echo.io/, broadcast on /bcast.io/.
import http from 'node:http';
import { Server } from 'engine.io';
import { announce, serverPort } from './control.js';

const server = http.createServer();
server.keepAliveTimeout = 60_000;

const common = { perMessageDeflate: false, httpCompression: false, pingInterval: 25_000 };
const echo = new Server(common);
echo.on('connection', (socket) => {
  socket.on('message', (m) => socket.send(m));
});
echo.attach(server, { path: '/echo.io/' });

const members = new Set();
const bcast = new Server(common);
bcast.on('connection', (socket) => {
  members.add(socket);
  socket.on('close', () => members.delete(socket));
  socket.on('message', (m) => {
    for (const member of members) member.send(m);
  });
});
bcast.attach(server, { path: '/bcast.io/' });

server.listen(serverPort(), '127.0.0.1', () => announce(server));
