// Who may open a session: the origin policy, the shutdown state and the
// application's allowRequest hook. Every refusal is counted and published.

import { type Counters, publishReject } from './diagnostics.js';
import { type HttpRequest, nodeRequest } from './http-types.js';
import type { AllowRequestResult, ResolvedOptions } from './options.js';
import { OriginPolicy } from './origins.js';

export interface Refusal {
  status: number;
  reason: string;
  cause: 'origin' | 'allowRequest' | 'closing';
}

function refusalOf(result: AllowRequestResult): Refusal | null {
  if (result === true) return null;
  if (result === false) return { status: 403, reason: 'Forbidden', cause: 'allowRequest' };
  const { status, reason } = result as { status?: number; reason?: string };
  // { data } admits; a status or reason beside it still refuses.
  if ('data' in result && status === undefined && reason === undefined) return null;
  return { status: status ?? 403, reason: reason ?? 'Forbidden', cause: 'allowRequest' };
}

export class Admission {
  readonly origins: OriginPolicy;
  /** Set by shutdown: new sessions are refused with 503. */
  closing = false;
  private readonly options: ResolvedOptions;
  private readonly counters: Counters;

  constructor(options: ResolvedOptions, counters: Counters) {
    this.options = options;
    this.counters = counters;
    this.origins = new OriginPolicy(options.origins);
  }

  private refuse(req: HttpRequest, refusal: Refusal): Refusal {
    this.counters.rejected++;
    publishReject({
      cause: refusal.cause,
      prefix: this.options.prefix,
      url: req.url ?? '',
      status: refusal.status,
      reason: refusal.reason,
    });
    return refusal;
  }

  /**
   * The origin policy's verdict on a request: null when allowed. `needsOrigin`
   * is for requests browsers make without an Origin header (script tags and
   * frames), which must then show an allowed Referer.
   */
  originRefusal(req: HttpRequest, needsOrigin: boolean): Refusal | null {
    if (this.origins.allowsRequest(req, needsOrigin)) return null;
    return this.refuse(req, { status: 403, reason: 'Origin not allowed', cause: 'origin' });
  }

  /** Whether admit() has anything to decide; when not, the request just goes on. */
  decides(opensSession: boolean): boolean {
    return opensSession && (this.closing || this.options.allowRequest !== undefined);
  }

  /**
   * Decides whether a request may go on. Requests that would open a session
   * are refused while closing and go through allowRequest. Calls `proceed`
   * (maybe later, when the hook is async) with the `data` allowRequest gave,
   * or `reject`.
   */
  admit(
    req: HttpRequest,
    opensSession: boolean,
    proceed: (data: unknown) => void,
    reject: (refusal: Refusal) => void,
  ): void {
    if (!this.decides(opensSession)) {
      proceed(undefined);
      return;
    }
    if (this.closing) {
      reject(this.refuse(req, { status: 503, reason: 'Server shutting down', cause: 'closing' }));
      return;
    }
    // Not closing, yet something to decide: the hook is there.
    const hook = this.options.allowRequest!;
    const decide = (result: AllowRequestResult) => {
      const refusal = refusalOf(result);
      if (refusal !== null) reject(this.refuse(req, refusal));
      else proceed(typeof result === 'object' && 'data' in result ? result.data : undefined);
    };
    const fail = (err: unknown) => {
      this.options.log('error', `allowRequest failed: ${(err as Error)?.message ?? String(err)}`);
      decide({ status: 500, reason: 'Internal Server Error' });
    };
    let result: AllowRequestResult | Promise<AllowRequestResult>;
    try {
      result = hook(nodeRequest(req));
    } catch (err) {
      fail(err);
      return;
    }
    if (typeof (result as Promise<AllowRequestResult>)?.then === 'function') {
      (result as Promise<AllowRequestResult>).then(decide, fail);
    } else {
      decide(result as AllowRequestResult);
    }
  }
}
