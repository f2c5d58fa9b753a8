// A live session: the protocol state machine plus its receiver, its
// connection object and its deadline in the timer wheel.

import {
  CloseCode,
  CloseReason,
  closeFrame,
  type NumberedBatch,
  ReadyState,
  SessionState,
  type SessionTimings,
} from '@sockjs-ts/protocol';
import type { Channels } from './channels.js';
import { Connection } from './connection.js';
import type { Counters } from './diagnostics.js';
import type { HttpRequest } from './http-types.js';
import type { ResolvedOptions } from './options.js';
import type { Receiver, SessionLink } from './receivers/receiver.js';
import { type AckOwner, ResumeState, refuseResume } from './resume.js';
import type { Scheduled, TimerWheel } from './timer-wheel.js';

// Policy violation: only the server sends it, to a client too slow to read
// what it is sent.
const QUEUE_FULL_CODE = 1008;
const QUEUE_FULL_REASON = 'Outbound queue full';

/** Never written to: what an ack-only frame carries. */
const NO_MESSAGES: string[] = [];

/** What a client batch in a resumable session came to (see Session.receiveBatch). */
export type BatchOutcome = 'delivered' | 'closed' | 'too-big' | 'broken';

/**
 * How a send answers a batch's outcome: 204, 413 for a message too big, 404
 * when the session is closed or the batch broke it (a gap: 1002).
 */
export function sendStatus(outcome: BatchOutcome): 204 | 404 | 413 {
  return outcome === 'delivered' ? 204 : outcome === 'too-big' ? 413 : 404;
}

const ANOTHER_CONNECTION = closeFrame(
  CloseCode.AnotherConnectionOpen,
  CloseReason.AnotherConnectionOpen,
);

// Sessions written to since the last flush. They are flushed together in one
// microtask: a broadcast writes to every session at once, and one queued
// callback per session (queueMicrotask wraps each in an async resource) cost
// more than the frames themselves.
let flushQueue: Session[] = [];
// While set, a flush that is not queued yet waits for the setImmediate
// callbacks already scheduled instead of the end of the current task: a
// publish hands its message to the broker first, whose client writes it to
// its socket from such a callback (node-redis does), so the other processes
// get it before this one spends its time writing to its own members.
let flushAfterImmediates = false;

function scheduleFlush(session: Session): void {
  if (flushQueue.length === 0) {
    if (flushAfterImmediates) setImmediate(runFlushQueue);
    else queueMicrotask(runFlushQueue);
  }
  flushQueue.push(session);
}

/**
 * Runs `write` (writes to sessions) with their flush, if it is not queued
 * already, after the setImmediate callbacks scheduled so far.
 */
export function flushingAfterImmediates(write: () => void): void {
  flushAfterImmediates = true;
  try {
    write();
  } finally {
    flushAfterImmediates = false;
  }
}

function runFlushQueue(): void {
  const batch = flushQueue;
  flushQueue = [];
  for (const session of batch) {
    try {
      session.scheduledFlush();
    } catch (err) {
      // A throwing 'drain' listener must not leave the other sessions unflushed.
      throwLater(err);
    }
  }
}

/**
 * Throws `err` on its own, as an uncaught exception (what a listener's error
 * is when nothing catches it), once the code that called the listener has
 * done the rest of its work: the other messages of a batch, the other
 * sessions of a flush, the other messages of a registry message.
 */
export function throwLater(err: unknown): void {
  process.nextTick(() => {
    throw err;
  });
}

/** What a session needs from the endpoint that made it. */
export interface SessionHost {
  readonly options: ResolvedOptions;
  /** A resumable session's timings: held for resume_window instead of disconnect_delay. */
  readonly resumeTimings: SessionTimings;
  readonly wheel: TimerWheel<Session>;
  readonly counters: Counters;
  /** The server's channels, which connections join and leave. */
  readonly channels: Channels;
  /** A limit was hit (for diagnostics). */
  limitHit(limit: 'body' | 'message' | 'queue', size: number, max: number, id?: string): void;
  /** The session opened: hand its connection to the application. */
  opened(session: Session): void;
  /** The session is gone for good: forget it. */
  expired(session: Session): void;
  /** The session closed (the connection's 'close' event follows). */
  closed(session: Session): void;
  /** A resumable session got a new transport after a drop (for diagnostics). */
  resumed(session: Session, ack: number, replayed: number, takeover: boolean): void;
  /** A reattach was answered 2012 (for diagnostics). */
  resumeRefused(): void;
}

