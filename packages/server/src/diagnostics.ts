// Observability: events on node:diagnostics_channel, published only when
// someone subscribes, and counters for stats().

import diagnostics_channel from 'node:diagnostics_channel';

/** Channel names, stable across releases. */
export const CHANNELS = {
  sessionOpen: 'sockjs-ts:session:open',
  sessionClose: 'sockjs-ts:session:close',
  sessionResume: 'sockjs-ts:session:resume',
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
/** A resumable session got a new transport after a drop (docs/resume.md). */
export interface SessionResumeMessage {
  id: string;
  /** The new transport. */
  transport: string;
  prefix: string;
  /** The client's ack: how many server messages it had received. */
  ack: number;
  /** Server messages sent again because the client had not received them. */
  replayed: number;
  /** Whether a receiver the server still held was taken over. */
  takeover: boolean;
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
export const sessionResumeChannel = diagnostics_channel.channel(CHANNELS.sessionResume);
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
  resumes = 0;
  resumesRefused = 0;
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
  /** Resume extension: sessions that got a new transport after a drop (docs/resume.md). */
  resumes: number;
  /** Resume extension: reattaches answered 2012 "Cannot resume". */
  resumesRefused: number;
}
