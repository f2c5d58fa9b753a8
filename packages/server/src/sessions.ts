// Where the sessions of one endpoint live while they exist: the one place
// that knows which sessions this process hosts.
//
// Two kinds of session live here. HTTP sessions are addressable: the later
// requests of a session (polls, xhr_send, the next streaming response) find
// it by the id in their URL. A websocket session belongs to its socket and
// nothing else ever asks for it by id (sockjs-node does the same: an xhr_send
// to a websocket session's id is answered 404), unless it is resumable
// (docs/resume.md): its client comes back with `resume=<ack>` on a new
// socket, so it is addressable too. Both kinds count for stats and are
// closed by shutdown, so they share one set.
//
// Work across processes plugs in here: a session this process does not
// find is either unknown or hosted elsewhere, and only the endpoint's
// routing asks the question, through find().

import type { Session } from './session.js';

export class SessionTable implements Iterable<Session> {
  /** Addressable sessions by id. */
  private readonly byId = new Map<string, Session>();
  /** Every hosted session, addressable or not. */
  private readonly hosted = new Set<Session>();

  /** The addressable session with this id, if this process hosts it. */
  find(id: string): Session | undefined {
    return this.byId.get(id);
  }

  /**
   * Starts hosting a new session; `addressable` ones are found by id until
   * released. An addressable id is never hosted twice: routing finds the
   * existing session before it makes one.
   */
  host(session: Session, addressable: boolean): void {
    this.hosted.add(session);
    if (addressable) this.byId.set(session.id, session);
  }

  /** Stops hosting a session that expired. */
  release(session: Session): void {
    this.hosted.delete(session);
    if (this.byId.get(session.id) === session) this.byId.delete(session.id);
  }

  /** The ids of the addressable sessions. */
  ids(): Iterable<string> {
    return this.byId.keys();
  }

  /** How many sessions are hosted. */
  get size(): number {
    return this.hosted.size;
  }

  /** Every hosted session, as of now: safe to close them while iterating. */
  snapshot(): Session[] {
    return [...this.hosted];
  }

  [Symbol.iterator](): Iterator<Session> {
    return this.hosted.values();
  }
}
