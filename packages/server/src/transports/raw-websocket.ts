// Raw websocket: GET <prefix>/websocket for clients that speak plain
// WebSocket. Each message is one SockJS message, with no framing, no open
// frame and no heartbeat frame (only WebSocket pings); close travels in the
// WebSocket close frame.

import { ReadyState } from '@sockjs-ts/protocol';
import {
  decodeUtf8Message,
  SocketReceiver,
  type SocketTracker,
  type WebSocketLike,
} from '../receivers/socket-receiver.js';
import type { Session } from '../session.js';
import type { WebSocketTransport } from '../websocket-upgrade.js';
import { wireCache } from '../wire-cache.js';

export class RawWebSocketReceiver extends SocketReceiver {
  readonly protocol = 'websocket-raw';

  protected sendFrame(): void {}

  override open(): void {}

  override heartbeat(): void {
    this.peerAlive();
  }

  override messages(batch: string[]): void {
    if (this.ended || this.ws.readyState !== ReadyState.OPEN) return;
    for (const m of batch) this.sendText(m);
  }

  override close(code: number, reason: string): void {
    this.closeSocket(code, reason);
  }

  /** A message is remembered with its bytes: its echo goes back as them. */
  protected override receiveData(data: Buffer | ArrayBuffer | Buffer[]): void {
    const text = decodeUtf8Message(data);
    if (Buffer.isBuffer(data)) wireCache.receivedRaw(text, data);
    this.receiveText(text);
  }

  /** Each WebSocket message is one SockJS message. */
  protected receiveText(text: string): void {
    const session = this.target;
    if (text.length > session.maxMessageSize) session.messageTooBig(text.length);
    else session.receive(text);
  }
}

export const rawWebSocket: WebSocketTransport = {
  protocol: 'websocket-raw',
  acceptsHixie76: false,
  start(ws: WebSocketLike, session: Session, tracker: SocketTracker): void {
    session.attach(new RawWebSocketReceiver(ws, session, tracker));
  },
};
