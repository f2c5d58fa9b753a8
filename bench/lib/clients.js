// Client sessions that speak the wire protocols themselves: SockJS websocket,
// raw websocket, xhr-streaming, eventsource and xhr-polling, engine.io's
// websocket and polling, and Socket.IO's events over engine.io's websocket. No client library: the point is to measure servers,
// so the client side does as little as a browser would.
//
// Every session has the same shape: `open()` resolves once the server said
// hello, `send(message)`, `close()`, and `onmessage(text)` / `onclose(reason)`
// callbacks set by the driver.

import { closeAll, request as httpRequest } from './http-client.js';
import { WireWebSocket } from './wire-websocket.js';

let sessionCounter = 0;
function sessionId() {
  sessionCounter += 1;
  return `${process.pid.toString(36)}x${sessionCounter.toString(36)}`;
}

/** Closes the HTTP transports' pooled connections (end of a run). */
export const closeHttp = closeAll;

const OPEN_TIMEOUT_MS = 15_000;

class BaseSession {
  constructor(target, localAddress) {
    this.target = target;
    this.localAddress = localAddress;
    this.closed = false;
    this.opened = false;
    this.onmessage = null;
    this.onclose = null;
    this.openWaiters = null;
  }

  /** Resolves when the server's hello arrived; rejects on failure or timeout. */
  open() {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error('open timed out')), OPEN_TIMEOUT_MS);
      this.openWaiters = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.start();
    });
  }

  markOpen() {
    if (this.opened) return;
    this.opened = true;
    this.openWaiters?.resolve();
  }

  fail(err) {
    if (this.closed) return;
    this.closed = true;
    this.stop();
    if (!this.opened) this.openWaiters?.reject(err);
    else this.onclose?.(err.message);
  }

  deliver(text) {
    this.onmessage?.(text);
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.stop();
  }
}

// ---------------------------------------------------------------- websockets

class WebSocketSession extends BaseSession {
  url() {
    throw new Error('abstract');
  }
  start() {
    const ws = new WireWebSocket(this.url(), {
      localAddress: this.localAddress,
      handshakeTimeout: OPEN_TIMEOUT_MS,
    });
    this.ws = ws;
    ws.onmessage = (text) => this.frame(text);
    ws.onerror = (err) => this.fail(err);
    ws.onclose = (code) => this.fail(new Error(`websocket closed ${code}`));
    ws.onopen = () => this.socketOpen();
  }
  socketOpen() {}
  stop() {
    this.ws?.close(1000);
  }
}

// The load generator's own JSON work must stay small next to the server's, or
// it saturates its core first and the server is measured half idle. Two
// shortcuts, both exact for what they are given:
// - the driver's messages are printable ASCII without '"' or '\\' (a base-36
//   tag or a time stamp, then 'x's: see load.js), so a message's JSON literal
//   is the message itself between quotes;
// - a frame without a backslash has no escapes, so its strings are the text
//   between its quotes ('","' can only be a separator then).
// Node 20's JSON.stringify takes ~13 µs for 4 KiB; these take well under 1 µs.

/** `[message]` as JSON, for the driver's plain-ASCII messages. */
function jsonArray(messages) {
  return '["' + messages.join('","') + '"]';
}

/** The messages of an `a[...]` frame. */
function frameMessages(text) {
  if (text.indexOf('\\') === -1 && text.startsWith('a["') && text.endsWith('"]')) {
    return text.slice(3, -2).split('","');
  }
  return JSON.parse(text.slice(1));
}

/** One SockJS frame, for every SockJS transport: `o`, `a[...]`, `c[...]` (`h` needs nothing). */
function sockjsFrame(session, text) {
  switch (text.charCodeAt(0)) {
    case 0x6f /* o */:
      session.markOpen();
      return;
    case 0x61 /* a */:
      for (const m of frameMessages(text)) session.deliver(m);
      return;
    case 0x63 /* c */:
      session.fail(new Error(`closed by server ${text}`));
      return;
  }
}

export class SockjsWebSocket extends WebSocketSession {
  url() {
    const { host, port, prefix } = this.target;
    return `ws://${host}:${port}${prefix}/000/${sessionId()}/websocket`;
  }
  frame(text) {
    sockjsFrame(this, text);
  }
  send(message) {
    this.ws.send(jsonArray([message]));
  }
}

/**
 * A resumable SockJS websocket session (docs/resume.md): opened with
 * `resume=new`; `sendBatch` sends messages numbered from `seq`, and `drop`
 * destroys the socket without a close frame, as a network failure would.
 */
export class SockjsResumeWebSocket extends SockjsWebSocket {
  url() {
    return `${super.url()}?resume=new`;
  }
  sendBatch(seq, ack, messages) {
    this.ws.send(`[${seq},${ack},${jsonArray(messages).slice(1)}`);
  }
  drop() {
    this.closed = true;
    this.ws.terminate();
  }
}

