// The server serves its own client bundle to the iframe page, so that iframe
// transports work with no CDN and no configuration, and the iframe always
// runs the client version the server was released with. It is the bundle
// with resume (dist/sockjs-reconnecting.min.js), which the iframe transports
// of a client with `resume: true` run in that page.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface ClientBundle {
  /** Path below the prefix, e.g. '/sockjs-ts-client-0.1.0.min.js'. */
  readonly path: string;
  readonly body: Buffer;
  readonly etag: string;
}

let cached: ClientBundle | null | undefined;

/** The @sockjs-ts/client bundle, or null when that package is not installed or not built. */
export function loadClientBundle(): ClientBundle | null {
  if (cached !== undefined) return cached;
  try {
    const require = createRequire(import.meta.url);
    const body = readFileSync(require.resolve('@sockjs-ts/client/sockjs-reconnecting.min.js'));
    const { version } = require('@sockjs-ts/client/package.json') as { version: string };
    const etag = `"${createHash('md5').update(body).digest('hex')}"`;
    cached = { path: `/sockjs-ts-client-${version}.min.js`, body, etag };
  } catch {
    cached = null;
  }
  return cached;
}
