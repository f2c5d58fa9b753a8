// GET <url>/info, timed: its round trip sets the transport timeouts. Also
// the page-dependent checks and facts that only HTTP transports need.

import type { Discover, InfoAnswer } from './types.js';
import { addPath, originOf } from './url.js';

export const discover: Discover = (http, url, env, timeout, done) => {
  const page = env.pageUrl();
  const pageOrigin = page ? originOf(page) : null;
  // As sockjs-client: no plain http from an https page, loopback excepted.
  if (
    pageOrigin?.startsWith('https:') &&
    url.startsWith('http:') &&
    !/^(127\.|\[::1\]$|localhost$)/.test(new URL(url).hostname)
  )
    throw new DOMException('SecurityError: Insecure URL from an HTTPS page', 'SecurityError');
  const facts = { sameOrigin: pageOrigin === originOf(url), nullOrigin: pageOrigin === 'null' };
  const started = Date.now();
  let body = '';
  let finished = false;
  const finish = (status: number) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    abort();
    let info: InfoAnswer | null = null;
    try {
      if (status === 200) info = JSON.parse(body);
    } catch {}
    done(info && typeof info === 'object' ? { ...info, ...facts } : null, Date.now() - started);
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
  const timer = setTimeout(() => finish(0), timeout);
  return () => {
    finished = true;
    clearTimeout(timer);
    abort();
  };
};
