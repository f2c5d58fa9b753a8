// The receiver of a streaming request (xhr_streaming, eventsource, htmlfile):
// frames are written to one open response until `response_limit` UTF-16
// code units of framed output, when it ends and the client opens the next.

import type { HttpResponse } from '../http-types.js';
import { HttpReceiver, receiverOf } from './http-receiver.js';

// Shared by every response, as the close listener (see owner-tag.ts).
const onResponseDrain = receiverOf.listener((r) => (r as StreamingReceiver).drained());

export class StreamingReceiver extends HttpReceiver {
  /** UTF-16 code units left before the response ends. */
  private remaining: number;
  private stalled = false;

  constructor(
    protocol: string,
    res: HttpResponse,
    responseLimit: number,
    format: (frame: string) => string,
  ) {
    super(protocol, res, format);
    this.remaining = responseLimit;
    res.on('drain', onResponseDrain);
  }

  /** @internal */
  drained(): void {
    this.ready = true;
    this.session?.flush();
  }

  protected sendFrame(frame: string): void {
    if (this.ended) return;
    const chunk = this.format(frame);
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

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.res.end();
    this.finished();
  }
}
