// Node I/O: node:http/https with a cookie jar and extra headers, the global
// WebSocket where present (else the optional `ws` peer dependency), and an
// event stream parser for the eventsource transport.

import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createRequire } from 'node:module';
import { CookieJar } from './cookie-jar.js';
import type { CookieJarLike, Env, HttpRequest, SockJSOptions, WebSocketLike } from './types.js';

type WebSocketCtor = new (
  url: string,
  protocols?: string[],
  options?: { headers?: Record<string, string> },
) => WebSocketLike;

let wsModule: WebSocketCtor | null | undefined;
function loadWs(): WebSocketCtor | null {
  if (wsModule === undefined) {
    try {
      // The ESM build makes a require; the CommonJS build (dist/node.cjs),
      // whose import.meta is empty, has its own. Not `typeof require`: in the
      // ESM build esbuild turns require into a stub that is always a function
      // and throws, which left ESM apps on Node 20 without ws.
      const load = import.meta.url ? createRequire(import.meta.url) : require;
      wsModule = load('ws') as WebSocketCtor;
    } catch {
      wsModule = null;
    }
  }
  return wsModule;
}

let warned = false;
/**
 * No global WebSocket (Node 20) and no `ws`: the websocket transport is
 * skipped. Said once, as a process warning an application can listen to or
 * silence, so that neither a fallback to HTTP nor a forced websocket's 2000
 * "All transports failed" goes without the reason.
 */
function noWebSocket(): false {
  if (!warned) {
    warned = true;
    process.emitWarning(
      'No WebSocket in this Node, so the websocket transport is skipped: Node 22 and later have one built in; on Node 20, install the "ws" package.',
      { code: 'SOCKJS_WARN_NO_WEBSOCKET' },
    );
  }
  return false;
}

function jarOf(options: SockJSOptions): CookieJarLike {
  options.cookieJar ??= new CookieJar();
  return options.cookieJar;
}

function headersFor(options: SockJSOptions, url: string): Record<string, string> {
  const headers: Record<string, string> = { ...options.headers };
  const cookie = jarOf(options).get(url);
  if (cookie) headers.Cookie = headers.Cookie ? headers.Cookie + '; ' + cookie : cookie;
  return headers;
}

/** One request; `onResponse` sees the status before any data. */
function send(
  options: SockJSOptions,
  method: string,
  url: string,
  body: string | null,
  extra: Record<string, string>,
  onResponse: (status: number) => void,
  onData: (text: string) => void,
  onEnd: (status: number) => void,
): () => void {
  let finished = false;
  const end = (status: number) => {
    if (finished) return;
    finished = true;
    onEnd(status);
  };
  const headers = { ...headersFor(options, url), ...extra };
  if (body !== null) {
    headers['Content-Type'] = 'text/plain;charset=UTF-8';
    headers['Content-Length'] = String(Buffer.byteLength(body));
  } else if (method === 'POST') headers['Content-Length'] = '0';
  const req = (url.startsWith('https:') ? httpsRequest : httpRequest)(url, { method, headers });
  req.on('error', () => end(0));
  req.on('response', (res: IncomingMessage) => {
    const cookies = res.headers['set-cookie'];
    if (cookies) jarOf(options).set(url, cookies);
    const status = res.statusCode ?? 0;
    onResponse(status);
    res.setEncoding('utf8');
    res.on('data', (text: string) => {
      if (!finished) onData(text);
    });
    res.on('error', () => end(0));
    // A response cut off before its end (a server that died) is a failure.
    res.on('close', () => end(res.complete ? status : 0));
  });
  req.end(body ?? undefined);
  return () => {
    finished = true;
    req.destroy();
  };
}

/** Calls `onData` with the data of each complete event in a text/event-stream. */
export function eventStreamParser(onData: (data: string) => void): (text: string) => void {
  let buffer = '';
  let data: string[] = [];
  return (text) => {
    buffer += text;
    let start = 0;
    const eol = /\r\n|\r|\n/g;
    for (let m = eol.exec(buffer); m; m = eol.exec(buffer)) {
      // A CR at the very end may be the first half of CRLF.
      if (m[0] === '\r' && m.index === buffer.length - 1) break;
      const line = buffer.slice(start, m.index);
      start = eol.lastIndex;
      if (line === '') {
        if (data.length > 0) onData(data.join('\n'));
        data = [];
      } else if (line.startsWith('data:')) data.push(line.slice(line[5] === ' ' ? 6 : 5));
    }
    buffer = buffer.slice(start);
  };
}

export const nodeEnv: Env = {
  pageUrl: () => undefined,
  http(options): HttpRequest {
    return (method, url, body, onData, onEnd) =>
      send(options, method, url, body, {}, () => {}, onData, onEnd);
  },
  hasWebSocket: () =>
    typeof globalThis.WebSocket === 'function' || loadWs() !== null || noWebSocket(),
  webSocket(url, options) {
    const headers = headersFor(options, url.replace(/^ws/, 'http'));
    const native = globalThis.WebSocket as unknown as WebSocketCtor | undefined;
    const ws = loadWs();
    // Only `ws` can send headers (and cookies) with the handshake.
    if (ws && (Object.keys(headers).length > 0 || !native)) return new ws(url, [], { headers });
    return native ? new native(url) : null;
  },
  eventSource(url, options, onOpen, onData, onEnd) {
    let ok = false;
    const parse = eventStreamParser(onData);
    return send(
      options,
      'GET',
      url,
      null,
      { Accept: 'text/event-stream' },
      (status) => {
        ok = status === 200;
      },
      (text) => {
        if (!ok) return;
        onOpen();
        parse(text);
      },
      (status) => onEnd(status === 0),
    );
  },
};
