// The server's own HTTP/1.1 layer, for a port that serves only SockJS
// (SockJSServer.listen and handleConnection). A connection reads one request
// at a time with the strict reader of http1-parser.ts; the request and
// response objects carry the part of node:http's API that the transports
// use, at a fraction of its cost per request: each response goes out in one
// write, and an idle connection is a socket and one small object.

import { EventEmitter } from 'node:events';
import type { OutgoingHttpHeaders } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import { answer404 } from './http-util.js';
import {
  ChunkedDecoder,
  FIELD_VALUE,
  type HeaderMap,
  HttpParseError,
  lowerFieldName,
  parseHead,
  type RequestHead,
  statusText,
} from './http1-parser.js';

export interface Http1Options {
  /** Milliseconds an idle keep-alive connection stays open. Default 5000. */
  keepAliveTimeout?: number;
  /** Milliseconds a client has to send a whole request head. Default 60000. */
  headersTimeout?: number;
  /** Milliseconds a client has to send a request body. Default 300000. */
  requestTimeout?: number;
  /** Largest request head in bytes; beyond it the answer is 431. Default 16384. */
  maxHeaderSize?: number;
}

// ------------------------------------------------------------------ request

/**
 * A request: method, url, headers and socket as node:http's IncomingMessage
 * has them, and its body as 'data' events then 'end' ('close' follows, or
 * 'close' alone when the client goes away first). Body bytes that arrive
 * before anybody listens wait until a 'data' listener or resume().
 */
export class Http1Request extends EventEmitter {
  readonly method: string;
  readonly url: string;
  readonly httpVersion: string;
  readonly headers: HeaderMap;
  readonly socket: Socket;
  complete = false;
  private flowing = false;
  private held: Buffer[] | null = null;
  private ended = false;
  private closed = false;

  constructor(head: RequestHead, socket: Socket) {
    super();
    this.method = head.method;
    this.url = head.url;
    this.httpVersion = head.httpVersion;
    this.headers = head.headers;
    this.socket = socket;
  }

  /** @internal Called when held body bytes start to flow (the connection reads again). */
  onFlow: (() => void) | null = null;
  /** @internal Bytes of body held until somebody reads them. */
  heldBytes = 0;

  // biome-ignore lint/suspicious/noExplicitAny: EventEmitter's own signature.
  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    super.on(event, listener);
    if (event === 'data' && !this.flowing) this.startFlowing();
    return this;
  }

  /** Lets the body flow, whether or not anybody listens (as Readable's resume). */
  resume(): this {
    if (!this.flowing) this.startFlowing();
    return this;
  }

  private startFlowing(): void {
    this.flowing = true;
    this.onFlow?.();
    if (this.held === null && !this.ended) return;
    // Listeners added with this one (say 'end' after 'data') come first.
    queueMicrotask(() => this.release());
  }

  private release(): void {
    const held = this.held;
    this.held = null;
    this.heldBytes = 0;
    if (held !== null) for (const chunk of held) this.emit('data', chunk);
    if (this.ended) this.emitEnd();
  }

  /** @internal A piece of the body. */
  pushBody(chunk: Buffer): void {
    if (this.flowing && this.held === null) this.emit('data', chunk);
    else {
      if (this.held === null) this.held = [chunk];
      else this.held.push(chunk);
      this.heldBytes += chunk.length;
    }
  }

  /** @internal The whole body was read. */
  pushEnd(): void {
    this.ended = true;
    if (this.flowing && this.held === null) this.emitEnd();
  }

  private emitEnd(): void {
    if (this.complete) return;
    this.complete = true;
    this.emit('end');
  }

  /** @internal The exchange is over (finished or cut): 'close', once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }
}

// ----------------------------------------------------------------- response

/** The header's name in lower case; throws as node:http does for a bad name or value. */
function checkHeader(name: string, value: HeaderValue): string {
  const key = lowerFieldName(name);
  if (key === null) throw new TypeError(`Invalid header name: "${name}"`);
  if (typeof value === 'string') checkValue(name, value);
  else if (Array.isArray(value)) for (const v of value) checkValue(name, String(v));
  else checkValue(name, String(value));
  return key;
}

