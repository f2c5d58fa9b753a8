// Header sets and small answers shared by the HTTP handlers.

import { type HttpRequest, type HttpResponse, withNodeResponse } from './http-types.js';
import { type BodyReader, Http1Request } from './http1/request.js';
import type { ResolvedOptions } from './options.js';

export const NO_CACHE = 'no-store, no-cache, no-transform, must-revalidate, max-age=0';
const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

export function setNoCache(res: HttpResponse): void {
  res.setHeader('Cache-Control', NO_CACHE);
}

export function setCacheForYear(res: HttpResponse): void {
  res.setHeader('Cache-Control', `public, max-age=${ONE_YEAR_SECONDS}`);
  res.setHeader('Expires', new Date(Date.now() + ONE_YEAR_SECONDS * 1000).toUTCString());
}

/**
 * CORS: echo the Origin (including "null") with credentials, so that cookies
 * such as JSESSIONID flow; '*' when the request has no Origin. Appended to a
 * flat [name, value, ...] list.
 */
function pushCors(req: HttpRequest, options: ResolvedOptions, list: string[]): void {
  if (options.disableCors) return;
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== '') {
    list.push(
      'Access-Control-Allow-Origin',
      origin,
      'Access-Control-Allow-Credentials',
      'true',
      'Vary',
      'Origin',
    );
  } else {
    list.push('Access-Control-Allow-Origin', '*');
  }
  const requested = req.headers['access-control-request-headers'];
  if (requested) list.push('Access-Control-Allow-Headers', requested);
}

export function setCors(req: HttpRequest, res: HttpResponse, options: ResolvedOptions): void {
  const list: string[] = [];
  pushCors(req, options, list);
  setHeaderList(res, list);
}

/** Sets each header of a flat [name, value, ...] list on the response. */
export function setHeaderList(res: HttpResponse, list: readonly string[]): void {
  for (let i = 0; i < list.length; i += 2) res.setHeader(list[i]!, list[i + 1]!);
}

/**
 * The headers of a session response as one flat [name, value, ...] list, for
 * `writeHead(status, list)`: what setSessionHeaders sets, without a setHeader
 * call (and its validation and bookkeeping) per header. Used by the answers
 * every message costs (xhr_send's 204).
 */
export function sessionHeaderList(
  req: HttpRequest,
  res: HttpResponse,
  options: ResolvedOptions,
  contentType: string,
): string[] {
  // A jsessionid function sets its own headers on the response; writeHead
  // merges them with the list.
  if (typeof options.jsessionid === 'function') withNodeResponse(req, res, options.jsessionid);
  const list = ['Content-Type', contentType, 'Cache-Control', NO_CACHE];
  pushCors(req, options, list);
  const cookie = jsessionidCookie(req, options);
  if (cookie !== null) list.push('Set-Cookie', cookie);
  return list;
}

/** The JSESSIONID cookie to set, or null; a jsessionid function sets its own. */
function jsessionidCookie(req: HttpRequest, options: ResolvedOptions): string | null {
  const j = options.jsessionid;
  if (!j || typeof j === 'function') return null;
  const value = readCookie(req.headers.cookie, 'JSESSIONID') ?? 'dummy';
  // Browsers keep a cookie from a cross-site response only with
  // SameSite=None, which they accept only with Secure: over https, say so,
  // so that stickiness also works for pages on another site.
  const secure =
    (req.socket as { encrypted?: boolean }).encrypted === true ||
    req.headers['x-forwarded-proto'] === 'https';
  return `JSESSIONID=${value}; path=/${secure ? '; SameSite=None; Secure' : ''}`;
}

export function setJsessionid(req: HttpRequest, res: HttpResponse, options: ResolvedOptions): void {
  const j = options.jsessionid;
  if (typeof j === 'function') {
    withNodeResponse(req, res, j);
    return;
  }
  const cookie = jsessionidCookie(req, options);
  if (cookie !== null) res.setHeader('Set-Cookie', cookie);
}

const COOKIE_VALUE = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]{1,200}$/;

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    // Never reflect something that could inject attributes into Set-Cookie.
    return COOKIE_VALUE.test(value) ? value : undefined;
  }
  return undefined;
}

