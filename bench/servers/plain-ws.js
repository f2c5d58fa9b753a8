// Anchor: `ws` with the least SockJS framing a correct server needs: `o` on
// open, each received JSON array echoed as `a[...]`. Raw /websocket echoes
// plain text. The practical limit of the websocket path in Node.
import http from 'node:http';
import { WebSocketServer } from 'ws';
import { announce, serverPort } from './control.js';

const server = http.createServer();
const wss = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  clientTracking: false,
});
const members = new Set();

function framed(ws, onArray) {
  ws.send('o');
  ws.on('message', (data) => {
    let messages;
    try {
      messages = JSON.parse(data.toString());
    } catch {
      ws.close(3000, 'Broken framing.');
      return;
    }
    if (Array.isArray(messages) && messages.length > 0) onArray(messages);
  });
}

server.on('upgrade', (req, socket, head) => {
  socket.on('error', () => {});
  const url = req.url ?? '';
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.on('error', () => {});
    if (url === '/echo/websocket') {
      ws.on('message', (data) => ws.send(data.toString()));
    } else if (url.startsWith('/bcast/')) {
      members.add(ws);
      ws.on('close', () => members.delete(ws));
      framed(ws, (messages) => {
        // One frame encoded once, sent to every member.
        const frame = 'a' + JSON.stringify(messages);
        for (const member of members) member.send(frame);
      });
    } else {
      framed(ws, (messages) => ws.send('a' + JSON.stringify(messages)));
    }
  });
});

server.listen(serverPort(), '127.0.0.1', () => announce(server));
