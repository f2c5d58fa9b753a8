// The load generator's own WebSocket client (RFC 6455): a TCP socket, the
// opening handshake and frame parsing, nothing else. A client library does
// work a server benchmark should not pay for on the load core (events per
// frame, buffer lists, its own masking); with it the load core ran out first
// in the websocket rows, and the figures measured the client.
//
// Frames it sends are masked, as the protocol requires, with a masking key of
// zero bytes (ws offers the same through its `generateMask` option for
// benchmarks): the server unmasks every frame alike whatever the key, while
// the client skips the XOR. Each frame goes out as one Buffer, one write.
//
// Interface: `onopen()`, `onmessage(text)`, `onclose(code)` and
// `onerror(error)` callbacks; `send(text)`, `close(code)`, `terminate()`.

import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';

const ACCEPT_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const HEAD_END = Buffer.from('\r\n\r\n');
const MAX_HEAD = 16 * 1024;
/** Larger frames or messages end the connection: nothing in a benchmark comes near. */
const MAX_MESSAGE = 64 * 1024 * 1024;

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

export class WireWebSocket {
  /**
   * @param {string} url ws://host:port/path
   * @param {{ localAddress?: string, handshakeTimeout?: number }} [options]
   */
  constructor(url, { localAddress, handshakeTimeout = 15_000 } = {}) {
    const target = new URL(url);
    if (target.protocol !== 'ws:') throw new Error(`not a ws: URL: ${url}`);
    this.readyState = CONNECTING;
    this.onopen = null;
    this.onmessage = null;
    this.onclose = null;
    this.onerror = null;
    this.key = randomBytes(16).toString('base64');
    this.head = null;
    this.pending = null;
    this.fragments = null;
    this.fragmentsLength = 0;
    this.closeSent = false;
    this.socket = net.connect({
      host: target.hostname,
      port: Number(target.port || 80),
      localAddress,
    });
    this.socket.setNoDelay(true);
    this.timer = setTimeout(
      () => this.error(new Error('websocket handshake timed out')),
      handshakeTimeout,
    );
    this.socket.on('connect', () => {
      this.socket.write(
        `GET ${target.pathname}${target.search} HTTP/1.1\r\n` +
          `Host: ${target.host}\r\n` +
          'Upgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Key: ${this.key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    this.socket.on('data', (chunk) => {
      if (this.readyState === CONNECTING) this.handshake(chunk);
      else this.frames(chunk);
    });
    this.socket.on('error', (err) => this.error(err));
    this.socket.on('close', () => {
      if (this.readyState === CONNECTING) {
        this.error(new Error('connection closed before the websocket handshake completed'));
      } else {
        this.ended(1006);
      }
    });
  }

  /** Reads the server's answer to the upgrade; what follows it is frames. */
  handshake(chunk) {
    this.head = this.head === null ? chunk : Buffer.concat([this.head, chunk]);
    const end = this.head.indexOf(HEAD_END);
    if (end === -1) {
      if (this.head.length > MAX_HEAD)
        this.error(new Error('websocket handshake: header too long'));
      return;
    }
    const lines = this.head.toString('latin1', 0, end).split('\r\n');
    const rest = this.head.subarray(end + HEAD_END.length);
    this.head = null;
    const status = /^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? '')?.[1];
    if (status !== '101') {
      this.error(new Error(`websocket refused: HTTP ${status ?? '(no status line)'}`));
      return;
    }
    let accept = null;
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (line.slice(0, colon).trim().toLowerCase() === 'sec-websocket-accept') {
        accept = line.slice(colon + 1).trim();
      }
    }
    const expected = createHash('sha1')
      .update(this.key + ACCEPT_GUID)
      .digest('base64');
    if (accept !== expected) {
      this.error(new Error(`websocket handshake: Sec-WebSocket-Accept ${accept}`));
      return;
    }
    clearTimeout(this.timer);
    this.readyState = OPEN;
    this.onopen?.();
    if (rest.length > 0 && this.readyState === OPEN) this.frames(rest);
  }

  /** Parses every complete frame in what arrived; keeps an incomplete tail. */
  frames(chunk) {
    let buf = chunk;
    if (this.pending !== null) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    let at = 0;
    while (this.readyState === OPEN || this.readyState === CLOSING) {
      if (buf.length - at < 2) break;
      const b0 = buf[at];
      const b1 = buf[at + 1];
      let length = b1 & 0x7f;
      let start = at + 2;
      if (length === 126) {
        if (buf.length - at < 4) break;
        length = buf.readUInt16BE(at + 2);
        start = at + 4;
      } else if (length === 127) {
        if (buf.length - at < 10) break;
        const big = buf.readBigUInt64BE(at + 2);
        if (big > BigInt(MAX_MESSAGE)) return this.protocolError(`a frame of ${big} bytes`);
        length = Number(big);
        start = at + 10;
      }
      if (b1 & 0x80) return this.protocolError('a masked frame from the server');
      if (b0 & 0x70) return this.protocolError('reserved bits set');
      if (buf.length - start < length) break;
      at = start + length;
      this.frame(b0 & 0x80, b0 & 0x0f, buf, start, at);
    }
    if (at < buf.length && this.readyState !== CLOSED) this.pending = buf.subarray(at);
  }

  frame(fin, opcode, buf, start, end) {
    switch (opcode) {
      case 0x1:
      case 0x2:
        if (this.fragments !== null)
          return this.protocolError('a new message inside a fragmented one');
        if (fin) {
          this.onmessage?.(buf.toString('utf8', start, end));
          return;
        }
        this.fragments = [Buffer.from(buf.subarray(start, end))];
        this.fragmentsLength = end - start;
        return;
      case 0x0:
        if (this.fragments === null)
          return this.protocolError('a continuation with nothing to continue');
        this.fragments.push(Buffer.from(buf.subarray(start, end)));
        this.fragmentsLength += end - start;
        if (this.fragmentsLength > MAX_MESSAGE) return this.protocolError('a message over 64 MiB');
        if (fin) {
          const whole = Buffer.concat(this.fragments, this.fragmentsLength);
          this.fragments = null;
          this.onmessage?.(whole.toString('utf8'));
        }
        return;
      case 0x8: {
        if (!fin || end - start > 125) return this.protocolError('a bad close frame');
        const code = end - start >= 2 ? buf.readUInt16BE(start) : 1005;
        this.sendClose(code === 1005 ? null : code);
        this.socket.end();
        this.ended(code);
        return;
      }
      case 0x9:
        if (!fin || end - start > 125) return this.protocolError('a bad ping frame');
        this.write(0xa, buf.subarray(start, end));
        return;
      case 0xa:
        return;
      default:
        return this.protocolError(`opcode ${opcode}`);
    }
  }

  /** Sends one text frame. */
  send(text) {
    if (this.readyState === OPEN) this.write(0x1, text);
  }

  /** Starts the closing handshake; a connection not yet open is dropped. */
  close(code = 1000) {
    if (this.readyState === CONNECTING) return this.terminate();
    if (this.readyState !== OPEN) return;
    this.readyState = CLOSING;
    this.sendClose(code);
    // The server answers with its close frame and ends the connection.
    this.socket.setTimeout(5000, () => this.terminate());
  }

  terminate() {
    this.socket.destroy();
    this.ended(1006);
  }

  sendClose(code) {
    if (this.closeSent) return;
    this.closeSent = true;
    const payload = Buffer.alloc(code === null ? 0 : 2);
    if (code !== null) payload.writeUInt16BE(code);
    this.write(0x8, payload);
  }

  /** One frame, header and payload in one Buffer and one write. */
  write(opcode, payload) {
    const length = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
    const head = frameHeadLength(length);
    const frame = Buffer.allocUnsafe(head + length);
    writeFrameHead(frame, opcode, length);
    if (typeof payload === 'string') frame.write(payload, head, 'utf8');
    else payload.copy(frame, head);
    this.socket.write(frame);
  }

  protocolError(what) {
    this.sendClose(1002);
    this.socket.end();
    this.error(new Error(`websocket protocol error: ${what}`));
  }

  error(err) {
    if (this.readyState === CLOSED) return;
    this.socket.destroy();
    this.readyState = CLOSED;
    clearTimeout(this.timer);
    this.onerror?.(err);
  }

  ended(code) {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    clearTimeout(this.timer);
    this.onclose?.(code);
  }
}

/** Bytes before the payload of a client frame: 2, 4 or 10, plus the 4-byte masking key. */
function frameHeadLength(length) {
  return (length < 126 ? 2 : length < 0x10000 ? 4 : 10) + 4;
}

/** FIN, the opcode, the masked length and a masking key of zeros. */
function writeFrameHead(frame, opcode, length) {
  frame[0] = 0x80 | opcode;
  let at = 2;
  if (length < 126) {
    frame[1] = 0x80 | length;
  } else if (length < 0x10000) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
    at = 4;
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
    at = 10;
  }
  frame.writeUInt32BE(0, at);
}

WireWebSocket.CONNECTING = CONNECTING;
WireWebSocket.OPEN = OPEN;
WireWebSocket.CLOSING = CLOSING;
WireWebSocket.CLOSED = CLOSED;