/** A CORS preflight answer: long-cacheable, no body. */
export function answerOptions(
  req: HttpRequest,
  res: HttpResponse,
  options: ResolvedOptions,
  methods: string,
): void {
  setCacheForYear(res);
  res.setHeader('Access-Control-Max-Age', String(ONE_YEAR_SECONDS));
  res.setHeader('Access-Control-Allow-Methods', methods);
  setCors(req, res, options);
  res.writeHead(204);
  res.end();
}

export function answerText(res: HttpResponse, status: number, text: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=UTF-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

export const NOT_FOUND = 'Not found\n';

export function answer404(res: HttpResponse): void {
  answerText(res, 404, NOT_FOUND);
}

export function answer405(res: HttpResponse, allow: readonly string[]): void {
  res.writeHead(405, { Allow: allow.join(', '), 'Content-Length': 0 });
  res.end();
}

/** Reads a query parameter from a raw URL. */
export function queryParam(url: string | undefined, name: string): string | null {
  if (!url) return null;
  const q = url.indexOf('?');
  if (q === -1) return null;
  try {
    return new URLSearchParams(url.slice(q + 1)).get(name);
  } catch {
    return null;
  }
}

/** A request body over its limit; the send transports answer it with 413. */
export class BodyTooLargeError extends Error {
  /** Bytes seen (or declared) when the limit was passed. */
  readonly size: number;
  constructor(limit: number, size: number) {
    super(`Request body larger than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
    this.size = size;
  }
}

/** Gathers a body up to its limit, for readBody(); `done` is called once. */
class BodyCollector implements BodyReader {
  /** Most bodies arrive in one chunk: kept without an array. */
  private first: Buffer | null = null;
  private chunks: Buffer[] | null = null;
  private size = 0;
  finished = false;
  private readonly limit: number;
  private readonly done: (err: Error | null, body: string) => void;

  constructor(limit: number, done: (err: Error | null, body: string) => void) {
    this.limit = limit;
    this.done = done;
  }

  data(chunk: Buffer): void {
    if (this.finished) return;
    this.size += chunk.length;
    if (this.size > this.limit) {
      this.finish(new BodyTooLargeError(this.limit, this.size));
      return;
    }
    if (this.first === null) this.first = chunk;
    else if (this.chunks === null) this.chunks = [this.first, chunk];
    else this.chunks.push(chunk);
  }

  end(): void {
    this.finish(null);
  }

  /**
   * The request closed (aborted or not): the Error and its stack trace are
   * built only when the body really was cut short.
   */
  lost(): void {
    if (!this.finished) this.finish(new Error('Request aborted'));
  }

  finish(err: Error | null): void {
    if (this.finished) return;
    this.finished = true;
    const { first, chunks } = this;
    // What came is not held for as long as the request lasts.
    this.first = null;
    this.chunks = null;
    if (err) this.done(err, '');
    else if (chunks !== null) this.done(null, Buffer.concat(chunks, this.size).toString('utf8'));
    else this.done(null, first === null ? '' : first.toString('utf8'));
  }
}

/**
 * Reads a request body as UTF-8, up to `limit` bytes, and calls `done` once:
 * with the text, with BodyTooLargeError beyond the limit (after which the
 * request stops being read), or with an error if the client aborts. A
 * callback rather than a Promise: this runs once per xhr_send message.
 */
export function readBody(
  req: HttpRequest,
  limit: number,
  done: (err: Error | null, body: string) => void,
): void {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) {
    done(new BodyTooLargeError(limit, declared), '');
    return;
  }
  const body = new BodyCollector(limit, done);
  // Our own HTTP/1.1 layer hands the body over directly.
  if (req instanceof Http1Request) {
    req.readWith(body);
    return;
  }
  const onData = (chunk: Buffer) => {
    body.data(chunk);
    if (body.finished) req.removeListener('data', onData);
  };
  req.on('data', onData);
  req.on('end', () => body.end());
  req.on('error', (err: Error) => body.finish(err));
  req.on('close', () => body.lost());
}
