// The origin policy: which web origins may open sessions, read answers
// through CORS, upgrade to WebSocket and frame the iframe page.
//
// Patterns: '*' or '*:*' (everyone, SockJS's default); an exact origin
// 'https://app.example.com' or 'http://localhost:8080'; wildcards in the host
// ('https://*.example.com') or the port ('http://localhost:*'); or SockJS's
// older 'host:port' form without a scheme ('example.com:*', '*.example.com:443').

import type { IncomingMessage } from 'node:http';
import { type HttpRequest, nodeRequest } from './http-types.js';

export type OriginCheck = (origin: string, req: IncomingMessage) => boolean;
export type OriginsOption = readonly string[] | OriginCheck;

interface ParsedPattern {
  scheme: string | null;
  host: string;
  port: string | null;
}

const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443', ws: '80', wss: '443' };

function parsePattern(pattern: string): ParsedPattern {
  let rest = pattern.trim().toLowerCase();
  let scheme: string | null = null;
  const sep = rest.indexOf('://');
  if (sep !== -1) {
    scheme = rest.slice(0, sep);
    rest = rest.slice(sep + 3);
  }
  while (rest.endsWith('/')) rest = rest.slice(0, -1);
  let host = rest;
  let port: string | null = null;
  const colon = rest.lastIndexOf(':');
  if (colon !== -1 && !rest.endsWith(']')) {
    host = rest.slice(0, colon);
    port = rest.slice(colon + 1);
  }
  if (port === null && scheme !== null) port = DEFAULT_PORTS[scheme] ?? null;
  if (host === '') throw new TypeError(`Invalid origin pattern: ${pattern}`);
  return { scheme, host, port };
}

function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.'))
    return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  return pattern === host;
}

interface OriginParts {
  scheme: string;
  host: string;
  port: string;
}

function parseOrigin(origin: string): OriginParts | null {
  try {
    const u = new URL(origin);
    const scheme = u.protocol.slice(0, -1);
    return { scheme, host: u.hostname.toLowerCase(), port: u.port || DEFAULT_PORTS[scheme] || '' };
  } catch {
    return null;
  }
}

export class OriginPolicy {
  /** True when every origin is allowed (the default). */
  readonly allowsAll: boolean;
  /** What /info reports in `origins`. */
  readonly advertised: string[];
  private readonly patterns: ParsedPattern[];
  private readonly allowNull: boolean;
  private readonly check: OriginCheck | null;
  private readonly frameSources: string;

  constructor(option: OriginsOption | undefined) {
    if (typeof option === 'function') {
      this.allowsAll = false;
      this.advertised = [];
      this.patterns = [];
      this.allowNull = false;
      this.check = option;
      this.frameSources = '';
      return;
    }
    const list = option ?? ['*:*'];
    this.check = null;
    this.allowsAll = list.some((p) => p === '*' || p === '*:*');
    this.advertised = [...list];
    this.allowNull = list.includes('null');
    this.patterns = list.filter((p) => p !== 'null').map(parsePattern);
    this.frameSources = list.filter((p) => p !== 'null').join(' ');
  }

  /** Whether a browser page of this origin may use the server. */
  allows(origin: string, req: HttpRequest): boolean {
    if (this.allowsAll) return true;
    if (this.check !== null) return this.check(origin, nodeRequest(req)) === true;
    if (origin === 'null') return this.allowNull;
    const o = parseOrigin(origin);
    if (o === null) return false;
    if (isSameOrigin(o, req)) return true;
    for (const p of this.patterns) {
      if (p.scheme !== null && p.scheme !== o.scheme) continue;
      if (!hostMatches(p.host, o.host)) continue;
      if (p.port !== null && p.port !== '*' && p.port !== o.port) continue;
      return true;
    }
    return false;
  }

  /**
   * Checks a request. With a restricted policy, a request carrying an Origin
   * must match; requests that browsers send without one (script tags and
   * frames: jsonp, htmlfile) are judged by their Referer, and refused without
   * either when `needsOrigin` is set.
   */
  allowsRequest(req: HttpRequest, needsOrigin: boolean): boolean {
    if (this.allowsAll) return true;
    const origin = requestOrigin(req);
    if (origin !== undefined) return this.allows(origin, req);
    return !needsOrigin;
  }

  /** The frame-ancestors sources for the iframe page, or null when any page may frame it. */
  frameAncestors(req: HttpRequest): string | null {
    if (this.allowsAll) return null;
    if (this.check !== null) {
      const origin = requestOrigin(req);
      return origin !== undefined && origin !== 'null' && this.allows(origin, req)
        ? `'self' ${origin}`
        : "'self'";
    }
    return `'self' ${this.frameSources}`.trim();
  }
}

/** The page origin a request came from: its Origin, else its Referer's origin. */
export function requestOrigin(req: HttpRequest): string | undefined {
  const origin = req.headers.origin ?? req.headers['sec-websocket-origin'];
  if (typeof origin === 'string' && origin !== '') return origin;
  const referer = req.headers.referer;
  if (typeof referer === 'string' && referer !== '') {
    try {
      return new URL(referer).origin;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function isSameOrigin(o: OriginParts, req: HttpRequest): boolean {
  const host = req.headers.host;
  if (host === undefined) return false;
  const h = parseOrigin(`http://${host}`);
  if (h === null || h.host !== o.host) return false;
  // Behind a TLS-terminating proxy the Host has no port while the Origin
  // says https: the host name decides then.
  return !/:\d+$/.test(host) || h.port === o.port;
}