/** SockJS raw websocket (`<prefix>/websocket`): one message per frame. */
export class RawWebSocket extends WebSocketSession {
  url() {
    const { host, port, prefix } = this.target;
    return `ws://${host}:${port}${prefix}/websocket`;
  }
  socketOpen() {
    this.markOpen();
  }
  frame(text) {
    this.deliver(text);
  }
  send(message) {
    this.ws.send(message);
  }
}

/**
 * One engine.io v4 packet, for either transport: `0{...}` open (handed to
 * `engineOpen`), `2` ping (answered by `pong`), `4` message, `1` close.
 */
function enginePacket(session, packet) {
  switch (packet.charCodeAt(0)) {
    case 0x30 /* 0 open */:
      session.engineOpen(packet.slice(1));
      return;
    case 0x32 /* 2 ping */:
      session.pong();
      return;
    case 0x34 /* 4 message */:
      session.deliver(packet.slice(1));
      return;
    case 0x31 /* 1 close */:
      session.fail(new Error('closed by server'));
      return;
  }
}

/** engine.io v4 protocol over websocket: `0{...}` open, `2` ping, `4` message. */
export class EngineWebSocket extends WebSocketSession {
  url() {
    const { host, port, prefix } = this.target;
    return `ws://${host}:${port}${prefix}/?EIO=4&transport=websocket`;
  }
  frame(text) {
    enginePacket(this, text);
  }
  engineOpen() {
    this.markOpen();
  }
  pong() {
    this.ws.send('3');
  }
  send(message) {
    this.ws.send('4' + message);
  }
}

/**
 * Socket.IO 4 over engine.io v4's websocket, main namespace: after engine.io's
 * `0{...}` the client sends CONNECT (`40`) and is open at the server's
 * `40{...}`. It sends `42["pub",message]` and hands over the data of every
 * EVENT it gets (`42["m",message]`); the server's rooms decide who gets what.
 */
export class SocketIoWebSocket extends EngineWebSocket {
  frame(text) {
    if (text.charCodeAt(0) === 0x34 /* engine.io message */) this.socketPacket(text);
    else enginePacket(this, text);
  }
  engineOpen() {
    this.ws.send('40');
  }
  socketPacket(text) {
    switch (text.charCodeAt(1)) {
      case 0x30 /* 0 CONNECT */:
        this.markOpen();
        return;
      case 0x32 /* 2 EVENT */:
        this.deliver(eventData(text));
        return;
      case 0x31 /* 1 DISCONNECT */:
      case 0x34 /* 4 CONNECT_ERROR */:
        this.fail(new Error(`socket.io closed ${text}`));
        return;
    }
  }
  send(message) {
    // The driver's messages need no escaping (see jsonArray above).
    this.ws.send('42["pub","' + message + '"]');
  }
}

/** The first argument of a Socket.IO EVENT packet `42["name",data]`. */
function eventData(text) {
  if (text.indexOf('\\') === -1 && text.endsWith('"]')) {
    const start = text.indexOf('","');
    if (start !== -1) return text.slice(start + 3, -2);
  }
  return JSON.parse(text.slice(2))[1];
}

// ---------------------------------------------------------------- HTTP

/** One HTTP request; calls back with (err, status, body) or streams chunks. */
function request(session, method, path, body, onChunk, done) {
  return httpRequest(session.target, session.localAddress, method, path, body, onChunk, done);
}

/**
 * The sending side of the HTTP transports, as browsers do it: at most one
 * send request in flight per session; what is written meanwhile is batched
 * into the next one.
 */
class BatchingSender {
  constructor(session, post) {
    this.session = session;
    this.post = post;
    this.queue = [];
    this.inFlight = false;
  }
  push(message) {
    this.queue.push(message);
    if (!this.inFlight) this.flush();
  }
  flush() {
    if (this.queue.length === 0 || this.session.closed) return;
    const batch = this.queue;
    this.queue = [];
    this.inFlight = true;
    this.post(batch, (err) => {
      this.inFlight = false;
      if (err !== null) this.session.fail(err);
      else this.flush();
    });
  }
}