export class Session implements SessionLink, Scheduled, AckOwner {
  readonly id: string;
  readonly state: SessionState;
  readonly connection: Connection;
  /** The resume extension's state; null for a plain SockJS session. */
  readonly resume: ResumeState | null;
  private receiver: Receiver | null = null;
  private readonly host: SessionHost;
  private queuedSize = 0;
  private needsDrain = false;
  private flushPending = false;
  private closeEmitted = false;
  /** The close frame went to a receiver. */
  private closeSent = false;
  /** The last receiver went away with its client (an aborted request), not by finishing. */
  private lastDetachAborted = false;

  constructor(
    id: string,
    host: SessionHost,
    req: HttpRequest,
    protocol: string,
    data: unknown,
    resumable = false,
  ) {
    this.id = id;
    this.host = host;
    this.state = new SessionState(resumable ? host.resumeTimings : host.options, Date.now());
    this.resume = resumable ? new ResumeState(this) : null;
    this.connection = new Connection(this, req, host.options.prefix, protocol);
    this.connection.data = data;
    this.reschedule();
  }

  /** A write returned false and 'drain' has not come yet. */
  get backedUp(): boolean {
    return this.needsDrain;
  }

  /** Messages written and not yet given to a receiver. */
  get queuedMessages(): number {
    return this.state.queued;
  }

  get readyState(): ReadyState {
    return this.state.readyState;
  }

  /** @internal What connection.join()/leave() use. */
  get channels(): Channels {
    return this.host.channels;
  }

  attach(receiver: Receiver, confirmed = false): void {
    const current = this.receiver;
    if (!confirmed && current?.confirmPresence !== undefined) {
      // Any-node mode: the attached receiver is on another node; it may have
      // lost its client already (a poll aborted there, then sent here).
      current.confirmPresence(() => {
        if (!receiver.ended) this.attach(receiver, true);
      });
      return;
    }
    const outcome = this.state.attach(Date.now());
    switch (outcome) {
      case 'busy':
        receiver.close(
          CloseCode.AnotherConnectionOpen,
          CloseReason.AnotherConnectionOpen,
          ANOTHER_CONNECTION,
        );
        receiver.end();
        return;
      case 'closed':
        this.deliverClose(receiver);
        return;
      case 'opened':
        this.receiver = receiver;
        receiver.session = this;
        this.connection.protocol = receiver.protocol;
        receiver.open();
        this.reschedule();
        this.host.opened(this);
        // The application may have closed the session in its handler.
        if (this.receiver === receiver && !receiver.ended) this.flush();
        return;
      case 'attached':
        this.receiver = receiver;
        receiver.session = this;
        this.reschedule();
        this.flush();
        return;
    }
  }

  /**
   * A receiving request with `resume=<ack>` (docs/resume.md): frees what the
   * client confirmed, takes over from a receiver still attached, and replays
   * from `ack` on. A session that no longer holds message `ack` (or is not
   * resumable) closes with 2012, which is this request's answer.
   */
  resumeAttach(receiver: Receiver, ack: number): void {
    const resume = this.resume;
    if (this.state.readyState >= ReadyState.CLOSING) {
      // Closed meanwhile: the client gets what it missed, then the close frame.
      resume?.rewind(ack);
      this.deliverClose(receiver);
      return;
    }
    if (resume === null || !resume.rewind(ack)) {
      this.host.resumeRefused();
      this.close(CloseCode.CannotResume, CloseReason.CannotResume);
      refuseResume(receiver);
      return;
    }
    const current = this.receiver;
    const dropped = current !== null || this.lastDetachAborted;
    // The server had not noticed that transport die: it ends, with no close frame.
    current?.end();
    const replayed = resume.nextSeq - ack;
    this.attach(receiver, true);
    if (dropped || replayed > 0) this.host.resumed(this, ack, replayed, current !== null);
  }

  detach(receiver: Receiver, aborted: boolean): void {
    if (this.receiver !== receiver) return;
    this.receiver = null;
    this.lastDetachAborted = aborted;
    // A resumable session outlives a lost transport (for resume_window).
    const closedNow = this.state.detach(Date.now(), aborted && this.resume === null);
    this.reschedule();
    if (closedNow) this.emitClose();
  }

