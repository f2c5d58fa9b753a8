// What the receivers of the two websocket transports (SockJS and raw) share,
// and the part of a WebSocket they use: `ws`'s WebSocket has it, and so does
// the hixie-76 socket in transports/hixie76.ts.

import { CloseCode, CloseReason, ReadyState } from '@sockjs-ts/protocol';
import { OwnerTag } from '../owner-tag.js';
import type { Session } from '../session.js';
import { wireCache } from '../wire-cache.js';
import { Receiver } from './receiver.js';

export interface WebSocketLike {
  readonly readyState: number;
  readonly bufferedAmount: number;
  /** Always a text message: `data` is a string or its UTF-8 bytes. */
  send(data: string | Buffer, options: { binary: false }, cb?: (err?: Error) => void): void;
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

/** A message event's UTF-8 bytes as text, whatever shape the socket delivered them in. */
export function decodeUtf8Message(data: Buffer | ArrayBuffer | Buffer[]): string {
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
  return rfc || (code >= 3000 && code <= 4999) ? code : CloseCode.Normal;
}

/** Closes `ws` with a SockJS close code and reason as the wire allows them, if it is open. */
export function closeOpenSocket(ws: WebSocketLike, code: number, reason: string): void {
  if (ws.readyState === ReadyState.OPEN) ws.close(wireCloseCode(code), wireCloseReason(reason));
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

const TEXT = { binary: false } as const;

// One listener of each kind for every socket (see owner-tag.ts).
const receiverOf = new OwnerTag<WebSocketLike, SocketReceiver>('sockjs-ts socket receiver');
// 'close' gives its code (1006: no close frame came), 'error' the error.
const onSocketGone = receiverOf.listener<number | Error>((r, _ws, how) => r.socketGone(how));
const onSocketMessage = receiverOf.listener<Buffer | ArrayBuffer | Buffer[]>((r, _ws, data) =>
  r.socketMessage(data),
);
const onSocketPong = receiverOf.listener((r) => {
  r.answered = true;
});

/** What a socket receiver reports to its endpoint (for graceful shutdown). */
export interface SocketTracker {
  add(receiver: SocketReceiver): void;
  delete(receiver: SocketReceiver): void;
}

/**
 * What the SockJS websocket and the raw websocket receivers share: the
 * socket's life ends the receiver, its messages go to the session,
 * congestion pauses it, and ending or aborting closes or cuts the socket.
 *
 * Heartbeats also find peers that vanished without a FIN: each one pings,
 * and a socket that answered nothing (no pong, no message) since the
 * previous heartbeat is cut, so its session closes instead of waiting the
 * many minutes TCP takes to give up. A session that keeps writing never
 * reaches a heartbeat (its clock restarts with every frame), so its sends
 * do the same check once per heartbeat_delay: a silent peer is cut within
 * two heartbeat_delays of its last answer, busy or idle.
 */
export abstract class SocketReceiver extends Receiver {
  protected readonly ws: WebSocketLike;
  protected readonly target: Session;
  /** Whether the peer answered since the last heartbeat ping. */
  answered = true;
  /** When a send checks the peer next (Date.now() time). */
  private checkAt: number;
  private readonly tracker: SocketTracker;

  constructor(ws: WebSocketLike, target: Session, tracker: SocketTracker) {
    super();
    this.ws = ws;
    this.target = target;
    this.tracker = tracker;
    this.checkAt = Date.now() + target.heartbeatDelay;
    receiverOf.set(ws, this);
    tracker.add(this);
    ws.on('close', onSocketGone);
    ws.on('error', onSocketGone);
    ws.on('message', onSocketMessage);
    if (ws.ping !== undefined) ws.on('pong', onSocketPong);
  }

  /** One message from the client, as text. */
  protected abstract receiveText(text: string): void;

  /** One message from the client, as the socket delivered it. */
  protected receiveData(data: Buffer | ArrayBuffer | Buffer[]): void {
    this.receiveText(decodeUtf8Message(data));
  }

  /** @internal */
  socketMessage(data: Buffer | ArrayBuffer | Buffer[]): void {
    this.answered = true;
    if (!this.ended) this.receiveData(data);
  }

  /** @internal `how`: the close code, or the error. */
  socketGone(_how?: number | Error): void {
    this.tracker.delete(this);
    this.lost();
  }

  /** Sends one text message, pausing the receiver while the socket is congested. */
  protected sendText(text: string): void {
    this.sendData(wireCache.socketData(text), text.length);
  }

  /** Sends one text message already encoded as UTF-8. */
  protected sendBytes(bytes: Buffer): void {
    this.sendData(bytes, bytes.length);
  }

  private sendData(data: string | Buffer, size: number): void {
    if (Date.now() >= this.checkAt && !this.peerAlive()) return;
    if (this.ws.bufferedAmount + size >= SOCKET_HIGH_WATER) {
      this.ready = false;
      this.ws.send(data, TEXT, () => this.resume());
    } else {
      this.ws.send(data, TEXT);
    }
  }

  private resume(): void {
    this.ready = true;
    this.session?.flush();
  }

  /** Pings; false when the peer answered nothing since the last heartbeat (it is cut). */
  protected peerAlive(): boolean {
    const ws = this.ws;
    if (ws.ping === undefined || ws.readyState !== ReadyState.OPEN) return true;
    this.checkAt = Date.now() + this.target.heartbeatDelay;
    if (!this.answered) {
      ws.terminate();
      return false;
    }
    this.answered = false;
    ws.ping();
    return true;
  }

  /** Closes the WebSocket with the session's close code, if it is open. */
  protected closeSocket(code: number, reason: string): void {
    closeOpenSocket(this.ws, code, reason);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.closeSocket(CloseCode.Normal, CloseReason.Normal);
    this.finished();
  }

  abort(): void {
    this.ws.terminate();
  }

  /** Cuts the socket (shutdown's last resort). */
  destroy(): void {
    this.ws.terminate();
  }
}
