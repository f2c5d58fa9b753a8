// What the receivers of HTTP transports share: each frame is formatted by the
// transport and written to one response, and the response's early close is
// the client going away.

import type { HttpResponse } from '../http-types.js';
import { Receiver } from './receiver.js';

/** Where a response's listeners find their receiver. */
export const RECEIVER = Symbol('sockjs-ts receiver');
export type TaggedResponse<R extends HttpReceiver = HttpReceiver> = HttpResponse & {
  [RECEIVER]?: R;
};

// Module-level listeners (the response is `this`): a poll request costs no
// closures of its own.
function onResponseClose(this: TaggedResponse): void {
  // 'close' also follows a normal end; only an early one is a loss.
  if (!this.writableFinished) this[RECEIVER]?.responseLost();
}

export abstract class HttpReceiver extends Receiver {
  readonly protocol: string;
  protected readonly res: HttpResponse;
  protected readonly format: (frame: string) => string;

  constructor(protocol: string, res: HttpResponse, format: (frame: string) => string) {
    super();
    this.protocol = protocol;
    this.res = res;
    this.format = format;
    (res as TaggedResponse)[RECEIVER] = this;
    res.on('close', onResponseClose);
  }

  /** @internal */
  responseLost(): void {
    this.lost();
  }

  abort(): void {
    this.res.destroy();
  }
}
