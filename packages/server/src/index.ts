export { ReadyState } from '@sockjs-ts/protocol';
export { Connection, type ConnectionEvents } from './connection.js';
export type { LogFunction, LogSeverity, ServerOptions } from './options.js';
export { MemoryRegistry, type SessionRegistry } from './registry.js';
export { createServer, DEFAULT_SOCKJS_URL, type ServerEvents, SockJSServer } from './server.js';

import { createServer } from './server.js';
export default { createServer };
