// One connection of the HTTP/1.1 layer: reads one request at a time (heads
// with parser.ts, bodies as they are framed), hands each to the server's
// 'request' or 'upgrade' listeners, and goes on once its response ended.

import type { Socket } from 'node:net';
import { ChunkedDecoder } from './chunked.js';
import { HttpParseError, parseHead } from './parser.js';
import { Http1Request } from './request.js';
import { Http1Response } from './response.js';
import type { Http1Server } from './server.js';
import { statusText } from './status.js';

enum State {
  /** Waiting for (the rest of) a request head. */
  Head = 0,
  /** Reading a body. */
  Body = 1,
  /** The request was read; its response is not finished yet. */
  Responding = 2,
  /** Handed to a websocket, or closing: no more requests. */
  Gone = 3,
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

// What an incomplete head may not hold, whatever comes after it: a character
// no part of a head may hold (node:http refuses these as they arrive, so we do
// not wait for the rest), a CR followed by anything but LF, and a LF that does
// not follow a CR (the head would never end with CRLFCRLF, and other readers
// may take it for a line end).
const NEVER_IN_HEAD = /[^\t\x20-\x7e\x80-\xff\r\n]|\r(?=[^\n])|(?<!\r)\n/g;

/**
 * Checks the bytes of an incomplete head from `from` on: those before were
 * checked by an earlier read, so a head that trickles in is scanned once.
 */
function checkIncompleteHead(buf: Buffer, from: number): void {
  // From the last byte of the earlier read (a CR there may now be followed
  // by something else), with the one before it for the look-behind.
  const start = from > 2 ? from - 2 : 0;
  const text = buf.toString('latin1', start, buf.length);
  NEVER_IN_HEAD.lastIndex = from > 2 ? 1 : 0;
  const m = NEVER_IN_HEAD.exec(text);
  if (m === null) return;
  const c = text.charCodeAt(m.index);
  if (c === 10 || c === 13) {
    throw new HttpParseError(400, 'HTTP_ERR_LINE_ENDING', 'Lines must end with CRLF');
  }
  throw new HttpParseError(400, 'HTTP_ERR_HEADER', 'Invalid character in request head');
}

/** Body bytes held for a request nobody reads yet before the socket is paused. */
const HELD_BODY_LIMIT = 64 * 1024;
const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';

function onSocketData(this: Socket & { [CONN]?: Http1Connection }, data: Buffer): void {
  this[CONN]?.read(data);
}
function onSocketDrain(this: Socket & { [CONN]?: Http1Connection }): void {
  this[CONN]?.drain();
}
function onSocketClose(this: Socket & { [CONN]?: Http1Connection }): void {
  this[CONN]?.closed();
}
function ignoreError(): void {}

const CONN = Symbol('sockjs-ts http1 connection');

export class Http1Connection {
  readonly socket: Socket;
  /** Version of the current request, for the response's framing. */
  httpVersion = '1.1';
  /** Whether the connection stays open after the current response. */
  keepAlive = true;
  /** Whether the server shuts down: responses close their connections. */
  get closing(): boolean {
    return this.layer.closing;
  }
  /** When the connection is cut unless something happens first. */
  deadline: number;
  private state = State.Head;
  private buffer: Buffer | null = null;
  private req: Http1Request | null = null;
  private res: Http1Response | null = null;
  private bodyLeft = 0;
  private chunked: ChunkedDecoder | null = null;
  private readonly layer: Http1Server;

  constructor(socket: Socket, layer: Http1Server) {
    this.socket = socket;
    this.layer = layer;
    this.deadline = Date.now() + layer.options.headersTimeout;
    (socket as Socket & { [CONN]?: Http1Connection })[CONN] = this;
    socket.on('data', onSocketData);
    socket.on('drain', onSocketDrain);
    socket.on('close', onSocketClose);
    socket.on('error', ignoreError);
    layer.deadlines.add(this);
  }

  /** @internal */
  read(data: Buffer): void {
    if (this.state === State.Gone) return;
    this.buffer = this.buffer === null ? data : this.append(this.buffer, data);
    this.process();
  }

  /**
   * `buf` followed by `data`. Bytes that come in small reads (a head
   * trickled a few bytes at a time) go into a store that doubles as it
   * fills, so that each byte is copied a bounded number of times instead of
   * once per read.
   */
  private append(buf: Buffer, data: Buffer): Buffer {
    const length = buf.length + data.length;
    let store = this.store;
    if (
      store === null ||
      store.buffer !== buf.buffer ||
      store.byteOffset !== buf.byteOffset ||
      store.length < length
    ) {
      store = Buffer.allocUnsafe(Math.max(length * 2, 1024));
      buf.copy(store, 0);
      this.store = store;
    }
    data.copy(store, buf.length);
    return store.subarray(0, length);
  }

