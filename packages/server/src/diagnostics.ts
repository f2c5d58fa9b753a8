// Observability: events on node:diagnostics_channel, published only when
// someone subscribes, and counters for stats().

import diagnostics_channel from 'node:diagnostics_channel';

/** Channel names, stable across releases. */
export const CHANNELS = {
  sessionOpen: 'sockjs-ts:session:open',
  sessionClose: 'sockjs-ts:session:close',
  limit: 'sockjs-ts:limit',
  reject: 'sockjs-ts:reject',
} as const;

export interface SessionOpenMessage {
  id: string;
  transport: string;
  prefix: string;
}
export interface SessionCloseMessage {
  id: string;
  transport: string;
  prefix: string;
  code: number;
  reason: string;
}
export interface LimitMessage {
  /** Which limit: 'body', 'message', 'queue'. */
  limit: 'body' | 'message' | 'queue';
  prefix: string;
  id?: string;
  size: number;
  max: number;
}
export interface RejectMessage {
  /** Why: 'origin', 'allowRequest', 'closing'. */
  cause: 'origin' | 'allowRequest' | 'closing';
  prefix: string;
  url: string;
  status: number;
  reason: string;
}

export const sessionOpenChannel = diagnostics_channel.channel(CHANNELS.sessionOpen);
export const sessionCloseChannel = diagnostics_channel.channel(CHANNELS.sessionClose);
export const limitChannel = diagnostics_channel.channel(CHANNELS.limit);
export const rejectChannel = diagnostics_channel.channel(CHANNELS.reject);

export function publishLimit(message: LimitMessage): void {
  if (limitChannel.hasSubscribers) limitChannel.publish(message);
}

export function publishReject(message: RejectMessage): void {
  if (rejectChannel.hasSubscribers) rejectChannel.publish(message);
}

/** Counters shared by every endpoint of one server. */
export class Counters {
  messagesIn = 0;
  messagesOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  sessionsOpened = 0;
  sessionsClosed = 0;
  rejected = 0;
}

export interface ServerStats {
  /** Open sessions in total and by transport ('websocket', 'xhr-streaming', ...). */
  sessions: { total: number; byTransport: Record<string, number> };
  /** Messages and their sizes (UTF-16 code units) since the server started. */
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  sessionsOpened: number;
  sessionsClosed: number;
  /** Sessions refused by the origin policy, allowRequest or shutdown. */
  rejected: number;
}
