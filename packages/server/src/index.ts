export { ReadyState } from '@sockjs-ts/protocol';
export type { Broker, BrokerNode } from './channels.js';
export type { ClusterNode, SessionCluster } from './cluster.js';
export { Connection, type ConnectionEvents } from './connection.js';
export {
  CHANNELS,
  type LimitMessage,
  type RejectMessage,
  type ServerStats,
  type SessionCloseMessage,
  type SessionOpenMessage,
  type SessionResumeMessage,
} from './diagnostics.js';
export {
  createHttp1Server,
  type Http1Options,
  Http1Request,
  Http1Response,
  Http1Server,
  type Http1ServerEvents,
  HttpParseError,
} from './http1/index.js';
export type {
  AllowRequest,
  AllowRequestResult,
  BaseUrlOption,
  LegacyTransportName,
  LogFunction,
  LogSeverity,
  ServerOptions,
} from './options.js';
export type { OriginCheck, OriginsOption } from './origins.js';
export {
  createServer,
  DEFAULT_SOCKJS_URL,
  type ServerEvents,
  // Legacy (sockjs-node's early API): `new sockjs.Server(options)`.
  SockJSServer as Server,
  SockJSServer,
} from './server.js';

import { createHttp1Server } from './http1/index.js';
import { createServer, SockJSServer } from './server.js';
export default { createServer, createHttp1Server, Server: SockJSServer };