  /** Where append() gathers small reads; dropped once a head is read. */
  private store: Buffer | null = null;
  /** Bytes of the buffered, incomplete head already checked by readHead(). */
  private scanned = 0;
  /** Reading stopped until the socket's output drains. */
  private waitingForDrain = false;

  private process(): void {
    this.processing = true;
    try {
      while (this.buffer !== null && this.state !== State.Gone) {
        // The client sends faster than it reads what we answer (pipelined
        // requests it never reads the answers to, say): stop reading until
        // the output drains, as node:http does, instead of answering into
        // an ever longer socket buffer.
        if (this.socket.writableNeedDrain) {
          this.waitingForDrain = true;
          this.socket.pause();
          break;
        }
        if (this.state === State.Head) {
          if (!this.readHead()) break;
        } else if (this.state === State.Body) {
          this.readBody();
        } else {
          // Pipelined bytes wait for the response in progress.
          if (this.holding()) this.socket.pause();
          break;
        }
      }
    } catch (err) {
      if (err instanceof HttpParseError) this.refuse(err.status, err.message);
      else throw err;
    } finally {
      this.processing = false;
    }
  }

  /** Inside process(): a response that ends meanwhile leaves the loop to go on. */
  private processing = false;

  /** Reads a head if a whole one is buffered; returns whether it did. */
  private readHead(): boolean {
    let buf = this.buffer!;
    // Empty lines before a request line are ignored (RFC 9112 2.2).
    let start = 0;
    while (start + 1 < buf.length && buf[start] === 13 && buf[start + 1] === 10) start += 2;
    if (start > 0) {
      buf = buf.subarray(start);
      this.buffer = buf.length === 0 ? null : buf;
      if (this.buffer === null) return false;
    }
    const max = this.layer.options.maxHeaderSize;
    // The bytes up to `scanned` were looked at by an earlier read; only the
    // last three of them can start the end of the head.
    const scanned = start > 0 ? 0 : this.scanned;
    const end = buf.indexOf(CRLFCRLF, scanned > 3 ? scanned - 3 : 0);
    if (end === -1) {
      if (buf.length > max)
        throw new HttpParseError(431, 'HTTP_ERR_HEADER_SIZE', 'Request head too large');
      checkIncompleteHead(buf, scanned);
      this.scanned = buf.length;
      if (this.deadline === Number.POSITIVE_INFINITY || this.idle) {
        this.deadline = Date.now() + this.layer.options.headersTimeout;
        this.idle = false;
      }
      return false;
    }
    if (end > max) throw new HttpParseError(431, 'HTTP_ERR_HEADER_SIZE', 'Request head too large');
    const head = parseHead(buf.toString('latin1', 0, end));
    this.scanned = 0;
    this.store = null;
    this.idle = false;
    this.buffer = end + 4 === buf.length ? null : buf.subarray(end + 4);
    this.httpVersion = head.httpVersion;
    this.keepAlive = head.keepAlive && !this.layer.closing;
    const req = new Http1Request(head, this.socket);
    req.onFlow = this.resumeReading;
    if (head.upgrade) {
      this.handOver(req);
      return false;
    }
    const res = new Http1Response(this, head.method);
    this.req = req;
    this.res = res;
    if (head.body === 'none') {
      this.state = State.Responding;
      this.deadline = Number.POSITIVE_INFINITY;
      req.pushEnd();
    } else {
      this.state = State.Body;
      this.deadline = Date.now() + this.layer.options.requestTimeout;
      if (head.body === 'chunked') {
        // Trailer fields share the head's size limit with the head.
        this.chunked = new ChunkedDecoder((chunk) => req.pushBody(chunk), max - end - 4);
      } else {
        this.bodyLeft = head.contentLength;
      }
      if (head.expectContinue) this.socket.write(CONTINUE);
    }
    this.layer.emit('request', req, res);
    return true;
  }

  private readBody(): void {
    const buf = this.buffer!;
    const req = this.req!;
    let used: number;
    let done: boolean;
    if (this.chunked !== null) {
      used = this.chunked.write(buf);
      done = this.chunked.done;
    } else {
      used = Math.min(this.bodyLeft, buf.length);
      req.pushBody(used === buf.length ? buf : buf.subarray(0, used));
      this.bodyLeft -= used;
      done = this.bodyLeft === 0;
    }
    this.buffer = used === buf.length ? null : buf.subarray(used);
    if (!done) {
      if (this.holding()) this.socket.pause();
      return;
    }
    this.chunked = null;
    this.state = State.Responding;
    this.deadline = Number.POSITIVE_INFINITY;
    req.pushEnd();
    // The response may have ended while the body was still coming.
    if (this.res === null && this.state === State.Responding) this.next();
  }

