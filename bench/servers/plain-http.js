// Anchor: node:http with the least SockJS HTTP framing an echo needs, and
// nothing else: xhr_streaming (prelude, `o`, `a[...]` lines), eventsource,
// xhr polling and xhr_send (204). No heartbeats, limits, CORS or cleanup
// timers. It is the floor of the HTTP transports in Node: every message costs
// one request and one response through node:http, whatever runs on top.
import http from 'node:http';
import { announce, serverPort } from './control.js';

const server = http.createServer();
server.keepAliveTimeout = 60_000;

const ROUTE = /^\/echo\/[^/]+\/([^/]+)\/(xhr_streaming|eventsource|xhr|xhr_send)$/;
const PRELUDE = 'h'.repeat(2048) + '\n';
const HEADERS = {
  'Cache-Control': 'no-store, no-cache, no-transform, must-revalidate, max-age=0',
};

/** id -> { kind, res (the open receiving response or null), queue, opened } */
const sessions = new Map();

function write(session, frame) {
  const res = session.res;
  if (session.kind === 'xhr_streaming') res.write(frame + '\n');
  else if (session.kind === 'eventsource') res.write('data: ' + frame + '\r\n\r\n');
  else {
    session.res = null;
    const body = frame + '\n';
    res.writeHead(200, {
      ...HEADERS,
      'Content-Type': 'application/javascript; charset=UTF-8',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
  }
}

function deliver(session, messages) {
  if (session.res !== null) write(session, 'a' + JSON.stringify(messages));
  else session.queue.push(...messages);
}

function receive(req, res, id, kind) {
  let session = sessions.get(id);
  if (session === undefined) {
    session = { kind, res: null, queue: [], opened: false };
    sessions.set(id, session);
  }
  session.res = res;
  if (kind === 'xhr') {
    if (!session.opened) {
      session.opened = true;
      write(session, 'o');
    } else if (session.queue.length > 0) {
      const queued = session.queue;
      session.queue = [];
      write(session, 'a' + JSON.stringify(queued));
    }
    return;
  }
  req.socket.setNoDelay(true);
  res.writeHead(200, {
    ...HEADERS,
    'Content-Type':
      kind === 'eventsource' ? 'text/event-stream' : 'application/javascript; charset=UTF-8',
  });
  res.write(kind === 'eventsource' ? '\r\n' : PRELUDE);
  if (!session.opened) {
    session.opened = true;
    write(session, 'o');
  }
  res.on('close', () => {
    if (session.res === res) sessions.delete(id);
  });
}

function send(req, res, id) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const session = sessions.get(id);
    let messages;
    try {
      messages = JSON.parse(Buffer.concat(chunks).toString());
    } catch {
      messages = null;
    }
    if (session === undefined || !Array.isArray(messages)) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(204, { ...HEADERS, 'Content-Type': 'text/plain; charset=UTF-8' });
    res.end();
    deliver(session, messages);
  });
}

server.on('request', (req, res) => {
  const m = ROUTE.exec(req.url ?? '');
  if (m === null) {
    res.writeHead(404);
    res.end();
    return;
  }
  if (m[2] === 'xhr_send') send(req, res, m[1]);
  else receive(req, res, m[1], m[2]);
});

server.listen(serverPort(), '127.0.0.1', () => announce(server));
