// The hixie-76 WebSocket draft, which old Safari, old Chrome and HAProxy's
// health checks still speak. The handshake answers 101 at once and then waits
// for the 8-byte key that follows the headers (HAProxy sends it only after it
// sees the 101), and answers with the MD5 challenge response. Frames are
// 0x00 <utf-8> 0xFF; 0xFF 0x00 closes.

import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { CloseCode, ReadyState } from '@sockjs-ts/protocol';
import type { HttpRequest } from '../http-types.js';
import type { WebSocketLike } from '../receivers/socket-receiver.js';

/**
 * The 32-bit number a hixie-76 key encodes: its digits over its spaces; null
 * when the key encodes none.
 */
function hixieKeyNumber(key: string): number | null {
  const digits = key.replace(/[^0-9]/g, '');
  const spaces = key.replace(/[^ ]/g, '').length;
  if (digits.length === 0 || spaces === 0) return null;
  const n = Number(digits);
  if (n % spaces !== 0 || n / spaces > 0xffffffff) return null;
  return n / spaces;
}

/** The 16-byte answer to a hixie-76 challenge. */
function hixieChallengeResponse(number1: number, number2: number, key3: Buffer): Buffer {
  const buf = Buffer.alloc(16);
  buf.writeUInt32BE(number1, 0);
  buf.writeUInt32BE(number2, 4);
  key3.copy(buf, 8, 0, 8);
  return createHash('md5').update(buf).digest();
}

export class Hixie76Socket extends EventEmitter implements WebSocketLike {
  readyState: ReadyState = ReadyState.CONNECTING;
  private readonly socket: Duplex;
  private buffered: Buffer = Buffer.alloc(0);
  private readonly maxPayload: number;

  constructor(socket: Duplex, maxPayload: number) {
    super();
    this.socket = socket;
    this.maxPayload = maxPayload;
  }

  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  /**
   * Answers the handshake. Calls `onOpen` once the challenge is answered, or
   * destroys the socket if the keys are invalid.
   */
  accept(req: HttpRequest, head: Buffer, location: string, onOpen: () => void): void {
    const number1 = hixieKeyNumber(String(req.headers['sec-websocket-key1']));
    const number2 = hixieKeyNumber(String(req.headers['sec-websocket-key2']));
    if (number1 === null || number2 === null) {
      this.socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    const origin = req.headers.origin ?? req.headers['sec-websocket-origin'];
    const lines = [
      'HTTP/1.1 101 WebSocket Protocol Handshake',
      'Upgrade: WebSocket',
      'Connection: Upgrade',
      ...(origin ? [`Sec-WebSocket-Origin: ${String(origin)}`] : []),
      `Sec-WebSocket-Location: ${location}`,
    ];
    this.socket.write(lines.join('\r\n') + '\r\n\r\n');
    (this.socket as Partial<Socket>).setTimeout?.(0);
    this.socket.on('error', () => this.finish());
    this.socket.on('close', () => this.finish());
    // The client hung up without the closing handshake. An HTTP server's
    // sockets stay half-open after the peer's FIN: close ours too, or the
    // drop would go unnoticed until the liveness check.
    this.socket.on('end', () => {
      if (this.readyState === ReadyState.OPEN || this.readyState === ReadyState.CONNECTING) {
        this.terminate();
      }
    });
    let key3 = head;
    const onKey = (chunk: Buffer) => {
      key3 = Buffer.concat([key3, chunk]);
      tryOpen();
    };
    const tryOpen = () => {
      if (key3.length < 8) return;
      this.socket.removeListener('data', onKey);
      this.socket.write(hixieChallengeResponse(number1, number2, key3));
      this.readyState = ReadyState.OPEN;
      this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
      onOpen();
      if (key3.length > 8) this.onData(key3.subarray(8));
    };
    this.socket.on('data', onKey);
    tryOpen();
  }

  send(data: string | Buffer, _options: { binary: false }, cb?: (err?: Error) => void): void {
    if (this.readyState !== ReadyState.OPEN) return;
    const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const frame = Buffer.allocUnsafe(body.length + 2);
    frame[0] = 0x00;
    body.copy(frame, 1);
    frame[frame.length - 1] = 0xff;
    this.socket.write(frame, cb && (() => cb()));
  }

  close(): void {
    if (this.readyState !== ReadyState.OPEN) return;
    this.readyState = ReadyState.CLOSING;
    this.socket.end(Buffer.from([0xff, 0x00]));
  }

  terminate(): void {
    this.socket.destroy();
    this.finish();
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length > 0) {
      const type = this.buffered[0];
      if (type === 0x00) {
        const end = this.buffered.indexOf(0xff, 1);
        if (end === -1) {
          if (this.buffered.length > this.maxPayload) this.terminate();
          return;
        }
        const text = this.buffered.subarray(1, end);
        this.buffered = this.buffered.subarray(end + 1);
        this.emit('message', Buffer.from(text), false);
      } else if (type === 0xff) {
        if (this.buffered.length < 2) return;
        // Closing handshake: answer it and hang up.
        this.close();
        this.finish(CloseCode.Normal);
        return;
      } else {
        // Binary frames were never used by SockJS clients.
        this.terminate();
        return;
      }
    }
  }

  /** Without a closing handshake the code is 1006, as `ws` reports a drop. */
  private finish(code: number = CloseCode.Abnormal): void {
    if (this.readyState === ReadyState.CLOSED) return;
    this.readyState = ReadyState.CLOSED;
    this.emit('close', code, Buffer.alloc(0));
  }
}