  /**
   * Whether the socket must not be read for now, whatever its output does:
   * a body nobody reads yet holds more than HELD_BODY_LIMIT, or a client
   * piled up more than a head's worth of pipelined bytes behind the response
   * in progress.
   */
  private holding(): boolean {
    if (this.state === State.Body) return (this.req?.heldBytes ?? 0) > HELD_BODY_LIMIT;
    if (this.state === State.Responding) {
      return (this.buffer?.length ?? 0) > this.layer.options.maxHeaderSize;
    }
    return false;
  }

  private readonly resumeReading = (): void => {
    if (this.state !== State.Responding) this.resumeSocket();
  };

  /** Reads the socket again, unless its output has yet to drain. */
  private resumeSocket(): void {
    if (this.waitingForDrain || !this.socket.isPaused()) return;
    this.socket.resume();
  }

  /** A request asks for a websocket: the socket and what follows the head go to it. */
  private handOver(req: Http1Request): void {
    this.state = State.Gone;
    const head = this.buffer ?? Buffer.alloc(0);
    this.buffer = null;
    this.detach();
    this.layer.emit('upgrade', req, this.socket, head);
  }

  private detach(): void {
    const socket = this.socket;
    socket.removeListener('data', onSocketData);
    socket.removeListener('drain', onSocketDrain);
    socket.removeListener('close', onSocketClose);
    (socket as Socket & { [CONN]?: Http1Connection })[CONN] = undefined;
    this.layer.deadlines.delete(this);
  }

  /** @internal The current response has ended. */
  responseDone(res: Http1Response): void {
    if (res !== this.res) return;
    this.res = null;
    if (!this.keepAlive) {
      this.state = State.Gone;
      this.buffer = null;
      this.socket.end();
      this.req?.close();
      return;
    }
    // The request's body is still coming: it is read and dropped, and the
    // next request starts after it.
    if (this.state === State.Body) {
      this.req?.resume();
      return;
    }
    this.next();
  }

  /** Goes on with the next request, if one is buffered. */
  private next(): void {
    this.req?.close();
    this.req = null;
    if (this.state === State.Gone) return;
    this.state = State.Head;
    this.idle = true;
    this.deadline = Date.now() + this.layer.options.keepAliveTimeout;
    this.resumeSocket();
    if (this.buffer !== null && !this.processing) this.process();
  }

  /** Whether the connection waits for a new request (no bytes of one yet). */
  private idle = false;

  /** @internal */
  drain(): void {
    this.res?.emit('drain');
    if (!this.waitingForDrain || this.state === State.Gone) return;
    this.waitingForDrain = false;
    if (!this.holding()) this.socket.resume();
    if (this.buffer !== null && !this.processing) this.process();
  }

  /** @internal A deadline passed: cut the connection (408 when a head was coming). */
  expire(): void {
    if (
      (this.state === State.Head && !this.idle && this.buffer !== null) ||
      this.state === State.Body
    ) {
      this.refuse(408, 'Request timeout');
    } else {
      this.state = State.Gone;
      this.socket.destroy();
    }
  }

  /** @internal Ends the connection if it waits for its next request. */
  closeIfIdle(): void {
    if (this.state === State.Head && this.buffer === null) {
      this.state = State.Gone;
      this.socket.end();
    }
  }

  /** @internal The socket closed: whatever was in progress is cut. */
  closed(): void {
    this.state = State.Gone;
    this.buffer = null;
    this.detach();
    const res = this.res;
    this.res = null;
    res?.close();
    this.req?.close();
    this.req = null;
  }

  /** Answers a request we cannot read, and closes. */
  private refuse(status: number, text: string): void {
    this.state = State.Gone;
    this.buffer = null;
    const socket = this.socket;
    // Only if the current request has no answer yet (between requests, or
    // with a response not started); else the connection is just cut.
    const answered = this.res === null ? this.req !== null : this.res.headersSent;
    if (!answered) {
      const body = `${text}\n`;
      socket.end(
        `HTTP/1.1 ${status} ${statusText(status)}\r\nConnection: close\r\n` +
          `Content-Type: text/plain; charset=UTF-8\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
    } else {
      socket.destroy();
    }
    this.layer.refused(status);
  }
}
