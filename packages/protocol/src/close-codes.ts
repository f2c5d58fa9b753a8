// Close codes that appear in SockJS `c[code,"reason"]` frames and in the
// client's close events. Enums rather than objects: esbuild inlines their
// members into the client bundles, which have no bytes to spare, instead of
// shipping every name.

export enum CloseCode {
  /** Normal closure: the default of `conn.close()` and of the client's `close()`. */
  Normal = 1000,
  /** The server is going away (graceful shutdown). */
  GoingAway = 1001,
  /** A protocol error, an aborted receiving request, or a client that cannot reach /info. */
  ProtocolError = 1002,
  /** A transport dropped without a close frame, or the server lost the session (client only). */
  Abnormal = 1006,
  /** A message was larger than the configured maximum. */
  MessageTooBig = 1009,
  /** No transport could open (client only). */
  AllTransportsFailed = 2000,
  /** A second receiving request arrived for a session that already has one. */
  AnotherConnectionOpen = 2010,
  /** The resume extension: the session is unknown, or no longer holds what the peer missed. */
  CannotResume = 2012,
  /** Closed by the application or for broken framing (sockjs-node convention). */
  GoAway = 3000,
}

export enum CloseReason {
  Normal = 'Normal closure',
  GoingAway = 'Server shutting down',
  Interrupted = 'Connection interrupted',
  AnotherConnectionOpen = 'Another connection still open',
  BrokenFraming = 'Broken framing.',
  MessageTooBig = 'Message too big',
  AllTransportsFailed = 'All transports failed',
  CannotResume = 'Cannot resume',
}

/**
 * Whether an application may pass this code to `close(code)`: 1000 or
 * 3000-4999, as the WebSocket API allows (and sockjs-client checks).
 */
export function isApplicationCloseCode(code: number): boolean {
  return code === CloseCode.Normal || (code >= 3000 && code <= 4999);
}
