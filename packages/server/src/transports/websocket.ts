// websocket: GET <session>/websocket upgraded to RFC 6455 (through `ws`) or
// hixie-76. The SockJS frames travel as text messages; the client sends
// JSON arrays of strings. WebSocket sessions are not shared with other
// requests, so nothing finds them by id (sessions.ts); a resumable one is
// found by its next socket's `resume=<ack>` (docs/resume.md).

import {
  CloseCode,
  CloseReason,
  FrameError,
  type NumberedBatch,
  parseNumberedBatch,
  parseWebSocketPayload,
  ReadyState,
} from '@sockjs-ts/protocol';
import type { RemoteSession } from '../forwarding.js';
import type { HttpRequest } from '../http-types.js';
import { Receiver } from '../receivers/receiver.js';
import {
  closeOpenSocket,
  decodeUtf8Message,
  SocketReceiver,
  type SocketTracker,
  type WebSocketLike,
} from '../receivers/socket-receiver.js';
import { CANNOT_RESUME } from '../resume.js';
import type { Session } from '../session.js';
import type { WebSocketTransport } from '../websocket-upgrade.js';
import { plainSingleMessage, wireCache } from '../wire-cache.js';

export class WebSocketReceiver extends SocketReceiver {
  readonly protocol = 'websocket';
  /** Set when the client broke the framing: no more frames, only the close. */
  broken = false;

  /** Whether frames may still go out. */
  private sending(): boolean {
    return !this.ended && !this.broken && this.ws.readyState === ReadyState.OPEN;
  }

  protected sendFrame(frame: string): void {
    if (this.sending()) this.sendText(frame);
  }

  /** A lone message the client just sent goes back as the bytes it came in. */
  override messages(batch: string[]): void {
    const bytes = batch.length === 1 ? wireCache.echoFrame(batch[0]!) : null;
    if (bytes === null) super.messages(batch);
    else if (this.sending()) this.sendBytes(bytes);
  }

  /** An `h` frame the client sees, and a ping that proves the peer is still there. */
  override heartbeat(): void {
    if (this.peerAlive()) super.heartbeat();
  }

  override close(code: number, reason: string, frame: string): void {
    this.sendFrame(frame);
    this.closeSocket(code, reason);
  }

  /** `["..."]` with a plain literal is read from its bytes; the rest is parsed. */
  protected override receiveData(data: Buffer | ArrayBuffer | Buffer[]): void {
    const message = Buffer.isBuffer(data) ? plainSingleMessage(data) : null;
    if (message === null) {
      super.receiveData(data);
      return;
    }
    wireCache.receivedPlain(message, data as Buffer);
    this.deliver(message);
  }

  /** A JSON array of messages (or one JSON string); '' and '[]' carry nothing. */
  protected receiveText(text: string): void {
    const session = this.target;
    let messages: string[];
    try {
      messages = parseWebSocketPayload(text);
      wireCache.receivedText(messages, text);
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      // Broken JSON: the WebSocket is closed with 3000 at once, with no
      // close frame before it (as sockjs-node does; the suite expects it).
      this.broken = true;
      session.close(CloseCode.GoAway, CloseReason.BrokenFraming);
      return;
    }
    for (const m of messages) if (!this.deliver(m)) return;
  }

  /** Hands one message to the session; false when it was too big (the session closes). */
  private deliver(message: string): boolean {
    const session = this.target;
    if (message.length > session.maxMessageSize) {
      session.messageTooBig(message.length);
      return false;
    }
    session.receive(message);
    return true;
  }
}

/**
 * The receiver of a resumable session (docs/resume.md): every message the
 * client sends is a numbered batch `[seq, ack, ...]`, and the session
 * confirms them with ack-only frames. A drop leaves the session held for
 * resume_window; a close frame from the client is its goodbye.
 */
export class ResumableWebSocketReceiver extends WebSocketReceiver {
  protected override receiveData(data: Buffer | ArrayBuffer | Buffer[]): void {
    this.receiveText(decodeUtf8Message(data));
  }

