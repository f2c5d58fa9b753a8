// The receiver shared by HTTP transports: each frame is formatted by the
// transport and written to the response. Polling responses end after one
// frame; streaming ones after `limit` UTF-16 code units of framed output.

import type { HttpResponse } from './http-types.js';
import { Receiver } from './receiver.js';

const RECEIVER = Symbol('sockjs-ts receiver');
type TaggedResponse = HttpResponse & { [RECEIVER]?: HttpReceiver };

// Module-level listeners (the response is `this`): a poll request costs no
// closures of its own.
function onResponseClose(this: TaggedResponse): void {
  // 'close' also follows a normal end; only an early one is a loss.
  if (!this.writableFinished) this[RECEIVER]?.responseLost();
}
function onResponseDrain(this: TaggedResponse): void {
  this[RECEIVER]?.drained();
}

export class HttpReceiver extends Receiver {
  readonly protocol: string;
  private readonly res: HttpResponse;
  private readonly format: (frame: string) => string;
  private remaining: number;
  private stalled = false;
  /** Polling: the headers, sent with the frame in one writeHead. */
  private readonly headers: string[] | null;

  /**
   * `limit` is the response limit in UTF-16 code units for streaming
   * transports, or 0 for polling ones (one frame per response). `headers`,
   * for polling ones, is the header list that goes out with the frame
   * (Content-Length added).
   */
  constructor(
    protocol: string,
    res: HttpResponse,
    limit: number,
    format: (frame: string) => string,
    headers: string[] | null = null,
  ) {
    super();
    this.protocol = protocol;
    this.res = res;
    this.format = format;
    this.remaining = limit;
    this.headers = headers;
    (res as TaggedResponse)[RECEIVER] = this;
    res.on('close', onResponseClose);
    // A polling response is written once, with its end: it never waits.
    if (limit > 0) res.on('drain', onResponseDrain);
  }

  /** @internal */
  responseLost(): void {
    this.lost();
  }

  /** @internal */
  drained(): void {
    this.ready = true;
    this.session?.flush();
  }

  protected sendFrame(frame: string): void {
    if (this.ended) return;
    const chunk = this.format(frame);
    if (this.remaining <= 0) {
      // Polling: the only frame goes out with the end of the response, in
      // one write, and with a Content-Length when the headers are still
      // unsent (the polling transports leave them so).
      this.ended = true;
      this.writeHeaders(Buffer.byteLength(chunk));
      this.res.end(chunk);
      this.finished();
      return;
    }
    if (!this.res.write(chunk)) this.ready = false;
    this.remaining -= chunk.length;
    if (this.remaining <= 0) this.end();
  }

  /**
   * A response whose socket has not drained for a whole heartbeat interval
   * belongs to a client that stopped reading or vanished without a FIN: it is
   * cut, which closes the session with 1002 instead of buffering for it.
   */
  override heartbeat(): void {
    if (this.ready) {
      this.stalled = false;
      super.heartbeat();
    } else if (this.stalled) {
      this.res.destroy();
    } else {
      this.stalled = true;
    }
  }

  /** Polling: the header list and the body's length, if not sent yet. */
  private writeHeaders(length: number): void {
    const headers = this.headers;
    if (headers === null || this.res.headersSent) return;
    headers.push('Content-Length', String(length));
    this.res.writeHead(200, headers);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.writeHeaders(0);
    this.res.end();
    this.finished();
  }

  abort(): void {
    this.res.destroy();
  }
}
