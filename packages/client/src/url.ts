// URL helpers that keep a query string (e.g. an auth token) at the end.

import type { TransportContext } from './types.js';

/** Inserts a path before the query string: addPath('/a?x', '/info') = '/a/info?x'. */
export function addPath(url: string, path: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url + path : url.slice(0, q) + path + url.slice(q);
}

/** Appends a query parameter (already encoded). */
export function addQuery(url: string, param: string): string {
  return url + (url.includes('?') ? '&' : '?') + param;
}

/** 'scheme://host:port' with default ports removed, or 'null'. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'null';
  }
}

/** A receiving request's URL with resume's query parameter, when the session resumes. */
export function withResume(ctx: TransportContext, url: string): string {
  return ctx.resumeQuery ? addQuery(url, ctx.resumeQuery()) : url;
}
