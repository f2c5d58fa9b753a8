// Raw websocket: GET <prefix>/websocket for clients that speak plain
// WebSocket. Each message is one SockJS message, with no framing, no open
// frame and no heartbeat frame (only WebSocket pings); close travels in the
// WebSocket close frame.

import { Receiver } from '../receiver.js';
import type { Session } from '../session.js';
import {
  Liveness,
  messageText,
  sendCongestionAware,
  type WebSocketLike,
  wireCloseCode,
  wireCloseReason,
} from './websocket-like.js';

export class RawWebSocketReceiver extends Receiver {
  readonly protocol = 'websocket-raw';
  private readonly ws: WebSocketLike;
  private readonly liveness: Liveness;

  constructor(ws: WebSocketLike) {
    super();
    this.ws = ws;
    this.liveness = new Liveness(ws);
    ws.on('close', () => this.lost());
    ws.on('error', () => this.lost());
  }

  protected sendFrame(): void {}

  override open(): void {}
  override heartbeat(): void {
    this.liveness.check();
  }

  override messages(batch: string[]): void {
    if (this.ended || this.ws.readyState !== 1) return;
    for (const m of batch) sendCongestionAware(this.ws, m, this, this.resume);
  }

  private readonly resume = (): void => {
    this.ready = true;
    this.session?.flush();
  };

  override close(code: number, reason: string): void {
    if (this.ws.readyState === 1) this.ws.close(wireCloseCode(code), wireCloseReason(reason));
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.ws.readyState === 1) this.ws.close(1000, 'Normal closure');
    this.finished();
  }

  abort(): void {
    this.ws.terminate();
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
