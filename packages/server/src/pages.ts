// The non-session URLs: greeting, /info and the iframe page.

import { createHash, randomBytes } from 'node:crypto';
import { makeInfo } from '@sockjs-ts/protocol';
import type { ClientBundle } from './client-bundle.js';
import type { HttpRequest, HttpResponse } from './http-types.js';
import { nodeRequest } from './http-types.js';
import { answerOptions, answerText, setCacheForYear, setCors, setNoCache } from './http-util.js';
import { checkBaseUrl, type ResolvedOptions } from './options.js';

const GREETING = 'Welcome to SockJS!\n';

export function greeting(res: HttpResponse): void {
  res.writeHead(200, {
    'Content-Type': 'text/plain; charset=UTF-8',
    'Content-Length': GREETING.length,
  });
  res.end(GREETING);
}

export function info(
  req: HttpRequest,
  res: HttpResponse,
  options: ResolvedOptions,
  origins: readonly string[],
): void {
  if (req.method === 'OPTIONS') {
    answerOptions(req, res, options, 'OPTIONS, GET');
    return;
  }
  let baseUrl = options.baseUrl;
  if (typeof baseUrl === 'function') {
    try {
      baseUrl = checkBaseUrl(baseUrl(nodeRequest(req)));
    } catch (err) {
      // Without the URL it picked, the client would open its session here.
      options.log('error', `base_url failed: ${(err as Error)?.message ?? String(err)}`);
      answerText(res, 500, 'Internal Server Error');
      return;
    }
  }
  const body = JSON.stringify(
    makeInfo(
      {
        websocket: options.websocket,
        cookieNeeded: options.jsessionid !== false,
        origins,
        baseUrl,
        resumeWindow: options.resumeWindow,
      },
      randomBytes(4).readUInt32BE(0),
    ),
  );
  setNoCache(res);
  setCors(req, res, options);
  res.writeHead(200, {
    'Content-Type': 'application/json; charset=UTF-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

export interface IframePage {
  readonly body: string;
  readonly etag: string;
}

export function makeIframePage(sockjsUrl: string): IframePage {
  const body = `<!DOCTYPE html>
<html>
<head>
  <meta http-equiv="X-UA-Compatible" content="IE=edge" />
  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
  <script src="${escapeAttribute(sockjsUrl)}"></script>
  <script>
    document.domain = document.domain;
    SockJS.bootstrap_iframe();
  </script>
</head>
<body>
  <h2>Don't panic!</h2>
  <p>This is a SockJS hidden iframe. It's used for cross domain magic.</p>
</body>
</html>`;
  return { body, etag: `"${createHash('md5').update(body).digest('hex')}"` };
}

export function iframe(
  req: HttpRequest,
  res: HttpResponse,
  page: IframePage,
  frameAncestors: string | null,
): void {
  setCacheForYear(res);
  if (frameAncestors !== null) {
    // Only the allowed origins may frame the page that relays messages.
    res.setHeader('Content-Security-Policy', `frame-ancestors ${frameAncestors}`);
    if (frameAncestors === "'self'") res.setHeader('X-Frame-Options', 'SAMEORIGIN');
  }
  res.setHeader('ETag', page.etag);
  if (req.headers['if-none-match'] === page.etag) {
    res.writeHead(304);
    res.end();
    return;
  }
  res.writeHead(200, {
    'Content-Type': 'text/html; charset=UTF-8',
    'Content-Length': Buffer.byteLength(page.body),
  });
  res.end(page.body);
}

export function clientScript(req: HttpRequest, res: HttpResponse, bundle: ClientBundle): void {
  setCacheForYear(res);
  res.setHeader('ETag', bundle.etag);
  res.setHeader('Access-Control-Allow-Origin', '*');
  if (req.headers['if-none-match'] === bundle.etag) {
    res.writeHead(304);
    res.end();
    return;
  }
  res.writeHead(200, {
    'Content-Type': 'application/javascript; charset=UTF-8',
    'Content-Length': bundle.body.length,
  });
  res.end(req.method === 'HEAD' ? undefined : bundle.body);
}
