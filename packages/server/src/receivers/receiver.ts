// A receiver carries frames from a session to the client: one HTTP response
// (polling or streaming) or one WebSocket. Each transport file provides one.

import { HEARTBEAT_FRAME, numberedFrame, OPEN_FRAME } from '@sockjs-ts/protocol';
import { wireCache } from '../wire-cache.js';

export interface SessionLink {
  /** The receiver ended; `aborted` when the client went away first. */
  detach(receiver: Receiver, aborted: boolean): void;
  /** The receiver can take frames again after backpressure. */
  flush(): void;
}

export abstract class Receiver {
  abstract readonly protocol: string;
  /** False while the underlying socket is backed up. */
  ready = true;
  ended = false;
  session: SessionLink | null = null;

  /**
   * Set by receivers that stand for one on another node (any-node mode), so
   * that a second receiver does not get 2010 while news of the first one's
   * client going away is still on its way: `then` runs once that is settled.
   */
  confirmPresence?(then: () => void): void;

  /** Sends one SockJS frame. */
  protected abstract sendFrame(frame: string): void;
  /** Ends the receiver from the server side. */
  abstract end(): void;
  /** Drops the connection at once: its peer stopped reading, so nothing more can reach it. */
  abstract abort(): void;

  open(): void {
    this.sendFrame(OPEN_FRAME);
  }
  heartbeat(): void {
    this.sendFrame(HEARTBEAT_FRAME);
  }
  messages(batch: string[]): void {
    this.sendFrame(wireCache.messageFrame(batch));
  }
  /** A resumable session's message frame, `a[seq,ack,...]` (docs/resume.md). */
  numbered(seq: number, ack: number, batch: string[]): void {
    this.sendFrame(numberedFrame(seq, ack, batch));
  }
  close(_code: number, _reason: string, frame: string): void {
    this.sendFrame(frame);
  }

  /** Called by subclasses when the peer went away. */
  protected lost(): void {
    if (this.ended) return;
    this.ended = true;
    const s = this.session;
    this.session = null;
    s?.detach(this, true);
  }

  /** Called by subclasses once they ended on purpose. */
  protected finished(): void {
    const s = this.session;
    this.session = null;
    s?.detach(this, false);
  }
}
