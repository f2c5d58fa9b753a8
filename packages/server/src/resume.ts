// The resume extension's state on the server (docs/resume.md): what one
// resumable session holds beyond a plain one. Allocated only for sessions
// opened with `resume=new`, so plain sessions pay nothing for it.

import {
  CloseCode,
  CloseReason,
  closeFrame,
  parseResumeQuery,
  RESUME_ACK_AFTER,
  RESUME_ACK_EVERY,
} from '@sockjs-ts/protocol';
import { queryParam } from './http-util.js';
import type { Receiver } from './receivers/receiver.js';

export const CANNOT_RESUME = closeFrame(CloseCode.CannotResume, CloseReason.CannotResume);

/**
 * What a receiving request's `resume` query asks for: 'new', a reattach with
 * the client's ack, NaN for a malformed one, null when absent (also when the
 * extension is off). Most URLs have no `resume=`: one search and no parsing.
 */
export function resumeQuery(url: string | undefined, window: number): 'new' | number | null {
  if (window === 0 || url === undefined) return null;
  const q = url.indexOf('?');
  if (q === -1 || url.indexOf('resume=', q) === -1) return null;
  return parseResumeQuery(queryParam(url, 'resume'));
}

/** Answers a reattach that cannot be served: `c[2012,"Cannot resume"]`, then the end. */
export function refuseResume(receiver: Receiver): void {
  if (!receiver.ended) {
    receiver.close(CloseCode.CannotResume, CloseReason.CannotResume, CANNOT_RESUME);
  }
  receiver.end();
}

/** What a resumable session lets its resume state call. */
export interface AckOwner {
  /** The oldest unconfirmed client message waited RESUME_ACK_AFTER: an ack-only frame is due. */
  ackTimerFired(): void;
}

export class ResumeState {
  /** How many of the server's messages the client confirmed: the seq of `unacked[0]`. */
  confirmed = 0;
  /** Messages sent to some receiver that the client has not confirmed, oldest first. */
  unacked: string[] = [];
  /** Their size in UTF-16 code units (counted toward max_queue_size). */
  unackedSize = 0;
  /** The next frame starts again at `confirmed`: a new receiver after a reattach. */
  replay = false;
  /** Client messages handed to the application: the ack the server sends. */
  received = 0;
  /** The ack value last sent to the client. */
  ackSent = 0;
  /** The seq of the batch that outgoing() made last. */
  batchSeq = 0;
  /** Pending ack-only frame on a websocket (RESUME_ACK_AFTER after an unconfirmed message). */
  private ackTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly owner: AckOwner;

  constructor(owner: AckOwner) {
    this.owner = owner;
  }

  /** The seq the server's next new message gets. */
  get nextSeq(): number {
    return this.confirmed + this.unacked.length;
  }

  /**
   * A reattach with the client's ack: frees what it confirmed and replays
   * the rest with the next frame. False when the session no longer holds
   * message `ack` (confirmed already, or never sent).
   */
  rewind(ack: number): boolean {
    if (ack < this.confirmed || ack > this.nextSeq) return false;
    this.free(ack);
    this.replay = true;
    return true;
  }

  /** A client batch's ack; false when it confirms messages never sent (a protocol error). */
  confirm(ack: number): boolean {
    if (ack > this.nextSeq) return false;
    if (ack > this.confirmed) this.free(ack);
    return true;
  }

  private free(ack: number): void {
    const n = ack - this.confirmed;
    if (n === 0) return;
    const unacked = this.unacked;
    for (let i = 0; i < n; i++) this.unackedSize -= unacked[i]!.length;
    this.unacked = n === unacked.length ? [] : unacked.slice(n);
    this.confirmed = ack;
  }

  /**
   * The messages of the next frame, `fresh` (just drained from the queue)
   * joining the unacked ones; after a reattach, every unacked message from
   * the client's ack on comes first. Its seq is in `batchSeq`.
   */
  outgoing(fresh: string[]): string[] {
    const seq = this.nextSeq;
    for (let i = 0; i < fresh.length; i++) {
      this.unacked.push(fresh[i]!);
      this.unackedSize += fresh[i]!.length;
    }
    if (this.replay) {
      this.replay = false;
      this.batchSeq = this.confirmed;
      return this.unacked.slice();
    }
    this.batchSeq = seq;
    return fresh;
  }

  /** An ack went out in a frame. */
  acked(): void {
    this.ackSent = this.received;
    this.stopAckTimer();
  }

  /**
   * Client messages arrived over a websocket, where nothing else confirms
   * them: true when an ack-only frame is due now; otherwise the owner hears
   * once the oldest unconfirmed one has waited RESUME_ACK_AFTER.
   */
  ackDue(): boolean {
    const unconfirmed = this.received - this.ackSent;
    if (unconfirmed >= RESUME_ACK_EVERY) return true;
    if (unconfirmed > 0 && this.ackTimer === null) {
      const owner = this.owner;
      this.ackTimer = setTimeout(() => {
        this.ackTimer = null;
        owner.ackTimerFired();
      }, RESUME_ACK_AFTER);
      this.ackTimer.unref?.();
    }
    return false;
  }

  stopAckTimer(): void {
    if (this.ackTimer === null) return;
    clearTimeout(this.ackTimer);
    this.ackTimer = null;
  }
}
