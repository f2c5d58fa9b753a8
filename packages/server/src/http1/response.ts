// The response object of the HTTP/1.1 layer.

import { EventEmitter } from 'node:events';
import type { OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { Http1Connection } from './connection.js';
import { FIELD_VALUE, lowerFieldName } from './parser.js';
import { statusText } from './status.js';

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
