// What the receivers of HTTP transports share: each frame is formatted by the
// transport and written to one response, and the response's early close is
// the client going away.

import type { HttpResponse } from '../http-types.js';
import { OwnerTag } from '../owner-tag.js';
import { Receiver } from './receiver.js';

/** Where a response's listeners find their receiver (see owner-tag.ts). */
export const receiverOf = new OwnerTag<HttpResponse, HttpReceiver>('sockjs-ts http receiver');

const onResponseClose = receiverOf.listener((r, res) => {
  // 'close' also follows a normal end; only an early one is a loss.
  if (!res.writableFinished) r.responseLost();
});

export abstract class HttpReceiver extends Receiver {
  readonly protocol: string;
  protected readonly res: HttpResponse;
  protected readonly format: (frame: string) => string;

  constructor(protocol: string, res: HttpResponse, format: (frame: string) => string) {
    super();
    this.protocol = protocol;
    this.res = res;
    this.format = format;
    receiverOf.set(res, this);
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
