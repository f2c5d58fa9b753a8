// URL layout under a SockJS prefix, and the id and callback rules.

export type TransportName =
  | 'websocket'
  | 'xhr'
  | 'xhr_send'
  | 'xhr_streaming'
  | 'eventsource'
  | 'htmlfile'
  | 'jsonp'
  | 'jsonp_send';

/** Which methods each session URL takes (besides OPTIONS where listed). */
export const TRANSPORT_METHODS: Readonly<Record<TransportName, readonly string[]>> = {
  websocket: ['GET'],
  xhr: ['POST', 'OPTIONS'],
  xhr_send: ['POST', 'OPTIONS'],
  xhr_streaming: ['POST', 'OPTIONS'],
  eventsource: ['GET'],
  htmlfile: ['GET'],
  jsonp: ['GET'],
  jsonp_send: ['POST'],
};

export type Route =
  | { readonly kind: 'greeting' }
  | { readonly kind: 'info' }
  | { readonly kind: 'iframe' }
  | { readonly kind: 'raw-websocket' }
  | {
      readonly kind: 'session';
      readonly serverId: string;
      readonly sessionId: string;
      readonly transport: TransportName;
    };

const IFRAME_PATH = /^\/iframe[0-9a-z_.-]*\.html$/;

/** One of the session transports' names (compared, not looked up: no hashing). */
function isTransportName(name: string): name is TransportName {
  switch (name) {
    case 'xhr':
    case 'xhr_send':
    case 'xhr_streaming':
    case 'websocket':
    case 'eventsource':
    case 'htmlfile':
    case 'jsonp':
    case 'jsonp_send':
      return true;
    default:
      return false;
  }
}

/**
 * Routes the path below the prefix (starting with '/' or empty, without the
 * query string). Returns null for paths that SockJS does not serve (404).
 * Session paths are /<server id>/<session id>/<transport>, ids non-empty
 * and without '/' or '.'.
 */
export function routePath(path: string): Route | null {
  if (path === '' || path === '/') return { kind: 'greeting' };
  if (path === '/info') return { kind: 'info' };
  if (path === '/websocket') return { kind: 'raw-websocket' };
  if (path.charCodeAt(0) !== 0x2f) return null;
  const afterServer = path.indexOf('/', 1);
  if (afterServer === -1) return IFRAME_PATH.test(path) ? { kind: 'iframe' } : null;
  const afterSession = path.indexOf('/', afterServer + 1);
  if (afterServer === 1 || afterSession === -1 || afterSession === afterServer + 1) return null;
  if (path.indexOf('/', afterSession + 1) !== -1) return null;
  const transport = path.slice(afterSession + 1);
  if (!isTransportName(transport)) return null;
  const serverId = path.slice(1, afterServer);
  const sessionId = path.slice(afterServer + 1, afterSession);
  if (serverId.includes('.') || sessionId.includes('.')) return null;
  return { kind: 'session', serverId, sessionId, transport };
}

export const MAX_CALLBACK_LENGTH = 32;
const CALLBACK = /^[a-zA-Z0-9_.-]+$/;

/** A JSONP or htmlfile callback name: [a-zA-Z0-9_.-], at most 32 characters. */
export function isValidCallback(name: string): boolean {
  return name.length <= MAX_CALLBACK_LENGTH && CALLBACK.test(name);
}

/** `length` random digits in base `radix` (at most 36), one random byte each. */
function randomDigits(
  length: number,
  radix: number,
  random: (buf: Uint8Array) => Uint8Array,
): string {
  return Array.from(random(new Uint8Array(length)), (b) => (b % radix).toString(radix)).join('');
}

/**
 * A random session id of `length` base-32 digits ([0-9a-v]): as many ids as
 * sockjs-client's 32-letter alphabet gives. `randomBytes` must fill its
 * argument with random bytes (crypto.getRandomValues in browsers and Node).
 */
export function randomSessionId(
  length: number,
  randomBytes: (buf: Uint8Array) => Uint8Array,
): string {
  return randomDigits(length, 32, randomBytes);
}

/**
 * A server id: three random decimal digits, as sockjs-client picks them.
 * A byte modulo 10 favours 0-5 slightly (26 to 25), which does not matter
 * for an id that servers ignore and balancers only hash.
 */
export function randomServerId(randomBytes: (buf: Uint8Array) => Uint8Array): string {
  return randomDigits(3, 10, randomBytes);
}
