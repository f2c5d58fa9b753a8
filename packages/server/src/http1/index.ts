// The server's own HTTP/1.1 layer (createHttp1Server): its public names,
// and the one the SockJS server needs to take its place among a server's
// listeners. Nothing here imports from the SockJS code.

export type { Http1Options } from './options.js';
export { HttpParseError } from './parser.js';
export { Http1Request } from './request.js';
export { Http1Response } from './response.js';
export {
  createHttp1Server,
  fallbackListeners,
  Http1Server,
  type Http1ServerEvents,
} from './server.js';
