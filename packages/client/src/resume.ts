// Resume (docs/resume.md), the client side: one session across transport
// drops. The full entries wrap each transport that can resume with
// resumable(). When the app asked for it (`resume: true`) and /info announced
// it, the wrapper numbers the messages both ways (`[seq, ack, ...]`), drops
// what came twice, confirms what it received, and when its transport ends
// without a close frame opens another one of the same kind on the same
// session instead of reporting a close. The core sees one transport that
// never dropped. The WebSocket-only entries do not ship any of it.

import {
  CloseCode,
  CloseReason,
  clientStringify,
  messageText,
  RESUME_ACK_AFTER,
  RESUME_ACK_EVERY,
  RESUME_NEW,
} from '@sockjs-ts/protocol';
import { backoffDelay } from './backoff.js';
import { HEARTBEAT_TIMEOUT_MS } from './core.js';
import type { SockJSEvent } from './events.js';
import type {
  SockJSOptions,
  Transport,
  TransportContext,
  TransportFactory,
  WebSocketLike,
} from './types.js';
import { addQuery } from './url.js';

type Timer = ReturnType<typeof setTimeout> | undefined;

/** The options resume reads: ReconnectingSockJS passes its backoff options on to each session. */
type ResumeOptions = SockJSOptions & { minDelay?: number; maxDelay?: number };

/** Browsers' WebSocket and ws both have onopen, which WebSocketLike leaves out. */
type OpeningSocket = WebSocketLike & { onopen: (() => void) | null };

const byteLength = (text: string) => new TextEncoder().encode(text).length;

/** `factory`, resuming its sessions when the app and the server both want it. */
export function resumable(factory: TransportFactory): TransportFactory {
  return {
    ...factory,
    create: (ctx) => {
      const windowMs = ctx.facts?.resume;
      if (!(ctx.sockOptions.resume && windowMs && ctx.sock)) return factory.create(ctx);
      // An iframe transport asks its page to resume (transports/iframe.ts).
      return factory.name.startsWith('iframe-')
        ? factory.create({ ...ctx, resumeWindow: windowMs })
        : resumingTransport(factory, ctx, windowMs);
    },
  };
}

