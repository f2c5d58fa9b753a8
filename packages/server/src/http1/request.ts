// The request object of the HTTP/1.1 layer.

import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { HeaderMap, RequestHead } from './parser.js';

/** What readWith() hands a request's body to. */
export interface BodyReader {
  data(chunk: Buffer): void;
  end(): void;
  /** The request closed before its body ended. */
  lost(): void;
}

/**
 * A request: method, url, headers and socket as node:http's IncomingMessage
 * has them, and its body as 'data' events then 'end' ('close' follows, or
 * 'close' alone when the client goes away first). Body bytes that arrive
 * before anybody listens wait until a 'data' listener or resume().
 */
export class Http1Request extends EventEmitter {
  readonly method: string;
  readonly url: string;
  readonly httpVersion: string;
  readonly headers: HeaderMap;
  readonly socket: Socket;
  complete = false;
  private flowing = false;
  private held: Buffer[] | null = null;
  private ended = false;
  private closed = false;

  constructor(head: RequestHead, socket: Socket) {
    super();
    this.method = head.method;
    this.url = head.url;
    this.httpVersion = head.httpVersion;
    this.headers = head.headers;
    this.socket = socket;
  }

  /** Where readWith() sends the body, besides the 'data' and 'end' events. */
  private reader: BodyReader | null = null;

  /**
   * @internal Hands the body's pieces, its end or its loss straight to
   * `reader`, by method calls; the 'data' and 'end' events still go out for
   * any other listener (none, for a send). readBody() reads a send's body so,
   * instead of adding four listeners per request. One reader per request.
   */
  readWith(reader: BodyReader): void {
    if (this.reader !== null) throw new Error('This request already has a body reader');
    this.reader = reader;
    this.resume();
  }

  /** @internal Called when held body bytes start to flow (the connection reads again). */
  onFlow: (() => void) | null = null;
  /** @internal Bytes of body held until somebody reads them. */
  heldBytes = 0;

  // biome-ignore lint/suspicious/noExplicitAny: EventEmitter's own signature.
  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    super.on(event, listener);
    if (event === 'data' && !this.flowing) this.startFlowing();
    return this;
  }

  /** Lets the body flow, whether or not anybody listens (as Readable's resume). */
  resume(): this {
    if (!this.flowing) this.startFlowing();
    return this;
  }

  private startFlowing(): void {
    this.flowing = true;
    this.onFlow?.();
    if (this.held === null && !this.ended) return;
    // Listeners added with this one (say 'end' after 'data') come first.
    queueMicrotask(() => this.release());
  }

  private release(): void {
    const held = this.held;
    this.held = null;
    this.heldBytes = 0;
    // The connection may have stopped reading while these bytes waited, and
    // the resume asked for in startFlowing() came before they were gone.
    this.onFlow?.();
    if (held !== null) for (const chunk of held) this.emitData(chunk);
    if (this.ended) this.emitEnd();
  }

  /** @internal A piece of the body. */
  pushBody(chunk: Buffer): void {
    if (this.flowing && this.held === null) this.emitData(chunk);
    else {
      if (this.held === null) this.held = [chunk];
      else this.held.push(chunk);
      this.heldBytes += chunk.length;
    }
  }

  /** @internal The whole body was read. */
  pushEnd(): void {
    this.ended = true;
    if (this.flowing && this.held === null) this.emitEnd();
  }

  private emitData(chunk: Buffer): void {
    this.reader?.data(chunk);
    this.emit('data', chunk);
  }

  private emitEnd(): void {
    if (this.complete) return;
    this.complete = true;
    this.reader?.end();
    this.emit('end');
  }

  /** @internal The exchange is over (finished or cut): 'close', once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.complete) this.reader?.lost();
    this.reader = null;
    this.emit('close');
  }
}