function checkValue(name: string, value: string): void {
  if (!FIELD_VALUE.test(value)) throw new TypeError(`Invalid character in header "${name}"`);
}

type HeaderValue = number | string | readonly string[];

function byteSize(chunk: string | Buffer): number {
  return typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
}

// The Date field changes once a second; build it once a second.
let dateSecond = 0;
let dateText = '';
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

/**
 * A response, written straight to the socket. The head goes out with the
 * first body bytes (or with the end), in one write; bodies are sized when
 * end() brings the whole of them, chunked on HTTP/1.1 otherwise, and
 * delimited by closing the connection on HTTP/1.0. Events: 'drain', 'finish'
 * and 'close' (after the end, or when the connection drops first).
 */
export class Http1Response extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  writableFinished = false;
  private readonly conn: Http1Connection;
  private readonly head: boolean;
  private names: Map<string, [string, HeaderValue]> | null = null;
  private chunked = false;
  private bodyAllowed = true;
  private pendingHead = '';
  private closed = false;

  constructor(conn: Http1Connection, method: string) {
    super();
    this.conn = conn;
    this.head = method === 'HEAD';
  }

  get destroyed(): boolean {
    return this.conn.socket.destroyed;
  }

  get socket(): Socket {
    return this.conn.socket;
  }

  setHeader(name: string, value: HeaderValue): this {
    if (this.headersSent) throw new Error('Cannot set headers after they are sent');
    const key = checkHeader(name, value);
    if (this.names === null) this.names = new Map();
    this.names.set(key, [name, value]);
    return this;
  }

  getHeader(name: string): number | string | string[] | undefined {
    const value = this.names?.get(name.toLowerCase())?.[1];
    return Array.isArray(value) ? [...value] : (value as number | string | undefined);
  }

  hasHeader(name: string): boolean {
    return this.names?.has(name.toLowerCase()) ?? false;
  }

  removeHeader(name: string): void {
    this.names?.delete(name.toLowerCase());
  }

  getHeaders(): OutgoingHttpHeaders {
    const out: OutgoingHttpHeaders = {};
    if (this.names !== null) {
      for (const [key, [, value]] of this.names) out[key] = value as string | string[];
    }
    return out;
  }

  /**
   * Sets the status and headers (an object, or a flat [name, value, ...]
   * list as node:http takes it), merged over those set before. The head
   * itself goes out with the first write or the end.
   */
  writeHead(status: number, headers?: OutgoingHttpHeaders | readonly string[]): this {
    if (this.headersSent) throw new Error('Cannot write headers after they are sent');
    this.statusCode = status;
    if (Array.isArray(headers)) {
      for (let i = 0; i + 1 < headers.length; i += 2) {
        this.setHeader(headers[i] as string, headers[i + 1] as string);
      }
    } else if (headers !== undefined) {
      for (const name of Object.keys(headers)) {
        const value = (headers as OutgoingHttpHeaders)[name];
        if (value !== undefined) this.setHeader(name, value);
      }
    }
    return this;
  }

  /** Composes the head; `length` is the body's size when known. */
  private composeHead(length: number): void {
    this.headersSent = true;
    const status = this.statusCode;
    const conn = this.conn;
    this.bodyAllowed = !this.head && status !== 204 && status !== 304 && status >= 200;
    let out = `HTTP/1.1 ${status} ${statusText(status)}\r\n`;
    let hasLength = false;
    let hasConnection = false;
    let keepAlive = conn.keepAlive && !conn.closing;
    if (this.names !== null) {
      for (const [key, [name, value]] of this.names) {
        if (key === 'content-length') hasLength = true;
        else if (key === 'connection') {
          hasConnection = true;
          if (/close/i.test(String(value))) keepAlive = false;
        } else if (key === 'transfer-encoding' || key === 'date') continue;
        if (Array.isArray(value)) for (const v of value) out += `${name}: ${v}\r\n`;
        else out += `${name}: ${value as string}\r\n`;
      }
    }
    out += `Date: ${httpDate()}\r\n`;
    if (!hasLength && this.bodyAllowed) {
      if (length >= 0) {
        out += `Content-Length: ${length}\r\n`;
      } else if (conn.httpVersion === '1.1') {
        this.chunked = true;
        out += 'Transfer-Encoding: chunked\r\n';
      } else {
        // HTTP/1.0 without a length: the body ends with the connection.
        keepAlive = false;
      }
    }
    if (!keepAlive) {
      conn.keepAlive = false;
      if (!hasConnection) out += 'Connection: close\r\n';
    } else if (conn.httpVersion === '1.0' && !hasConnection) {
      out += 'Connection: keep-alive\r\n';
    }
    this.pendingHead = `${out}\r\n`;
  }

  /** Writes a piece of the body; false when the socket buffers (wait for 'drain'). */
  write(chunk: string | Buffer): boolean {
    if (this.writableFinished) return false;
    if (!this.headersSent) this.composeHead(-1);
    if (this.conn.socket.destroyed) return false;
    const size = byteSize(chunk);
    if (!this.bodyAllowed || size === 0) return this.flushHead();
    if (!this.chunked) return this.send(this.takeHead(), chunk, '');
    return this.send(`${this.takeHead()}${size.toString(16)}\r\n`, chunk, '\r\n');
  }

  /** The head not written yet ('' once it is). */
  private takeHead(): string {
    const head = this.pendingHead;
    this.pendingHead = '';
    return head;
  }

  private flushHead(): boolean {
    const head = this.takeHead();
    return head === '' || this.conn.socket.write(head);
  }

  /** Writes before + chunk + after: one write for text, corked writes for bytes. */
  private send(before: string, chunk: string | Buffer, after: string): boolean {
    const socket = this.conn.socket;
    if (typeof chunk === 'string') return socket.write(before + chunk + after);
    socket.cork();
    if (before !== '') socket.write(before);
    socket.write(chunk);
    if (after !== '') socket.write(after);
    socket.uncork();
    return socket.writableLength < socket.writableHighWaterMark;
  }

  /** Ends the response, with a last piece of body if given. */
  end(chunk?: string | Buffer): this {
    if (this.writableFinished) return this;
    const socket = this.conn.socket;
    if (!this.headersSent) {
      // The whole body is here: size it, and send head and body in one write.
      const size = chunk === undefined ? 0 : byteSize(chunk);
      this.composeHead(size);
      const head = this.takeHead();
      if (!socket.destroyed) {
        if (chunk === undefined || size === 0 || !this.bodyAllowed) socket.write(head);
        else this.send(head, chunk, '');
      }
    } else if (!socket.destroyed) {
      if (chunk !== undefined) this.write(chunk);
      else this.flushHead();
      if (this.chunked) socket.write('0\r\n\r\n');
    }
    this.writableFinished = true;
    this.emit('finish');
    this.conn.responseDone(this);
    this.close();
    return this;
  }

  /** Cuts the connection (the response with it). */
  destroy(): this {
    this.conn.socket.destroy();
    return this;
  }

  /** @internal 'close', once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }
}

// --------------------------------------------------------------- connection

interface ResolvedHttp1Options {
  keepAliveTimeout: number;
  headersTimeout: number;
  requestTimeout: number;
  maxHeaderSize: number;
}

function resolveHttp1Options(o: Http1Options): ResolvedHttp1Options {
  return {
    keepAliveTimeout: o.keepAliveTimeout ?? 5000,
    headersTimeout: o.headersTimeout ?? 60_000,
    requestTimeout: o.requestTimeout ?? 300_000,
    maxHeaderSize: o.maxHeaderSize ?? 16 * 1024,
  };
}

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

/**
 * Timeouts for every connection of a layer: each connection keeps its
 * deadline in a field, and one unref'd interval a second cuts those past it.
 * A request costs a field write, not a timer.
 */