/** The SockJS HTTP transports share the receive-side frame handling. */
class SockjsHttpSession extends BaseSession {
  constructor(target, localAddress) {
    super(target, localAddress);
    this.base = `${target.prefix}/000/${sessionId()}`;
    this.sender = new BatchingSender(this, (batch, cb) => {
      request(this, 'POST', `${this.base}/xhr_send`, jsonArray(batch), null, (err, status) =>
        cb(err ?? (status === 204 ? null : new Error(`xhr_send answered ${status}`))),
      );
    });
    this.req = null;
  }
  frame(text) {
    sockjsFrame(this, text);
  }
  send(message) {
    this.sender.push(message);
  }
  stop() {
    this.req?.destroy();
  }
  /** Starts the next receiving request; `transport` names it. */
  receive(method, transport, onChunk) {
    if (this.closed) return;
    this.req = request(this, method, `${this.base}/${transport}`, null, onChunk, (err, status) => {
      if (this.closed) return;
      if (err !== null) this.fail(err);
      else if (status !== 200) this.fail(new Error(`${transport} answered ${status}`));
      else this.receiveEnded();
    });
  }
}

/** xhr-streaming: frames separated by '\n' after a 2 KiB 'h' prelude. */
export class XhrStreaming extends SockjsHttpSession {
  start() {
    let buffer = '';
    this.receive('POST', 'xhr_streaming', (chunk) => {
      buffer += chunk;
      let nl = buffer.indexOf('\n');
      while (nl !== -1) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.length > 0 && !this.closed) this.frame(line);
        nl = buffer.indexOf('\n');
      }
    });
  }
  // The server ends the response after response_limit bytes: reconnect.
  receiveEnded() {
    this.start();
  }
}

/** eventsource: `data: <frame>\r\n\r\n`, with %, CR, LF and NUL %-escaped. */
export class EventSource extends SockjsHttpSession {
  start() {
    let buffer = '';
    this.receive('GET', 'eventsource', (chunk) => {
      buffer += chunk;
      let end = buffer.indexOf('\r\n\r\n');
      while (end !== -1) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 4);
        const data = event.startsWith('\r\n') ? event.slice(2) : event;
        if (data.startsWith('data: ') && !this.closed) {
          const frame = data.slice(6);
          this.frame(frame.includes('%') ? decodeURI(frame) : frame);
        }
        end = buffer.indexOf('\r\n\r\n');
      }
    });
  }
  receiveEnded() {
    this.start();
  }
}

/** xhr-polling: one frame per POST <session>/xhr, then poll again. */
export class XhrPolling extends SockjsHttpSession {
  start() {
    this.poll();
  }
  poll() {
    let text = '';
    this.receive('POST', 'xhr', (chunk) => {
      text += chunk;
    });
    this.pending = () => {
      if (text.length > 0) this.frame(text.trimEnd());
    };
  }
  receiveEnded() {
    this.pending();
    this.poll();
  }
}

/** engine.io v4 polling: handshake, long-poll GETs, POSTs of packets joined by \x1e. */
export class EnginePolling extends BaseSession {
  constructor(target, localAddress) {
    super(target, localAddress);
    this.sid = null;
    this.req = null;
    this.sender = new BatchingSender(this, (batch, cb) => {
      request(this, 'POST', this.path(), batch.join('\x1e'), null, (err, status) =>
        cb(err ?? (status === 200 ? null : new Error(`engine.io POST answered ${status}`))),
      );
    });
  }
  path() {
    const sid = this.sid === null ? '' : `&sid=${this.sid}`;
    return `${this.target.prefix}/?EIO=4&transport=polling${sid}`;
  }
  start() {
    this.poll();
  }
  poll() {
    if (this.closed) return;
    this.req = request(this, 'GET', this.path(), null, null, (err, status, body) => {
      if (this.closed) return;
      if (err !== null) return this.fail(err);
      if (status !== 200) return this.fail(new Error(`engine.io GET answered ${status}`));
      for (const packet of body.split('\x1e')) this.packet(packet);
      this.poll();
    });
  }
  packet(packet) {
    enginePacket(this, packet);
  }
  engineOpen(handshake) {
    this.sid = JSON.parse(handshake).sid;
    this.markOpen();
  }
  pong() {
    this.sender.push('3');
  }
  send(message) {
    this.sender.push('4' + message);
  }
  stop() {
    this.req?.destroy();
  }
}

/** The session class for a transport and a wire protocol. */
export function sessionClass(wire, transport) {
  if (wire === 'engine.io') {
    if (transport === 'websocket') return EngineWebSocket;
    if (transport === 'xhr-polling') return EnginePolling;
  } else if (wire === 'socket.io') {
    if (transport === 'websocket') return SocketIoWebSocket;
  } else {
    switch (transport) {
      case 'websocket':
        return SockjsWebSocket;
      case 'websocket-raw':
        return RawWebSocket;
      case 'websocket-resume':
        return SockjsResumeWebSocket;
      case 'xhr-streaming':
        return XhrStreaming;
      case 'eventsource':
        return EventSource;
      case 'xhr-polling':
        return XhrPolling;
    }
  }
  throw new Error(`no ${transport} client for ${wire}`);
}
