// Options of the HTTP/1.1 layer, and their defaults.

export interface Http1Options {
  /** Milliseconds an idle keep-alive connection stays open. Default 5000. */
  keepAliveTimeout?: number;
  /** Milliseconds a client has to send a whole request head. Default 60000. */
  headersTimeout?: number;
  /** Milliseconds a client has to send a request body. Default 300000. */
  requestTimeout?: number;
  /** Largest request head in bytes; beyond it the answer is 431. Default 16384. */
  maxHeaderSize?: number;
}

/** @internal The options with their defaults filled in. */
export interface ResolvedHttp1Options {
  keepAliveTimeout: number;
  headersTimeout: number;
  requestTimeout: number;
  maxHeaderSize: number;
}

export function resolveHttp1Options(o: Http1Options): ResolvedHttp1Options {
  return {
    keepAliveTimeout: o.keepAliveTimeout ?? 5000,
    headersTimeout: o.headersTimeout ?? 60_000,
    requestTimeout: o.requestTimeout ?? 300_000,
    maxHeaderSize: o.maxHeaderSize ?? 16 * 1024,
  };
}