function resumingTransport(
  factory: TransportFactory,
  ctx: TransportContext,
  windowMs: number,
): Transport {
  const options = ctx.sockOptions as ResumeOptions;
  const sock = ctx.sock!;
  const isWebSocket = factory.name === 'websocket';
  // Each poll's URL carries the ack; the other transports send ack-only batches.
  const polls = factory.name.endsWith('-polling');
  const encode = isWebSocket ? JSON.stringify : clientStringify;
  // Liveness is ours: a silent transport is one more drop to resume from, not
  // a close. The core's clock stays off on the session's copy of the options,
  // and is given back if the session does not open on this transport.
  const liveness = options.heartbeatTimeout ?? HEARTBEAT_TIMEOUT_MS;
  options.heartbeatTimeout = 0;

  let inner: Transport | null = null;
  // Calls from a transport that was replaced or closed carry an old number.
  let generation = 0;
  let socket: OpeningSocket | null = null;
  let socketOpen = false;
  let opened = false;
  let resuming = false;
  let closing = false;
  let attempt = 0;
  /** Server messages handed to the core: our ack. */
  let received = 0;
  /** The ack the server was last told. */
  let ackSent = 0;
  /** The server's ack: our messages below it are freed. */
  let confirmed = 0;
  /** Our messages from `confirmed` on. */
  let pending: string[] = [];
  /** The seq after the last message handed to the current transport. */
  let sentUpTo = 0;
  let posting = false;
  // The liveness clock, or while resuming the attempt's deadline.
  let clock: Timer;
  // The batch in flight's deadline.
  let hung: Timer;
  let ackTimer: Timer;
  let retryTimer: Timer;
  let windowTimer: Timer;

  const emit = (type: string, fields = {}) =>
    sock.dispatchEvent(Object.assign(new Event(type), fields) as unknown as SockJSEvent);

  const query = () => {
    if (!opened) return 'resume=' + RESUME_NEW;
    ackSent = received;
    return 'resume=' + received;
  };

  const recount = () => {
    let bytes = 0;
    for (let i = sentUpTo - confirmed; i < pending.length; i++) bytes += byteLength(pending[i]!);
    sock.bufferedAmount = bytes;
  };

  const confirm = (ack: number) => {
    const freed = Math.min(ack, confirmed + pending.length) - confirmed;
    if (freed <= 0) return;
    pending = pending.slice(freed);
    confirmed += freed;
    if (sentUpTo < confirmed) {
      sentUpTo = confirmed;
      recount();
    }
  };

  /** Hands every message not yet sent to the transport in one batch, or the ack when it is due. */
  const sendUnsent = () => {
    if (!inner || (isWebSocket ? !socketOpen : posting)) return;
    const items = pending.slice(sentUpTo - confirmed);
    if (items.length === 0 && received === ackSent) return;
    let body = '[' + sentUpTo + ',' + received;
    for (const item of items) body += ',' + encode(item);
    body += ']';
    ackSent = received;
    clearTimeout(ackTimer);
    ackTimer = undefined;
    sentUpTo += items.length;
    sock.bufferedAmount = 0;
    if (isWebSocket) {
      socket!.send(body);
      return;
    }
    posting = true;
    const end = sentUpTo;
    const mine = generation;
    // A post that hangs (a kept-alive connection that went silent) would
    // stop every later message, while the receiving side looks alive.
    // (With liveness off, or once closing, it does nothing.)
    if (!closing)
      hung = setTimeout(() => {
        if (liveness && mine === generation) dropped();
      }, liveness);
    inner.sendBatch!(body, (ok) => {
      // A transport that was dropped may still answer; its deadline went with it.
      if (mine !== generation) return;
      clearTimeout(hung);
      posting = false;
      if (ok) confirm(end);
      else if (closing) return;
      else if (resuming) {
        // Sent while reattaching: the receiving request decides, and all of
        // it goes again once the transport has shown it works.
        sentUpTo = confirmed;
        recount();
        return;
      } else {
        dropped();
        return;
      }
      sendUnsent();
    });
  };

  const ackDue = () => {
    if (polls) return;
    if (received - ackSent >= RESUME_ACK_EVERY) sendUnsent();
    else
      ackTimer ??= setTimeout(() => {
        ackTimer = undefined;
        sendUnsent();
      }, RESUME_ACK_AFTER);
  };

  // Unlike the core's clock, it runs from the open frame on websocket too:
  // the core waits for a first `h` there because sockjs-node heartbeats
  // websockets with pings, but only our server announces resume, and it
  // sends `h` frames.
  const restartClock = () => {
    clearTimeout(clock);
    if (liveness > 0) clock = setTimeout(dropped, liveness);
  };

  const onFrame = (frame: string) => {
    if (closing) return;
    if (resuming && frame[0] !== 'c') {
      // A server that no longer has the session opens a new one.
      if (frame === 'o') {
        end(CloseCode.CannotResume, CloseReason.CannotResume);
        return;
      }
      resuming = false;
      attempt = 0;
      clearTimeout(clock);
      clearTimeout(windowTimer);
      emit('resumed');
      if (closing) return;
      sendUnsent();
    }
    if (frame === 'o') opened = true;
    if (opened) restartClock();
    if (frame[0] !== 'a') {
      ctx.onFrame(frame);
      return;
    }
    // Read here rather than by the protocol's parseNumberedBatch, whose
    // error class would cost the bundle more than these lines.
    let batch: unknown;
    try {
      batch = JSON.parse(frame.slice(1));
    } catch {}
    const [seq, ack] = Array.isArray(batch) ? batch : [];
    // A broken batch (no counters), or a gap: messages were lost, which
    // resume exists to rule out.
    if (!(seq <= received && ack >= 0)) {
      end(CloseCode.ProtocolError, 'Broken resume');
      return;
    }
    confirm(ack);
    const fresh = (batch as unknown[]).slice(2 + received - seq).map(messageText);
    if (fresh.length === 0) return;
    received += fresh.length;
    ctx.onFrame('a' + JSON.stringify(fresh));
    if (!closing) ackDue();
  };

  /** Opens a transport of our kind on the session. */
  const open = () => {
    const mine = ++generation;
    socket = null;
    socketOpen = false;
    const env = isWebSocket
      ? {
          ...ctx.env,
          // The query goes on the socket's URL, and batches go on the socket
          // itself: websocket.ts sends one-message arrays, and keeps to the
          // WebSocket-only bundle's budget.
          webSocket: (url: string, sockOptions: SockJSOptions) => {
            const ws = ctx.env.webSocket(
              addQuery(url, query()),
              sockOptions,
            ) as OpeningSocket | null;
            if (ws)
              ws.onopen = () => {
                if (mine !== generation) return;
                socketOpen = true;
                sendUnsent();
              };
            socket = ws;
            return ws;
          },
        }
      : ctx.env;
    inner = factory.create({
      ...ctx,
      env,
      resumeQuery: query,
      // Its seq is the oldest the server may lack, not the next one: a probe
      // can overtake a batch in flight, and must not look like a gap.
      emptyBatch: () => {
        ackSent = received;
        return '[' + confirmed + ',' + received + ']';
      },
      onFrame: (frame) => {
        if (mine === generation) onFrame(frame);
      },
      onClose: (code, reason) => {
        if (mine !== generation) return;
        if (opened) dropped();
        else {
          // Before the open frame, as without resume: the core tries the next transport.
          options.heartbeatTimeout = liveness;
          ctx.onClose(code, reason);
        }
      },
    });
  };

  const closeInner = () => {
    generation++;
    clearTimeout(hung);
    clearTimeout(clock);
    clearTimeout(ackTimer);
    ackTimer = undefined;
    // An open websocket is not closed: its close frame would end the session
    // (docs/resume.md, 7). `ws` can cut it without one; a browser's is left
    // to the server, which ends it when the next transport takes over.
    if (socketOpen && !closing) (socket as { terminate?(): void }).terminate?.();
    else inner?.close();
    inner = null;
    socket = null;
    socketOpen = false;
    posting = false;
  };

  /** The transport ended without a close frame, went silent, or failed to send. */
  const dropped = () => {
    if (closing) return;
    closeInner();
    // Whatever the server has not confirmed goes again on the next transport.
    sentUpTo = confirmed;
    recount();
    if (!resuming) {
      resuming = true;
      windowTimer = setTimeout(
        () => end(CloseCode.CannotResume, CloseReason.CannotResume),
        windowMs,
      );
    }
    attempt++;
    const delay = backoffDelay(attempt, Math.random, options.minDelay, options.maxDelay);
    retryTimer = setTimeout(reattach, delay);
    emit('resuming', { attempt, delay });
  };

  const reattach = () => {
    open();
    // An attempt that shows nothing for the liveness time is dropped too.
    if (liveness > 0) clock = setTimeout(dropped, liveness);
    // HTTP sends now; websocket once its socket is open.
    sendUnsent();
  };

  const stop = () => {
    closing = true;
    clearTimeout(retryTimer);
    clearTimeout(windowTimer);
    closeInner();
  };

  /** Ends the session with a close the core reports. */
  const end = (code: number, reason: string) => {
    stop();
    ctx.onClose(code, reason);
  };

  open();
  return {
    send(message) {
      pending.push(message);
      sock.bufferedAmount += byteLength(message);
      sendUnsent();
    },
    close() {
      if (closing) return;
      if (!opened) options.heartbeatTimeout = liveness;
      closing = true;
      clearTimeout(retryTimer);
      clearTimeout(windowTimer);
      clearTimeout(clock);
      clearTimeout(ackTimer);
      // What send() accepted still goes out (HTTP transports wait for it);
      // a close is no drop, so no batch needs a deadline.
      if (!resuming) sendUnsent();
      clearTimeout(hung);
      inner?.close();
    },
    // In the iframe page: the batch in flight still goes out before the
    // parent removes the iframe.
    flushed(done) {
      if (inner?.flushed) inner.flushed(done);
      else done();
    },
  };
}
