// The object an application gets in the 'connection' event: sockjs-node's
// SockJSConnection, typed.

import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import { CloseCode, CloseReason, type ReadyState } from '@sockjs-ts/protocol';
import type { HttpRequest } from './http-types.js';
import type { Session } from './session.js';

export interface ConnectionEvents {
  /** A message from the client. */
  data: [message: string];
  /** The session closed, for whatever reason; emitted once. */
  close: [];
  /** The outbound queue fell below the high-water mark after write() returned false. */
  drain: [];
}

// Headers worth passing to the application. Cookies and credentials stay out,
// as in sockjs-node, so that logging conn.headers leaks nothing.
const EXPOSED_HEADERS = [
  'referer',
  'x-client-ip',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-cluster-client-ip',
  'via',
  'x-real-ip',
  'x-ssl',
  'dnt',
  'host',
  'user-agent',
  'accept-language',
  'origin',
] as const;

function pickHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const name of EXPOSED_HEADERS) {
    const v = headers[name];
    if (v !== undefined) (out as Record<string, unknown>)[name] = v;
  }
  return out;
}

export class Connection extends EventEmitter<ConnectionEvents> {
  readonly id: string;
  /** The transport that opened the session, e.g. 'websocket' or 'xhr-streaming'. */
  protocol: string;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly url: string;
  readonly prefix: string;
  private readonly localAddress: string | undefined;
  private readonly localPort: number | undefined;
  /** Stream-like flags, as sockjs-node's connection has them. */
  readable = true;
  writable = true;
  /** @internal */
  readonly session: Session;

  /** @internal */
  constructor(session: Session, req: HttpRequest, prefix: string, protocol: string) {
    super();
    this.session = session;
    this.id = session.id;
    this.protocol = protocol;
    const socket = req.socket;
    this.remoteAddress = socket.remoteAddress;
    this.remotePort = socket.remotePort;
    this.localAddress = socket.localAddress;
    this.localPort = socket.localPort;
    this.headers = pickHeaders(req.headers);
    this.url = req.url ?? '';
    this.prefix = prefix;
  }

  // Derived on demand: idle sessions do not carry them.

  /** The server's end of the connection. */
  get address(): { address: string | undefined; port: number | undefined } {
    return { address: this.localAddress, port: this.localPort };
  }

  /** `url` without its query string. */
  get pathname(): string {
    const q = this.url.indexOf('?');
    return q === -1 ? this.url : this.url.slice(0, q);
  }

  get readyState(): ReadyState {
    return this.session.readyState;
  }

  /**
   * Queues a message for the client. Returns false when the outbound queue is
   * above the high-water mark: wait for 'drain' before writing more.
   */
  write(message: unknown): boolean {
    return this.session.write(typeof message === 'string' ? message : String(message));
  }

  /** Writes an optional last message, then closes with 1000. */
  end(message?: unknown): void {
    if (message !== undefined && message !== null) this.write(message);
    this.close();
  }

  /** Closes the session: the client gets `c[code,"reason"]`. */
  close(code: number = CloseCode.Normal, reason: string = CloseReason.Normal): boolean {
    return this.session.close(code, reason);
  }

  /** Closes the session and drops its listeners. */
  destroy(): void {
    this.close();
    this.readable = false;
    this.writable = false;
    this.removeAllListeners('data');
  }
}
