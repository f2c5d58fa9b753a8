// What an HTTP transport is: its descriptor, which the endpoint builds its
// routing tables from, and the request its handler gets.

import type { TransportName } from '@sockjs-ts/protocol';
import type { AttachTarget, RemoteSession } from '../forwarding.js';
import type { HttpRequest, HttpResponse } from '../http-types.js';
import type { ResolvedOptions } from '../options.js';
import type { Session } from '../session.js';

export interface SessionEndpoint {
  readonly options: ResolvedOptions;
  /** The session with this id, if it exists. */
  getSession(id: string): Session | undefined;
  /**
   * The session of this request, made (not yet attached) if it does not
   * exist, with what allowRequest gave as its connection's data; in
   * any-node mode, its owner's session on another node. With `resume=new`
   * a new session is resumable; with `resume=<ack>` none is made: the
   * target reattaches to the session, or answers 2012 when it cannot.
   */
  getOrCreateSession(request: TransportRequest, protocol: string): AttachTarget;
  /** A limit was hit (for diagnostics). */
  limitHit(limit: 'body' | 'message' | 'queue', size: number, max: number, id?: string): void;
  /** Reports a failure to the log without throwing. */
  logError(message: string): void;
}

export interface TransportRequest {
  readonly req: HttpRequest;
  readonly res: HttpResponse;
  readonly sessionId: string;
  readonly endpoint: SessionEndpoint;
  /** What allowRequest gave when it admitted a request that opens a session. */
  readonly admitted: unknown;
  /** Any-node mode: the session lives on another node, which this request is forwarded to. */
  readonly remote?: RemoteSession | undefined;
  /**
   * The resume extension's query on a receiving request (docs/resume.md):
   * 'new', the client's ack, NaN when malformed; null without one.
   */
  readonly resume: 'new' | number | null;
}

/** Everything the endpoint needs to know about one HTTP transport. */
export interface HttpTransport {
  /** The last segment of its session URL. */
  readonly name: TransportName;
  /** The methods its URL takes; any other is answered 405 with these in Allow. */
  readonly methods: readonly string[];
  /** Whether its request may create a session (a receiving one); sends need one that exists. */
  readonly opensSession: boolean;
  /**
   * Whether browsers load it without an Origin header (script tags, frames):
   * the origin policy then judges it by its Referer.
   */
  readonly loadedWithoutOrigin: boolean;
  /** Serves a request that routing, origin checks and admission let through. */
  readonly handle: (t: TransportRequest) => void;
}
