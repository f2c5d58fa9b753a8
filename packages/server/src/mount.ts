// Which part of a request's URL is below the prefix, when the handler is
// called directly (installHandlers, a bare http server, Fastify, Koa) and
// when a framework mounted it at a path. Express and Connect, for
// `app.use('/echo', handler)`, strip '/echo' off req.url and keep the whole
// URL in req.originalUrl.
//
// The rule (docs/api.md, "Mount paths"):
// - a prefix set in the options wins: it is a whole URL path, as in
//   sockjs-node, matched against req.originalUrl when a framework set one;
//   failing that, against req.url, so that a prefix written relative to the
//   mount point keeps working;
// - without a prefix, a mounted handler serves at its mount path;
// - with neither, SockJS serves from the root. A framework's handler is then
//   asked about every URL of the app, so there it takes only the URLs a
//   SockJS client requests (see takesUnprefixed).

import { routePath } from '@sockjs-ts/protocol';
import { loadClientBundle } from './client-bundle.js';

/** The request fields the rule reads; Express adds `originalUrl`. */
export interface MountableRequest {
  readonly url?: string | undefined;
}

function withoutQuery(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** `path` below `prefix`: '' or starting with '/'; null when not under it. */
function below(path: string, prefix: string): string | null {
  if (!path.startsWith(prefix)) return null;
  const rest = path.slice(prefix.length);
  if (rest !== '' && rest[0] !== '/') return null;
  return rest;
}

interface Located {
  /** The path the handler was passed (req.url without its query). */
  readonly path: string;
  /** The path a framework mounted the handler at; '' when it did not. */
  readonly mount: string;
}

function locate(req: MountableRequest): Located | null {
  const url = req.url;
  if (url === undefined) return null;
  const path = withoutQuery(url);
  const original = (req as { readonly originalUrl?: unknown }).originalUrl;
  if (typeof original !== 'string' || original === url) return { path, mount: '' };
  const whole = withoutQuery(original);
  if (whole.length > path.length && whole.endsWith(path)) {
    return { path, mount: whole.slice(0, whole.length - path.length) };
  }
  // Express passes '/' to a handler mounted at '/echo' for '/echo' itself.
  if (path === '/') return { path: '', mount: whole };
  // Rewritten some other way (a rewrite middleware): what it passed on counts.
  return { path, mount: '' };
}

/** The request's path as its client asked for it: the mount path and what is below it. */
export function clientPath(req: MountableRequest): string {
  const at = locate(req);
  return at === null ? '/' : at.mount + at.path;
}

/**
 * The path below the prefix for the endpoint's routing, or null when the
 * request is not under it. See the rule at the top of this file.
 */
export function pathBelow(req: MountableRequest, prefix: string): string | null {
  const at = locate(req);
  if (at === null) return null;
  if (prefix === '') return at.path;
  if (at.mount === '') return below(at.path, prefix);
  return below(at.mount + at.path, prefix) ?? below(at.path, prefix);
}

/**
 * Whether a framework-neutral handler (handleRequest, handleUpgrade) should
 * take this request for an endpoint with this prefix. Always, when there is
 * a prefix or a mount path; without either, only the URLs a SockJS client
 * requests (/info, the iframe page, session URLs, /websocket, the client
 * bundle) and not the greeting at '/', so that an app's own pages, its 404
 * and its other WebSocket servers still answer theirs.
 */
export function takesUnprefixed(req: MountableRequest, prefix: string): boolean {
  if (prefix !== '') return true;
  const at = locate(req);
  if (at === null) return false;
  if (at.mount !== '') return true;
  if (at.path === loadClientBundle()?.path) return true;
  const route = routePath(at.path);
  return route !== null && route.kind !== 'greeting';
}
