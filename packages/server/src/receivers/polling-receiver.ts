// The receiver of a polling request (xhr, jsonp): one frame per response.

import type { HttpResponse } from '../http-types.js';
import { HttpReceiver } from './http-receiver.js';

export class PollingReceiver extends HttpReceiver {
  /** The header list sent with the frame in one writeHead, or null when the transport set them. */
  private readonly headers: string[] | null;

  /**
   * `headers`, when given, is the header list that goes out with the frame
   * (Content-Length added). A polling response is written once, with its end,
   * so it never waits for 'drain'.
   */
  constructor(
    protocol: string,
    res: HttpResponse,
    format: (frame: string) => string,
    headers: string[] | null,
  ) {
    super(protocol, res, format);
    this.headers = headers;
  }

  protected sendFrame(frame: string): void {
    if (this.ended) return;
    const chunk = this.format(frame);
    // The only frame goes out with the end of the response, in one write, and
    // with a Content-Length when the headers are still unsent (the polling
    // transports leave them so).
    this.ended = true;
    this.writeHeaders(Buffer.byteLength(chunk));
    this.res.end(chunk);
    this.finished();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.writeHeaders(0);
    this.res.end();
    this.finished();
  }

  /** The header list and the body's length, if not sent yet. */
  private writeHeaders(length: number): void {
    const headers = this.headers;
    if (headers === null || this.res.headersSent) return;
    headers.push('Content-Length', String(length));
    this.res.writeHead(200, headers);
  }
}