class Deadlines {
  private readonly conns = new Set<Http1Connection>();
  private timer: NodeJS.Timeout | null = null;

  add(conn: Http1Connection): void {
    this.conns.add(conn);
    if (this.timer === null) {
      this.timer = setInterval(() => this.sweep(), 1000);
      this.timer.unref();
    }
  }

  delete(conn: Http1Connection): void {
    this.conns.delete(conn);
    if (this.conns.size === 0 && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const conn of this.conns) if (conn.deadline <= now) conn.expire();
  }

  /** Ends every connection that waits for its next request. */
  closeIdle(): void {
    for (const conn of this.conns) conn.closeIfIdle();
  }
}

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
          // Pipelined bytes wait for the response in progress; a client that
          // piles up more than a head's worth is not read from until then.
          if (this.buffer.length > this.layer.options.maxHeaderSize) this.socket.pause();
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
      // Nobody reads the body yet: stop reading the socket until somebody does.
      if (req.heldBytes > HELD_BODY_LIMIT) this.socket.pause();
      return;
    }
    this.chunked = null;
    this.state = State.Responding;
    this.deadline = Number.POSITIVE_INFINITY;
    req.pushEnd();
    // The response may have ended while the body was still coming.
    if (this.res === null && this.state === State.Responding) this.next();
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
    // Unless reading stays stopped for another reason: a body nobody reads
    // yet, or pipelined bytes piled up behind the response in progress.
    const held =
      (this.state === State.Body && (this.req?.heldBytes ?? 0) > HELD_BODY_LIMIT) ||
      (this.state === State.Responding &&
        (this.buffer?.length ?? 0) > this.layer.options.maxHeaderSize);
    if (!held) this.socket.resume();
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