  write(message: string): boolean {
    if (!this.state.enqueue(message)) return false;
    this.queuedSize += message.length;
    const counters = this.host.counters;
    counters.messagesOut++;
    counters.bytesOut += message.length;
    const opts = this.host.options;
    // In a resumable session, what the client has not confirmed is held too.
    const held = this.resume === null ? this.queuedSize : this.queuedSize + this.resume.unackedSize;
    if (held > opts.maxQueueSize) {
      this.host.limitHit('queue', held, opts.maxQueueSize, this.id);
      const congested = this.receiver !== null && !this.receiver.ready ? this.receiver : null;
      // The close frame would only join the frames its client is not reading:
      // let go of the socket, what is buffered in it and what is queued for
      // it instead of holding them for as long as the client stays connected.
      if (congested !== null && !congested.ended) {
        this.state.drain();
        this.queuedSize = 0;
      }
      this.close(QUEUE_FULL_CODE, QUEUE_FULL_REASON);
      congested?.abort();
      return false;
    }
    if (!this.flushPending) {
      this.flushPending = true;
      scheduleFlush(this);
    }
    if (this.queuedSize >= opts.highWaterMark) {
      this.needsDrain = true;
      return false;
    }
    return true;
  }

  /** @internal The flush that write() scheduled. */
  scheduledFlush(): void {
    this.flushPending = false;
    this.flush();
  }

  /** Sends queued messages to the receiver, if one can take them. */
  flush(): void {
    const r = this.receiver;
    if (r === null || !r.ready || r.ended) return;
    if (this.resume !== null) {
      if (this.sendNumbered(r, this.resume)) this.drained();
      return;
    }
    if (this.state.queued === 0) return;
    const batch = this.state.drain();
    this.queuedSize = 0;
    r.messages(batch);
    this.state.sent(Date.now());
    this.drained();
  }

  private drained(): void {
    if (this.needsDrain) {
      this.needsDrain = false;
      this.emitSafely('drain');
    }
  }

  /**
   * A resumable session's next frame: after a reattach, what the client
   * missed, then the queue, numbered. False when there was nothing to send.
   */
  private sendNumbered(r: Receiver, resume: ResumeState): boolean {
    const fresh = this.state.queued > 0 ? this.state.drain() : NO_MESSAGES;
    if (fresh.length === 0 && !resume.replay) return false;
    this.queuedSize = 0;
    const batch = resume.outgoing(fresh);
    if (batch.length === 0) return false;
    r.numbered(resume.batchSeq, resume.received, batch);
    resume.acked();
    this.state.sent(Date.now());
    return true;
  }

  /**
   * A client batch in a resumable session: frees what its ack confirms and
   * hands the application each message it has not had yet, so a batch sent
   * twice is delivered once. A batch beyond the next expected message (some
   * were lost) closes the session with 1002. `bySocket`: nothing else
   * confirms it, so an ack-only frame follows in due time.
   */
  receiveBatch(batch: NumberedBatch, bySocket: boolean): BatchOutcome {
    const resume = this.resume;
    if (resume === null || this.state.readyState !== ReadyState.OPEN) return 'closed';
    if (batch.seq > resume.received || !resume.confirm(batch.ack)) {
      this.close(CloseCode.ProtocolError, CloseReason.Interrupted);
      return 'broken';
    }
    const messages = batch.messages;
    const first = resume.received - batch.seq;
    const max = this.host.options.maxMessageSize;
    for (let i = first; i < messages.length; i++) {
      if (messages[i]!.length > max) {
        this.messageTooBig(messages[i]!.length);
        return 'too-big';
      }
    }
    for (let i = first; i < messages.length; i++) {
      resume.received++;
      this.receive(messages[i]!);
    }
    if (bySocket && resume.ackDue()) this.sendAck();
    return 'delivered';
  }

  /** @internal */
  ackTimerFired(): void {
    this.sendAck();
  }

  /** Confirms the client's messages: with the next frame if one is due, else `a[seq,ack]`. */
  private sendAck(): void {
    const resume = this.resume!;
    const r = this.receiver;
    // Without a receiver that takes frames, the next frame carries the ack.
    if (r === null || !r.ready || r.ended || this.state.readyState !== ReadyState.OPEN) return;
    if (this.sendNumbered(r, resume)) {
      this.drained();
      return;
    }
    r.numbered(resume.nextSeq, resume.received, NO_MESSAGES);
    resume.acked();
    this.state.sent(Date.now());
  }

  /** Delivers a message from the client to the application. */
  receive(message: string): void {
    if (this.state.readyState !== ReadyState.OPEN) return;
    const counters = this.host.counters;
    counters.messagesIn++;
    counters.bytesIn += message.length;
    try {
      this.connection.emit('data', message);
    } catch (err) {
      // The app's listener failed on this message; the batch's next ones
      // still reach it, and whatever delivered them (a request, a socket,
      // a registry's connection) is not unwound.
      throwLater(err);
    }
  }

  /** Milliseconds without frames before a heartbeat (also how often sockets check their peer). */
  get heartbeatDelay(): number {
    return this.host.options.heartbeatDelay;
  }

