// The request-head reader of the HTTP/1.1 layer. Sans-I/O: text in, a
// RequestHead (or an HttpParseError with the status to answer) out. It
// accepts what RFC 9112 allows a client to send and refuses everything
// ambiguous (bare LF, obs-fold, both Content-Length and Transfer-Encoding,
// repeated Content-Length or Host, codings other than chunked, white space
// other than spaces and tabs around a value) instead of guessing, so that
// nothing in front of the server can read a message differently from us.
// test/hardening/http1-differential.test.ts holds it to never being more
// lenient than node:http.

import type { IncomingHttpHeaders } from 'node:http';

/** A request the reader refuses, with the status to answer before closing. */
export class HttpParseError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'HttpParseError';
    this.status = status;
    this.code = code;
  }
}

export type HeaderMap = IncomingHttpHeaders;

export interface RequestHead {
  readonly method: string;
  /** The request target: origin form ('/path?query'), absolute form, or '*'. */
  readonly url: string;
  /** '1.1' or '1.0'. */
  readonly httpVersion: string;
  /** Lower-case names; repeated fields joined as node:http joins them. */
  readonly headers: HeaderMap;
  /** Whether the connection may carry another request after this one. */
  readonly keepAlive: boolean;
  /** Asks to switch protocols (Upgrade and Connection: upgrade): for the upgrade handler, as node:http does. */
  readonly upgrade: boolean;
  /** 'none', a fixed length, or chunked. */
  readonly body: 'none' | 'length' | 'chunked';
  readonly contentLength: number;
  /** The client waits for "100 Continue" before it sends the body. */
  readonly expectContinue: boolean;
}

