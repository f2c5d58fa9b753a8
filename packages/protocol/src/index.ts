export { CloseCode, CloseReason, isApplicationCloseCode } from './close-codes.js';
export {
  clientStringify,
  hasServerEscapable,
  serverQuote,
  serverStringify,
} from './escape.js';
export {
  closeFrame,
  type Frame,
  FrameError,
  HEARTBEAT_FRAME,
  messageFrame,
  messageText,
  OPEN_FRAME,
  parseFrame,
  parseSendPayload,
  parseWebSocketPayload,
} from './frames.js';
export { type Info, type InfoOptions, makeInfo, parseInfo } from './info.js';
export {
  type NumberedBatch,
  numberedFrame,
  parseNumberedBatch,
  parseResumeQuery,
  RESUME_ACK_AFTER,
  RESUME_ACK_EVERY,
  RESUME_NEW,
} from './resume.js';
export {
  type AttachOutcome,
  ReadyState,
  SessionState,
  type SessionTimings,
  type TickOutcome,
} from './session.js';
export {
  isValidCallback,
  MAX_CALLBACK_LENGTH,
  type Route,
  randomServerId,
  randomSessionId,
  routePath,
  TRANSPORT_METHODS,
  type TransportName,
} from './urls.js';