  /** The largest message the client may send, in UTF-16 code units. */
  get maxMessageSize(): number {
    return this.host.options.maxMessageSize;
  }

  /** A client message over max_message_size: the session closes with 1009. */
  messageTooBig(size: number): void {
    this.host.limitHit('message', size, this.host.options.maxMessageSize, this.id);
    this.close(CloseCode.MessageTooBig, CloseReason.MessageTooBig);
  }

  close(code: number, reason: string): boolean {
    if (!this.state.close(code, reason)) return false;
    const r = this.receiver;
    if (r !== null && !r.ended) this.deliverClose(r);
    this.emitClose();
    return true;
  }

  /**
   * Closed, and its client is still to come for the close frame: a polling
   * client between two requests (its last one finished, not aborted).
   */
  get awaitsCloseFrame(): boolean {
    return (
      this.state.readyState === ReadyState.CLOSING &&
      !this.closeSent &&
      this.receiver === null &&
      !this.lastDetachAborted
    );
  }

  /** Ends the session at once, without waiting for the disconnect delay. */
  destroy(): void {
    this.close(CloseCode.Normal, CloseReason.Normal);
    const r = this.receiver;
    this.receiver = null;
    if (r !== null) {
      r.session = null;
      r.end();
    }
    this.expire();
  }

  onDeadline(now: number): void {
    const outcome = this.state.tick(now);
    if (outcome === 'heartbeat') {
      const r = this.receiver;
      // Receivers decide what a heartbeat means when their socket is congested.
      if (r !== null && !r.ended) r.heartbeat();
      this.reschedule();
    } else if (outcome === 'expire') {
      this.expire();
    } else {
      this.reschedule();
    }
  }

  private expire(): void {
    this.host.wheel.cancel(this);
    if (!this.closeEmitted) {
      if (this.resume !== null) this.closeHeld(this.state);
      else this.state.close(CloseCode.Normal, CloseReason.Normal);
      this.emitClose();
    }
    // destroy() and shutdown end the session before its deadline: a tick at
    // the end of time is the state machine's own expiry, whatever is due.
    this.state.tick(Number.POSITIVE_INFINITY);
    this.host.expired(this);
  }

  /**
   * The close of a resumable session whose window passed: as a plain one
   * would have closed at the drop (1002 when its transport was lost). The
   * deadline that expired it made its state CLOSED already, which
   * state.close() would leave without a code.
   */
  private closeHeld(state: SessionState): void {
    const [code, reason] = this.lastDetachAborted
      ? [CloseCode.ProtocolError, CloseReason.Interrupted]
      : [CloseCode.Normal, CloseReason.Normal];
    if (state.close(code, reason)) return;
    state.closeCode = code;
    state.closeReason = reason;
    state.closeFrame = closeFrame(code, reason);
  }

  /**
   * Sends what is left, then the close frame, then ends the receiver. What
   * is left goes to any receiver that has not ended, a backed-up one too, as
   * the close frame does: the last messages written before end() must not be
   * lost because the frame before them still fills the socket. (A socket or
   * a streaming response buffers them; an any-node stand-in posts them to
   * the other node in order; a plain poll's stand-in has ended with its one
   * frame, and a resumable session replays what a poll did not carry.)
   */
  private deliverClose(receiver: Receiver): void {
    if (!receiver.ended) {
      if (this.resume !== null) {
        this.sendNumbered(receiver, this.resume);
      } else if (this.state.queued > 0) {
        receiver.messages(this.state.drain());
        this.queuedSize = 0;
      }
    }
    // A poll ends with the frame it was just given: the close frame waits for the next.
    if (!receiver.ended) {
      receiver.close(this.state.closeCode, this.state.closeReason, this.state.closeFrame!);
      this.closeSent = true;
    }
    receiver.end();
  }

  private emitClose(): void {
    if (this.closeEmitted) return;
    this.closeEmitted = true;
    this.resume?.stopAckTimer();
    this.connection.readable = false;
    this.connection.writable = false;
    this.host.closed(this);
    this.emitSafely('close');
  }

  /**
   * Emits an app-facing event without a payload. What a listener throws is
   * thrown on by itself: the work that led here (a send answered, the
   * other sessions of a flush, a registry message) is not unwound.
   */
  private emitSafely(event: 'drain' | 'close'): void {
    try {
      this.connection.emit(event);
    } catch (err) {
      throwLater(err);
    }
  }

  private reschedule(): void {
    // onDeadline() asks the state what is due: a deadline that moved later
    // may fire at the earlier one.
    this.host.wheel.postpone(this, this.state.nextDeadline());
  }
}
