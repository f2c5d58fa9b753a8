// The server-side session state machine, free of I/O and of clocks: callers
// pass the current time in and act on what each method returns.
//
// A session lives across many HTTP requests. At most one of them, the
// "receiver", may be attached at a time; it carries frames to the client.
// Messages written while no receiver is attached wait in the outbox. A
// session with no receiver for `disconnectDelay` expires; an attached
// receiver gets a heartbeat after `heartbeatDelay` without other frames.

import { CloseCode, CloseReason } from './close-codes.js';
import { closeFrame } from './frames.js';

export const ReadyState = {
  CONNECTING: 0,
  OPEN: 1,
  CLOSING: 2,
  CLOSED: 3,
} as const;
export type ReadyState = (typeof ReadyState)[keyof typeof ReadyState];

export interface SessionTimings {
  /** Milliseconds without frames before a heartbeat goes to the receiver. */
  readonly heartbeatDelay: number;
  /** Milliseconds without a receiver before the session expires. */
  readonly disconnectDelay: number;
}

/** What a new receiving request should do when it attaches. */
export type AttachOutcome =
  /** First receiver: send `o`, then the outbox. The session is now open. */
  | 'opened'
  /** Later receiver of an open session: send the outbox. */
  | 'attached'
  /** Another receiver is attached: answer 2010 and end, the session is untouched. */
  | 'busy'
  /** The session was closed: send `closeFrame` and end. */
  | 'closed';

/** What a deadline produced when `tick` ran. */
export type TickOutcome = 'heartbeat' | 'expire' | null;

export class SessionState {
  readyState: ReadyState = ReadyState.CONNECTING;
  /** The `c[...]` frame, once the session is closing. */
  closeFrame: string | null = null;
  closeCode = 0;
  closeReason = '';
  hasReceiver = false;
  /** When the next heartbeat is due (Infinity: none). */
  heartbeatAt = Number.POSITIVE_INFINITY;
  /** When the session expires for lack of a receiver (Infinity: not while one is attached). */
  expireAt: number;
  private outbox: string[] = [];
  /** When a frame last went to a receiver (-Infinity: never). */
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private readonly timings: SessionTimings;

  constructor(timings: SessionTimings, now: number) {
    this.timings = timings;
    this.expireAt = now + timings.disconnectDelay;
  }

  /** Messages waiting for a receiver. */
  get queued(): number {
    return this.outbox.length;
  }

  attach(now: number): AttachOutcome {
    if (this.hasReceiver) return 'busy';
    if (this.readyState >= ReadyState.CLOSING) return 'closed';
    this.hasReceiver = true;
    this.expireAt = Number.POSITIVE_INFINITY;
    this.heartbeatAt = now + this.timings.heartbeatDelay;
    if (this.readyState === ReadyState.CONNECTING) {
      this.readyState = ReadyState.OPEN;
      return 'opened';
    }
    return 'attached';
  }

  /**
   * The receiver went away. `aborted` means the client dropped it before the
   * server ended it: the session is then closed with 1002, since frames may
   * have been lost in flight. Returns true when that closed the session.
   */
  detach(now: number, aborted: boolean): boolean {
    if (!this.hasReceiver) return false;
    this.hasReceiver = false;
    this.heartbeatAt = Number.POSITIVE_INFINITY;
    this.expireAt = now + this.timings.disconnectDelay;
    if (aborted && this.readyState === ReadyState.OPEN) {
      this.close(CloseCode.ProtocolError, CloseReason.Interrupted);
      return true;
    }
    return false;
  }

  /** Queues a message; false when the session no longer takes messages. */
  enqueue(message: string): boolean {
    if (this.readyState >= ReadyState.CLOSING) return false;
    this.outbox.push(message);
    return true;
  }

  /** Takes every queued message (for one `a[...]` frame). */
  drain(): string[] {
    const batch = this.outbox;
    this.outbox = [];
    return batch;
  }

  /**
   * A frame went to the receiver: the heartbeat clock restarts. Only the time
   * is noted; `heartbeatAt` moves when it comes due, so that a busy session
   * does not reschedule its deadline on every frame.
   */
  sent(now: number): void {
    this.lastSentAt = now;
  }

  /** Starts closing; false if the session was already closing. */
  close(code: number, reason: string): boolean {
    if (this.readyState >= ReadyState.CLOSING) return false;
    this.readyState = ReadyState.CLOSING;
    this.closeCode = code;
    this.closeReason = reason;
    this.closeFrame = closeFrame(code, reason);
    return true;
  }

  /** The earliest time at which `tick` has work. */
  nextDeadline(): number {
    return Math.min(this.heartbeatAt, this.expireAt);
  }

  tick(now: number): TickOutcome {
    if (now >= this.expireAt) {
      this.readyState = ReadyState.CLOSED;
      this.expireAt = Number.POSITIVE_INFINITY;
      this.heartbeatAt = Number.POSITIVE_INFINITY;
      return 'expire';
    }
    if (now >= this.heartbeatAt) {
      const quietSince = Math.max(this.lastSentAt, this.heartbeatAt - this.timings.heartbeatDelay);
      if (now - quietSince < this.timings.heartbeatDelay) {
        // Frames went out since the deadline was set: the heartbeat is due a
        // full delay after the last of them.
        this.heartbeatAt = quietSince + this.timings.heartbeatDelay;
        return null;
      }
      this.heartbeatAt = now + this.timings.heartbeatDelay;
      return 'heartbeat';
    }
    return null;
  }
}
