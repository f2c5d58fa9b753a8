// A small HTTP/1.1 client for the load generator, over plain TCP sockets.
//
// Node's http.request costs a load-generator core about as much per request
// as a server spends answering it, so with one core each the load generator
// saturated first and the servers were measured half idle (their CPU per
// message then includes every wake-up they would otherwise share). This
// client writes each request as one string and reads the answer with a few
// indexOf calls: keep-alive connections from a pool, one request at a time
// on each, Content-Length and chunked bodies, streamed chunks handed over as
// they arrive.
//
// It reads the wire as latin1 (one character per byte, so chunk sizes are
// string lengths). The bench's messages are ASCII, so nothing is lost; it is
// not a general-purpose client.

import net from 'node:net';

const HEAD_END = '\r\n\r\n';

/** Idle keep-alive connections, by local address. */
const idle = new Map();
const all = new Set();

function acquire(host, port, localAddress) {
  const key = `${localAddress ?? ''}>${host}:${port}`;
  const free = idle.get(key);
  if (free !== undefined && free.length > 0) return free.pop();
  const conn = new Connection(key, host, port, localAddress);
  all.add(conn);
  return conn;
}

function release(conn) {
  let free = idle.get(conn.key);
  if (free === undefined) {
    free = [];
    idle.set(conn.key, free);
  }
  free.push(conn);
}

function forget(conn) {
  all.delete(conn);
  const free = idle.get(conn.key);
  const i = free === undefined ? -1 : free.indexOf(conn);
  if (i !== -1) free.splice(i, 1);
}

/** Closes every connection (end of a load-generator run). */
export function closeAll() {
  for (const conn of all) conn.socket.destroy();
  all.clear();
  idle.clear();
}

class Connection {
  constructor(key, host, port, localAddress) {
    this.key = key;
    this.reusable = true;
    this.current = null;
    this.buffer = '';
    const socket = net.connect({ host, port, localAddress, noDelay: true });
    socket.setEncoding('latin1');
    socket.on('data', (text) => this.data(text));
    socket.on('error', (err) => this.gone(err));
    socket.on('close', () => this.gone(new Error('connection closed')));
    this.socket = socket;
  }

  send(exchange, head, body) {
    this.current = exchange;
    this.buffer = '';
    this.socket.write(body === null ? head : head + body, 'latin1');
  }

  gone(err) {
    this.reusable = false;
    forget(this);
    const ex = this.current;
    this.current = null;
    ex?.finish(err);
  }

  data(text) {
    this.buffer += text;
    while (this.current !== null && this.buffer.length > 0) {
      if (!this.current.parse(this)) break;
    }
  }

  /** The exchange on this connection is over. */
  done(keepAlive) {
    this.current = null;
    if (keepAlive && this.reusable && this.buffer.length === 0) release(this);
    else {
      this.reusable = false;
      forget(this);
      this.socket.destroy();
    }
  }
}

/** One request and its answer. */
class Exchange {
  constructor(onChunk, done) {
    this.onChunk = onChunk;
    this.cb = done;
    this.status = 0;
    this.keepAlive = true;
    this.headDone = false;
    this.length = -1; // Content-Length, or -1 when chunked
    this.chunkLeft = -1; // bytes left in the current chunk; -1 between chunks
    this.text = '';
    this.conn = null;
    this.finished = false;
  }

  /** Consumes what it can from conn.buffer; false when it needs more bytes. */
  parse(conn) {
    if (!this.headDone) {
      const end = conn.buffer.indexOf(HEAD_END);
      if (end === -1) return false;
      const head = conn.buffer.slice(0, end).toLowerCase();
      conn.buffer = conn.buffer.slice(end + 4);
      this.headDone = true;
      this.status = Number(head.slice(9, 12));
      this.keepAlive = !head.includes('\r\nconnection: close');
      const cl = head.indexOf('\r\ncontent-length:');
      if (cl !== -1) {
        const eol = head.indexOf('\r\n', cl + 2);
        this.length = Number.parseInt(head.slice(cl + 17, eol === -1 ? head.length : eol), 10);
      } else if (head.includes('\r\ntransfer-encoding: chunked')) this.length = -1;
      else this.length = 0; // 204, or nothing announced
      if (this.status === 204 || this.status === 304) this.length = 0;
      if (this.length === 0) {
        this.complete(conn);
        return true;
      }
      return conn.buffer.length > 0;
    }
    if (this.length >= 0) {
      if (conn.buffer.length < this.length) return false;
      this.body(conn.buffer.slice(0, this.length));
      conn.buffer = conn.buffer.slice(this.length);
      this.complete(conn);
      return true;
    }
    // Chunked: "<hex>\r\n<data>\r\n" ... "0\r\n\r\n".
    if (this.chunkLeft === -1) {
      const eol = conn.buffer.indexOf('\r\n');
      if (eol === -1) return false;
      const size = Number.parseInt(conn.buffer.slice(0, eol), 16);
      if (size === 0) {
        if (conn.buffer.length < eol + 4) return false;
        conn.buffer = conn.buffer.slice(eol + 4);
        this.complete(conn);
        return true;
      }
      conn.buffer = conn.buffer.slice(eol + 2);
      this.chunkLeft = size;
    }
    // Hand over the chunk's data as it arrives.
    const take = Math.min(this.chunkLeft, conn.buffer.length);
    if (take > 0) {
      this.body(conn.buffer.slice(0, take));
      conn.buffer = conn.buffer.slice(take);
      this.chunkLeft -= take;
    }
    if (this.chunkLeft > 0) return false;
    if (conn.buffer.length < 2) return false;
    conn.buffer = conn.buffer.slice(2);
    this.chunkLeft = -1;
    return true;
  }

  body(text) {
    if (this.onChunk !== null) this.onChunk(text);
    else this.text += text;
  }

  complete(conn) {
    conn.done(this.keepAlive);
    this.finish(null);
  }

  finish(err) {
    if (this.finished) return;
    this.finished = true;
    if (err !== null) this.cb(err, 0, '');
    else this.cb(null, this.status, this.text);
  }

  /** Abandons the request: its connection is closed. */
  destroy() {
    const conn = this.conn;
    if (this.finished || conn === null) return;
    this.finished = true;
    if (conn.current === this) {
      conn.current = null;
      conn.reusable = false;
      forget(conn);
      conn.socket.destroy();
    }
  }
}

/**
 * Sends one request. `body` is a string or null; `onChunk(text)` receives the
 * body as it arrives (or null to collect it); `done(err, status, body)` is
 * called once. Returns an object whose destroy() abandons the request.
 */
export function request(target, localAddress, method, path, body, onChunk, done) {
  const { host, port } = target;
  let head = `${method} ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\n`;
  if (body !== null) {
    head += `Content-Type: text/plain;charset=UTF-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
  } else {
    head += method === 'GET' ? '\r\n' : 'Content-Length: 0\r\n\r\n';
  }
  const exchange = new Exchange(onChunk, done);
  const conn = acquire(host, port, localAddress);
  exchange.conn = conn;
  // Bodies are ASCII in the bench; latin1 writes them byte for byte.
  conn.send(exchange, head, body);
  return exchange;
}
