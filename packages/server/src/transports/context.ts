// What every HTTP transport handler gets: the request, its response, the
// session id from the URL, and the endpoint that holds the sessions.

import type { HttpRequest, HttpResponse } from '../http-types.js';
import type { ResolvedOptions } from '../options.js';
import type { Session } from '../session.js';

export interface SessionEndpoint {
  readonly options: ResolvedOptions;
  /** The session with this id, if it exists. */
  getSession(id: string): Session | undefined;
  /** The session with this id, made (not yet attached) if it does not exist. */
  getOrCreateSession(id: string, req: HttpRequest, protocol: string): Session;
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
}

export type TransportHandler = (t: TransportRequest) => void;
