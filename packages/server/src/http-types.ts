// The request and response shapes the handlers use: node:http's
// IncomingMessage and ServerResponse have them, and so do the objects of the
// server's own HTTP/1.1 layer (http1/).

import type { EventEmitter } from 'node:events';
import {
  type IncomingHttpHeaders,
  IncomingMessage,
  type OutgoingHttpHeaders,
  ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';

export interface HttpRequest extends EventEmitter {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly httpVersion: string;
  readonly headers: IncomingHttpHeaders;
  readonly socket: Socket;
  resume(): unknown;
}

export interface HttpResponse extends EventEmitter {
  statusCode: number;
  readonly headersSent: boolean;
  readonly destroyed: boolean;
  readonly writableFinished: boolean;
  setHeader(name: string, value: number | string | readonly string[]): unknown;
  getHeader(name: string): number | string | string[] | undefined;
  getHeaders(): OutgoingHttpHeaders;
  writeHead(status: number, headers?: OutgoingHttpHeaders | string[]): unknown;
  write(chunk: string | Buffer): boolean;
  end(chunk?: string | Buffer): unknown;
  destroy(): unknown;
}

const NODE_REQUEST = Symbol('sockjs-ts node request');

/**
 * The request as a node:http IncomingMessage, for the user's hooks
 * (allowRequest, origins, jsessionid), which are typed with node:http's
 * classes. A request of our own HTTP layer gets a body-less IncomingMessage
 * with its method, url, version, headers and socket, made once.
 */
export function nodeRequest(req: HttpRequest): IncomingMessage {
  if (req instanceof IncomingMessage) return req;
  const tagged = req as HttpRequest & { [NODE_REQUEST]?: IncomingMessage };
  let msg = tagged[NODE_REQUEST];
  if (msg === undefined) {
    msg = new IncomingMessage(req.socket);
    msg.method = req.method;
    msg.url = req.url ?? '';
    msg.httpVersion = req.httpVersion;
    msg.httpVersionMajor = 1;
    msg.httpVersionMinor = req.httpVersion === '1.0' ? 0 : 1;
    msg.headers = req.headers;
    msg.complete = true;
    msg.push(null);
    tagged[NODE_REQUEST] = msg;
  }
  return msg;
}

/**
 * Runs a hook that wants node:http's (req, res). For our own layer, the hook
 * gets a ServerResponse that is never sent: the headers it sets are copied
 * onto the real response afterwards.
 */
export function withNodeResponse(
  req: HttpRequest,
  res: HttpResponse,
  hook: (req: IncomingMessage, res: ServerResponse) => void,
): void {
  if (res instanceof ServerResponse) {
    hook(nodeRequest(req), res);
    return;
  }
  const incoming = nodeRequest(req);
  const stand = new ServerResponse(incoming);
  hook(incoming, stand);
  // The names as the hook spelled them (getRawHeaderNames is untyped in @types/node).
  const names = (stand as unknown as { getRawHeaderNames(): string[] }).getRawHeaderNames();
  for (const name of names) {
    const value = stand.getHeader(name);
    if (value !== undefined) res.setHeader(name, value);
  }
}
