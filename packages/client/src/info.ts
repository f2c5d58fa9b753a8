// GET <url>/info, timed: its round trip sets the transport timeouts. Also
// the page-dependent checks and facts that only HTTP transports need.

import { parseInfo } from '@sockjs-ts/protocol';
import type { Discover, ServerFacts } from './types.js';
import { addPath, originOf } from './url.js';

export const discover: Discover = (http, url, env, options, done) => {
  const page = env.pageUrl();
  const pageOrigin = page ? originOf(page) : null;
  // As sockjs-client: no plain http from an https page, loopback excepted.
  if (
    pageOrigin?.startsWith('https:') &&
    url.startsWith('http:') &&
    !/^(127\.|\[::1\]$|localhost$)/.test(new URL(url).hostname)
  )
    throw new DOMException('SecurityError: Insecure URL from an HTTPS page', 'SecurityError');
  const urlFacts = { sameOrigin: pageOrigin === originOf(url), nullOrigin: pageOrigin === 'null' };
  const started = Date.now();
  let body = '';
  let finished = false;
  const finish = (status: number) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    abort();
    let facts: ServerFacts | null = null;
    try {
      if (status === 200) facts = { ...parseInfo(body), ...urlFacts };
    } catch {}
    done(facts, Date.now() - started);
  };
  const abort = http(
    'GET',
    addPath(url, '/info'),
    null,
    (chunk) => {
      body += chunk;
    },
    finish,
  );
  const timer = setTimeout(() => finish(0), Math.max(options.timeout ?? 0, 8000));
  return () => {
    finished = true;
    clearTimeout(timer);
    abort();
  };
};
