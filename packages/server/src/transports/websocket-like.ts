// The part of a WebSocket the websocket transports use. `ws`'s WebSocket has
// it, and so does the hixie-76 socket in hixie76.ts. Also the receiver
// behaviour both websocket transports share.

import { Receiver } from '../receiver.js';

export interface WebSocketLike {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string, cb?: (err?: Error) => void): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  /** RFC 6455 sockets ping; hixie-76 ones cannot. */
  ping?(): void;
  on(event: 'pong', listener: () => void): this;
  on(
    event: 'message',
    listener: (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void,
  ): this;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
}

/** The text of a message event, whatever shape the socket delivered it in. */
export function messageText(data: Buffer | ArrayBuffer | Buffer[]): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/**
 * Close codes a server may put in a WebSocket close frame: RFC 6455's own
 * (1000-1003, 1007-1011, so that a raw websocket client learns of 1009 or
 * 1008) and the application range; anything else (2010, 1005, 1006) is 1000.
 */
export function wireCloseCode(code: number): number {
  const rfc = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011);
  return rfc || (code >= 3000 && code <= 4999) ? code : 1000;
}

/** A close reason must fit in 123 bytes of UTF-8. */
export function wireCloseReason(reason: string): string {
  if (Buffer.byteLength(reason) <= 123) return reason;
  let r = reason.slice(0, 123);
  while (Buffer.byteLength(r) > 123) r = r.slice(0, -1);
  return r;
}

/**
 * Bytes a WebSocket may hold unsent before its receiver stops taking frames;
 * further messages wait in the session's queue, where the high-water mark
 * and max_queue_size apply.
 */
export const SOCKET_HIGH_WATER = 64 * 1024;

/**
 * Sends a text frame. When the socket is congested, marks the receiver not
 * ready and calls `resume` once this frame has been written out.
 */
export function sendCongestionAware(
  ws: WebSocketLike,
  text: string,
  receiver: { ready: boolean },
  resume: () => void,
): void {
  if (ws.bufferedAmount + text.length >= SOCKET_HIGH_WATER) {
    receiver.ready = false;
    ws.send(text, resume);
  } else {
    ws.send(text);
  }
}

/**
 * Finds peers that vanished without a FIN. Each heartbeat pings; a socket
 * that has answered nothing (no pong, no message) since the previous
 * heartbeat is cut, so its session closes instead of waiting for TCP to give
 * up, which takes many minutes.
 */
export class Liveness {
  private answered = true;
  private readonly ws: WebSocketLike;

  constructor(ws: WebSocketLike) {
    this.ws = ws;
    if (ws.ping === undefined) return;
    const alive = () => {
      this.answered = true;
    };
    ws.on('pong', alive);
    ws.on('message', alive);
  }

  /** Called on each heartbeat; returns false when the peer is gone (the socket is cut). */
  check(): boolean {
    const ws = this.ws;
    if (ws.ping === undefined || ws.readyState !== 1) return true;
    if (!this.answered) {
      ws.terminate();
      return false;
    }
    this.answered = false;
    ws.ping();
    return true;
  }
}

/**
 * What the SockJS websocket and the raw websocket receivers share: the
 * socket's life ends the receiver, congestion pauses it, heartbeats ping,
 * and ending or aborting closes or cuts the socket.
 */
export abstract class SocketReceiver extends Receiver {
  protected readonly ws: WebSocketLike;
  private readonly liveness: Liveness;

  constructor(ws: WebSocketLike) {
    super();
    this.ws = ws;
    this.liveness = new Liveness(ws);
    ws.on('close', () => this.lost());
    ws.on('error', () => this.lost());
  }

  /** Sends one text message, pausing the receiver while the socket is congested. */
  protected sendText(text: string): void {
    sendCongestionAware(this.ws, text, this, this.resume);
  }

  private readonly resume = (): void => {
    this.ready = true;
    this.session?.flush();
  };

  /** Pings; false when the peer answered nothing since the last heartbeat (it is cut). */
  protected peerAlive(): boolean {
    return this.liveness.check();
  }

  /** Closes the WebSocket with the session's close code, if it is open. */
  protected closeSocket(code: number, reason: string): void {
    if (this.ws.readyState === 1) this.ws.close(wireCloseCode(code), wireCloseReason(reason));
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.closeSocket(1000, 'Normal closure');
    this.finished();
  }

  abort(): void {
    this.ws.terminate();
  }
}