// tchar of RFC 9110: what method and field names are made of.
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// A field value: visible ASCII, spaces, tabs and obs-text; no controls.
export const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
// A request target: visible ASCII only.
const TARGET = /^[\x21-\x7e]+$/;
const DIGITS = /^[0-9]{1,15}$/;
// An absolute-form target: scheme, then an authority of the characters
// RFC 3986 allows there (userinfo, host, IP literal, port), then a path, a
// query or nothing. node:http refuses '\\', '{', '<', a space and the like in
// the authority; a looser pattern would run what it refuses.
const ABSOLUTE = /^https?:\/\/[A-Za-z0-9\-._~%!$&'()*+,;=:@[\]]+(?:[/?]|$)/i;

// Fields of which node:http keeps only the first (so do we, for the same
// reading of the same request); cookie is joined with '; ', set-cookie kept
// as a list, every other repeat joined with ', '.
const SINGLE = new Set([
  'age',
  'authorization',
  'content-type',
  'etag',
  'expires',
  'from',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

// The methods the layer serves: those of RFC 9110 but CONNECT, and PATCH.
// node:http refuses every method llhttp does not know (lower-case "get",
// "GETX"), so a bytes-level slip that makes a method out of body bytes
// must never run here either; SockJS itself needs GET, POST and OPTIONS.
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH']);

// Fields that frame a message or the connection. They may hold no tab (llhttp
// reads a tab around some of their values differently), and a trailer
// section may not carry them (RFC 9110 6.5.1; node:http refuses them there or
// reads them as it would in the head).
export const FRAMING_FIELDS = new Set([
  'content-length',
  'transfer-encoding',
  'host',
  'connection',
  'proxy-connection',
  'keep-alive',
  'upgrade',
  'expect',
]);

/** @internal A 400 refusal. */
export function bad(code: string, message: string): HttpParseError {
  return new HttpParseError(400, code, message);
}

function hasToken(list: string | undefined, token: string): boolean {
  if (list === undefined) return false;
  if (!list.includes(',')) return trimOws(list).toLowerCase() === token;
  for (const part of list.split(',')) if (trimOws(part).toLowerCase() === token) return true;
  return false;
}

/**
 * `text` from `from` on, without the spaces and tabs (RFC 9110 OWS) at its
 * ends, and nothing else: String.prototype.trim would also strip NBSP (0xA0)
 * and other characters that node:http reads as part of the value, and so
 * read "chunked\xa0" as chunked where node:http refuses the message.
 */
export function trimOws(text: string, from = 0, to = text.length): string {
  let start = from;
  let end = to;
  while (start < end && isBlank(text.charCodeAt(start))) start++;
  while (end > start && isBlank(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

// A head with nothing to look at closely: visible ASCII, spaces and obs-text,
// in lines joined by CRLF.
const CLEAN_HEAD = /^[\x20-\x7e\x80-\xff]*(?:\r\n[\x20-\x7e\x80-\xff]*)*$/;

/**
 * Throws for a CR or LF outside a CRLF pair (some readers would split a line
 * there). Otherwise returns whether the head holds anything the checks below
 * must look at closely: a character no part of a head may hold, or a tab
 * (allowed in values, but not in the framing fields). A head without any
 * (nearly all of them) skips the per-value character checks, whose answer is
 * then known to be "fine"; one with any goes through them, so the error is
 * the one they name. The common case is one anchored expression without
 * look-arounds; the character-by-character loop runs only for a head that
 * fails it.
 */
function scanHead(text: string): boolean {
  if (CLEAN_HEAD.test(text)) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
    else if (c === 13 || c === 10) throw bad('HTTP_ERR_LINE_ENDING', 'Lines must end with CRLF');
  }
  return true;
}

// Field names seen before, validated, as their lower-case form. Clients send
// the same few dozen names over and over; the cache stops growing at its
// limit, so that a client inventing names cannot make it grow.
const NAMES = new Map<string, string>();
const NAMES_LIMIT = 512;

/** A field name in lower case, or null when it is not a token. */
export function lowerFieldName(raw: string): string | null {
  const known = NAMES.get(raw);
  if (known !== undefined) return known;
  if (!TOKEN.test(raw)) return null;
  const name = raw.toLowerCase();
  if (NAMES.size < NAMES_LIMIT) NAMES.set(raw, name);
  return name;
}

function fieldName(raw: string): string {
  const name = lowerFieldName(raw);
  if (name === null) throw bad('HTTP_ERR_HEADER', 'Malformed header field name');
  return name;
}

/**
 * Reads one header or trailer field line ('name: value', no CRLF) into
 * `headers`, joined with earlier ones as node:http joins them; returns the
 * lower-case name. obs-fold (a line that starts with white space) and white
 * space before the colon are refused (RFC 9112 5.1, 5.2); so is any control
 * character in the value when `checkValue` is set.
 */
export function readField(headers: HeaderMap, line: string, checkValue: boolean): string {
  return readFieldAt(headers, line, 0, line.length, checkValue);
}

/** readField() of the line text[start, end), read in place. */
function readFieldAt(
  headers: HeaderMap,
  text: string,
  start: number,
  end: number,
  checkValue: boolean,
): string {
  const colon = text.indexOf(':', start);
  if (colon <= start || colon >= end) throw bad('HTTP_ERR_HEADER', 'Malformed header field');
  const name = fieldName(text.slice(start, colon));
  const value = trimOws(text, colon + 1, end);
  if (checkValue && !FIELD_VALUE.test(value)) {
    throw bad('HTTP_ERR_HEADER', 'Invalid character in header value');
  }
  const prev = headers[name];
  if (prev === undefined) headers[name] = name === 'set-cookie' ? [value] : value;
  else if (name === 'set-cookie') (prev as string[]).push(value);
  else if (!SINGLE.has(name)) {
    headers[name] = `${prev as string}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
  return name;
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/**
 * Parses a request head: the request line and the header fields, without the
 * final empty line, as latin1 text (one character per byte).
 */
export function parseHead(text: string): RequestHead {
  const suspect = scanHead(text);
  // Lines are read in place, each from its start to the next CRLF: no array
  // of them, no string per line.
  let lineEnd = text.indexOf('\r\n');
  if (lineEnd === -1) lineEnd = text.length;
  const requestLine = text.slice(0, lineEnd);
  const sp1 = requestLine.indexOf(' ');
  const sp2 = requestLine.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 === -1 || requestLine.indexOf(' ', sp2 + 1) !== -1) {
    throw bad('HTTP_ERR_REQUEST_LINE', 'Malformed request line');
  }
  const method = requestLine.slice(0, sp1);
  const url = requestLine.slice(sp1 + 1, sp2);
  const version = requestLine.slice(sp2 + 1);
  if (!METHODS.has(method)) {
    if (!TOKEN.test(method)) throw bad('HTTP_ERR_METHOD', 'Malformed method');
    throw new HttpParseError(501, 'HTTP_ERR_METHOD', 'Method not implemented');
  }
  let httpVersion: string;
  if (version === 'HTTP/1.1') httpVersion = '1.1';
  else if (version === 'HTTP/1.0') httpVersion = '1.0';
  else if (/^HTTP\/[0-9]\.[0-9]$/.test(version)) {
    throw new HttpParseError(505, 'HTTP_ERR_VERSION', 'HTTP version not supported');
  } else throw bad('HTTP_ERR_REQUEST_LINE', 'Malformed HTTP version');
  if (!TARGET.test(url)) throw bad('HTTP_ERR_TARGET', 'Malformed request target');
  // Absolute form (RFC 9112 3.2.2) is accepted and, as node:http does,
  // handed on unchanged.
  if (url[0] !== '/' && url !== '*' && !ABSOLUTE.test(url)) {
    throw bad('HTTP_ERR_TARGET', 'Malformed request target');
  }

  const headers: HeaderMap = Object.create(null) as HeaderMap;
  let contentLengths = 0;
  let hosts = 0;
  for (let start = lineEnd + 2; start < text.length + 2; start = lineEnd + 2) {
    lineEnd = text.indexOf('\r\n', start);
    if (lineEnd === -1) lineEnd = text.length;
    const name = readFieldAt(headers, text, start, lineEnd, suspect);
    // llhttp does not take a tab around the value of these for white space
    // ("Content-Length: 5\t" is refused): neither do we.
    if (suspect && FRAMING_FIELDS.has(name) && text.slice(start, lineEnd).includes('\t')) {
      throw bad('HTTP_ERR_HEADER', 'Tab in a framing header field');
    }
    if (name === 'content-length' && ++contentLengths > 1) {
      throw bad('HTTP_ERR_CONTENT_LENGTH', 'Repeated Content-Length');
    }
    if (name === 'host' && ++hosts > 1) throw bad('HTTP_ERR_HOST', 'Repeated Host');
  }
  if (httpVersion === '1.1' && hosts === 0) throw bad('HTTP_ERR_HOST', 'Missing Host');

  let body: RequestHead['body'] = 'none';
  let contentLength = 0;
  // Repeated fields are joined with ', ', so "chunked" twice is not chunked.
  const transferEncoding = headers['transfer-encoding'] as string | undefined;
  if (transferEncoding !== undefined) {
    if (contentLengths > 0) {
      throw bad('HTTP_ERR_CONTENT_LENGTH', 'Both Content-Length and Transfer-Encoding');
    }
    if (httpVersion === '1.0')
      throw bad('HTTP_ERR_TRANSFER_ENCODING', 'Transfer-Encoding in HTTP/1.0');
    if (transferEncoding.toLowerCase() !== 'chunked') {
      throw new HttpParseError(
        501,
        'HTTP_ERR_TRANSFER_ENCODING',
        'Only chunked transfer coding is supported',
      );
    }
    body = 'chunked';
  } else if (contentLengths > 0) {
    const cl = headers['content-length'] as string;
    if (!DIGITS.test(cl)) throw bad('HTTP_ERR_CONTENT_LENGTH', 'Malformed Content-Length');
    contentLength = Number(cl);
    if (contentLength > 0) body = 'length';
  }

  // llhttp reads Proxy-Connection exactly as it reads Connection (close,
  // keep-alive, upgrade): so do we, or a pipelined request after
  // "Proxy-Connection: close" would run here and not there.
  const proxyConnection = headers['proxy-connection'] as string | undefined;
  const connection =
    proxyConnection === undefined
      ? (headers.connection as string | undefined)
      : headers.connection === undefined
        ? proxyConnection
        : `${headers.connection as string}, ${proxyConnection}`;
  const keepAlive =
    httpVersion === '1.1' ? !hasToken(connection, 'close') : hasToken(connection, 'keep-alive');
  const upgradeHeader = headers.upgrade as string | undefined;
  // An empty Upgrade names no protocol: node:http reads such a request as
  // plain HTTP and goes on reading the connection, so must we.
  const upgrade = !!upgradeHeader && hasToken(connection, 'upgrade');
  const expect = headers.expect as string | undefined;
  let expectContinue = false;
  if (expect !== undefined) {
    if (expect.toLowerCase() !== '100-continue') {
      throw new HttpParseError(417, 'HTTP_ERR_EXPECT', 'Expectation not supported');
    }
    expectContinue = httpVersion === '1.1' && body !== 'none';
  }
  return {
    method,
    url,
    httpVersion,
    headers,
    keepAlive,
    upgrade,
    body,
    contentLength,
    expectContinue,
  };
}
