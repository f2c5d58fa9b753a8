// Close codes that appear in SockJS `c[code,"reason"]` frames and in the
// client's close events.

export const CloseCode = {
  /** Normal closure: the default of `conn.close()` and of the client's `close()`. */
  Normal: 1000,
  /** The server is going away (graceful shutdown). */
  GoingAway: 1001,
  /** A client-side protocol error, or a receiving request that was aborted. */
  ProtocolError: 1002,
  /** The transport dropped without a close frame (client side only). */
  Abnormal: 1006,
  /** A message was larger than the configured maximum. */
  MessageTooBig: 1009,
  /** The server hit an unexpected condition. */
  InternalError: 1011,
  /** No transport could open (client side only). */
  AllTransportsFailed: 2000,
  /** A second receiving request arrived for a session that already has one. */
  AnotherConnectionOpen: 2010,
  /** Closed by the application or for broken framing (sockjs-node convention). */
  GoAway: 3000,
} as const;

export const CloseReason = {
  Normal: 'Normal closure',
  GoingAway: 'Server shutting down',
  Interrupted: 'Connection interrupted',
  AnotherConnectionOpen: 'Another connection still open',
  BrokenFraming: 'Broken framing.',
  NoHeartbeat: 'No response from heartbeat',
  MessageTooBig: 'Message too big',
  AllTransportsFailed: 'All transports failed',
} as const;

/**
 * Whether an application may pass this code to `close(code)`: 1000 or
 * 3000-4999, as the WebSocket API allows.
 */
export function isApplicationCloseCode(code: number): boolean {
  return code === 1000 || (Number.isInteger(code) && code >= 3000 && code <= 4999);
}
