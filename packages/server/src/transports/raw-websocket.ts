// Raw websocket: GET <prefix>/websocket for clients that speak plain
// WebSocket. Each message is one SockJS message, with no framing, no open
// frame and no heartbeat frame (only WebSocket pings); close travels in the
// WebSocket close frame.

import type { Session } from '../session.js';
import { messageText, SocketReceiver, type WebSocketLike } from './websocket-like.js';

export class RawWebSocketReceiver extends SocketReceiver {
  readonly protocol = 'websocket-raw';

  protected sendFrame(): void {}

  override open(): void {}

  override heartbeat(): void {
    this.peerAlive();
  }

  override messages(batch: string[]): void {
    if (this.ended || this.ws.readyState !== 1) return;
    for (const m of batch) this.sendText(m);
  }

  override close(code: number, reason: string): void {
    this.closeSocket(code, reason);
  }
}

export function startRawWebSocketSession(
  ws: WebSocketLike,
  session: Session,
  maxMessageSize: number,
): void {
  const receiver = new RawWebSocketReceiver(ws);
  ws.on('message', (data) => {
    if (receiver.ended) return;
    const text = messageText(data);
    if (text.length > maxMessageSize) {
      session.messageTooBig(text.length);
      return;
    }
    session.receive(text);
  });
  session.attach(receiver);
}