export interface Http1ServerEvents {
  request: [req: Http1Request, res: Http1Response];
  upgrade: [req: Http1Request, socket: Socket, head: Buffer];
}

/**
 * A net.Server that speaks HTTP/1.1 with the layer of this module, shaped
 * like node:http's Server for what SockJS needs: 'request' (req, res) and
 * 'upgrade' (req, socket, head) events, so installHandlers() takes it. A
 * request nobody answers gets 404; an upgrade nobody takes is cut. close()
 * also ends the keep-alive connections waiting for a request, and makes the
 * busy ones close after their response.
 */
export class Http1Server extends NetServer {
  readonly options: ResolvedHttp1Options;
  /** @internal */
  readonly deadlines = new Deadlines();
  /** Requests refused as unreadable, by status (400, 408, 413, 431, 501, 505). */
  readonly refusals = new Map<number, number>();
  /** @internal Whether the server shuts down: responses close their connections. */
  closing = false;

  constructor(options: Http1Options = {}) {
    super();
    this.options = resolveHttp1Options(options);
    this.on('connection', (socket: Socket) => this.serve(socket));
    this.on('request', answerUnclaimed);
    this.on('upgrade', cutUnclaimed);
  }

  /** Serves HTTP/1.1 on a socket connected elsewhere (say a tls.Server's). */
  serve(socket: Socket): void {
    socket.setNoDelay(true);
    new Http1Connection(socket, this);
  }

  override close(callback?: (err?: Error) => void): this {
    super.close(callback);
    this.closing = true;
    this.deadlines.closeIdle();
    return this;
  }

  /** @internal */
  refused(status: number): void {
    this.refusals.set(status, (this.refusals.get(status) ?? 0) + 1);
  }
}

const FALLBACK = Symbol('sockjs-ts fallback listener');

function markFallback<F extends object>(listener: F): F {
  return Object.assign(listener, { [FALLBACK]: true });
}

// The first listeners of every Http1Server, for requests and upgrades nobody
// else takes: installHandlers() keeps them as the fallback for those outside
// its prefix. They step aside once the application listens too (before or
// after installHandlers), so that its own answer is the only one.
const answerUnclaimed = markFallback(function answerUnclaimed(
  this: Http1Server,
  _req: Http1Request,
  res: Http1Response,
): void {
  if (this.listenerCount('request') === 1) answer404(res);
});
const cutUnclaimed = markFallback(function cutUnclaimed(
  this: Http1Server,
  _req: Http1Request,
  socket: Socket,
): void {
  if (this.listenerCount('upgrade') !== 1) return;
  socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
});

/**
 * @internal The listeners installHandlers() falls back to: those the server
 * had, without the Http1Server's own 404 when the application has its own.
 */
export function fallbackListeners<F extends object>(listeners: F[]): F[] {
  return listeners.length > 1 ? listeners.filter((l) => !(FALLBACK in l)) : listeners;
}

/** Creates an HTTP/1.1 server for SockJS (see Http1Server). */
export function createHttp1Server(options?: Http1Options): Http1Server {
  return new Http1Server(options);
}