  protected override receiveText(text: string): void {
    if (text.length === 0) return;
    let batch: NumberedBatch;
    try {
      batch = parseNumberedBatch(text);
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      this.broken = true;
      this.target.close(CloseCode.GoAway, CloseReason.BrokenFraming);
      return;
    }
    this.target.receiveBatch(batch, true);
  }

  override socketGone(how?: number | Error): void {
    if (typeof how === 'number' && how !== CloseCode.Abnormal && !this.ended) {
      // As a plain session ends when its socket does.
      this.target.close(CloseCode.ProtocolError, CloseReason.Interrupted);
    }
    super.socketGone(how);
  }
}

function receiverFor(ws: WebSocketLike, session: Session, tracker: SocketTracker) {
  return session.resume === null
    ? new WebSocketReceiver(ws, session, tracker)
    : new ResumableWebSocketReceiver(ws, session, tracker);
}

export const sockjsWebSocket: WebSocketTransport = {
  protocol: 'websocket',
  acceptsHixie76: true,
  start(ws: WebSocketLike, session: Session, tracker: SocketTracker): void {
    session.attach(receiverFor(ws, session, tracker));
  },
};

/** A websocket with `resume=<ack>` for a session here (docs/resume.md). */
export function reattachWebSocket(
  ws: WebSocketLike,
  session: Session,
  tracker: SocketTracker,
  ack: number,
): void {
  session.resumeAttach(receiverFor(ws, session, tracker), ack);
}

/**
 * Any-node mode: a websocket reattach (`resume=<ack>`) that reached a node
 * other than its session's owner. It stands in for the socket there as the
 * HTTP transports' receivers do: the owner's frames come to it through
 * forwarding, and each client batch goes to the owner as a forwarded send,
 * in order, which the session confirms with ack-only frames as for its own
 * websockets. Rare (a balancer that is not sticky), so plain closures do.
 */
export class RemoteWebSocketReceiver extends Receiver {
  readonly protocol = 'websocket';
  /** The client closed it with a close frame (or broke the framing): its session ends. */
  closedByPeer = false;
  private readonly ws: WebSocketLike;
  private readonly remote: RemoteSession;

  constructor(ws: WebSocketLike, remote: RemoteSession) {
    super();
    this.ws = ws;
    this.remote = remote;
    ws.on('message', (data) => this.message(decodeUtf8Message(data)));
    ws.on('close', (code) => {
      if (code !== CloseCode.Abnormal) this.closedByPeer = true;
      this.lost();
    });
    ws.on('error', () => this.lost());
  }

  private message(text: string): void {
    if (this.ended || text.length === 0) return;
    let batch: NumberedBatch;
    try {
      batch = parseNumberedBatch(text);
    } catch {
      this.closedByPeer = true;
      closeOpenSocket(this.ws, CloseCode.GoAway, CloseReason.BrokenFraming);
      this.lost();
      return;
    }
    void this.remote.send(batch.messages, batch, true);
  }

  protected sendFrame(frame: string): void {
    if (!this.ended && this.ws.readyState === ReadyState.OPEN)
      this.ws.send(frame, { binary: false });
  }

  override close(code: number, reason: string, frame: string): void {
    this.sendFrame(frame);
    closeOpenSocket(this.ws, code, reason);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    closeOpenSocket(this.ws, CloseCode.Normal, CloseReason.Normal);
    this.finished();
  }

  abort(): void {
    this.ws.terminate();
  }
}

/** A websocket with `resume=<ack>` for no session: `c[2012,"Cannot resume"]`, then the close. */
export function refuseWebSocket(ws: WebSocketLike): void {
  ws.send(CANNOT_RESUME, { binary: false });
  ws.close(CloseCode.Normal, CloseReason.CannotResume);
}

/** True when the request asks for a websocket upgrade hixie-76 style. */
export function isHixie76(req: HttpRequest): boolean {
  return (
    req.headers['sec-websocket-key1'] !== undefined &&
    req.headers['sec-websocket-key2'] !== undefined
  );
}
