// The object an application gets in the 'connection' event: sockjs-node's
// SockJSConnection, typed. Like sockjs-node's it is a stream (a Duplex) that
// apps pipe: conn.pipe(conn) echoes, shoe/dnode/multiplexers wrap it.
//
// The stream machinery is the contract, not the path: messages leave through
// write() straight to the session's queue (whose high-water mark is the
// backpressure write() reports and 'drain' ends), and arrive as 'data'
// events the session emits directly, one string per message, as sockjs-node
// 0.3 did. Node's Writable buffer and Readable buffer stay empty, so a
// connection costs two idle state objects and no time per message; SockJS has
// no inbound flow control, so pause() does not hold messages back.

import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import { Duplex, Writable } from 'node:stream';
import { CloseCode, CloseReason, type ReadyState } from '@sockjs-ts/protocol';
import type { HttpRequest } from './http-types.js';
import type { Session } from './session.js';

export interface ConnectionEvents {
  /** A message from the client. */
  data: [message: string];
  /** Legacy (sockjs-node's early API): a message as `{ data }`; emitted only while listened to. */
  message: [event: { data: string }];
  /** The session closed: emitted once, just before 'close'. */
  end: [];
  /** The session closed, for whatever reason; emitted once. */
  close: [];
  /** The outbound queue fell below the high-water mark after write() returned false. */
  drain: [];
}

type Listener<E extends keyof ConnectionEvents> = (...args: ConnectionEvents[E]) => void;
// Any other event, as every stream takes (so a Connection is a NodeJS.WritableStream for
// pipe()); the events above keep their typed listeners.
type OtherEvent<E> = E extends keyof ConnectionEvents ? never : E;
// biome-ignore lint/suspicious/noExplicitAny: the catch-all overload of Node's EventEmitter
type AnyListener = (...args: any[]) => void;

// Headers worth passing to the application. Cookies and credentials stay out,
// as in sockjs-node, so that logging conn.headers leaks nothing.
const EXPOSED_HEADERS = [
  'referer',
  'x-client-ip',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-cluster-client-ip',
  'via',
  'x-real-ip',
  'x-ssl',
  'dnt',
  'host',
  'user-agent',
  'accept-language',
  'origin',
] as const;

function pickHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const name of EXPOSED_HEADERS) {
    const v = headers[name];
    if (v !== undefined) (out as Record<string, unknown>)[name] = v;
  }
  return out;
}

// Node's own end() for the Writable side: Connection's end() closes the session.
const endWritable = Writable.prototype.end as (this: Writable) => Writable;

/**
 * Ahead of every other 'close' listener: emits 'end', as sockjs-node does on
 * close, and ends the Writable side ('finish' follows), so that
 * stream.finished() and pipeline() see a finished stream, not a premature close.
 */
function endBeforeClose(this: Connection): void {
  this.emit('end');
  endWritable.call(this);
}

/** Turns 'data' into the legacy 'message' event; installed by the first 'message' listener. */
function relayMessage(this: Connection, data: string): void {
  this.emit('message', { data });
}

// One chunk per message, strings in and out; the session's close emits
// 'close' itself, so the stream machinery neither emits nor destroys.
const STREAM_OPTIONS = {
  readableObjectMode: true,
  writableObjectMode: true,
  decodeStrings: false,
  emitClose: false,
  autoDestroy: false,
};

/**
 * The base of Connection: a Duplex whose stream state (Node's ReadableState
 * and WritableState, about 300 bytes of heap) is built the first time
 * anything reads it: pipe(), pipeline(), finished(), pause(), a readable*
 * or writable* getter, the close. Messages reach the app as 'data' events
 * the session emits itself, so an app that only listens and writes never
 * needs that state, and idle sessions do not carry it.
 */
function LazyDuplex(this: Duplex): void {
  EventEmitter.call(this);
}

function stateProperty(key: '_readableState' | '_writableState'): PropertyDescriptor {
  return {
    configurable: true,
    get(this: Duplex) {
      buildStreamState(this);
      return (this as unknown as Record<string, unknown>)[key];
    },
    // Duplex's constructor assigns both states: they become own properties.
    set(this: Duplex, value: unknown) {
      Object.defineProperty(this, key, {
        value,
        writable: true,
        configurable: true,
        enumerable: true,
      });
    },
  };
}

LazyDuplex.prototype = Object.create(Duplex.prototype, {
  constructor: { value: LazyDuplex, writable: true, configurable: true },
  _readableState: stateProperty('_readableState'),
  _writableState: stateProperty('_writableState'),
});

function buildStreamState(stream: Duplex): void {
  Duplex.call(stream, STREAM_OPTIONS);
}

function hasStreamState(stream: Duplex): boolean {
  return Object.hasOwn(stream, '_readableState');
}

const addListener = EventEmitter.prototype.addListener;
const prependListener = EventEmitter.prototype.prependListener;
const addOnceListener = EventEmitter.prototype.once;

export class Connection<Data = unknown> extends (LazyDuplex as unknown as typeof Duplex) {
  readonly id: string;
  /**
   * What allowRequest gave as `{ data }` when it admitted the session (who
   * authenticated, say); undefined without it. The app may set it too.
   */
  data: Data | undefined = undefined;
  /** The transport that opened the session, e.g. 'websocket' or 'xhr-streaming'. */
  protocol: string;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly url: string;
  readonly prefix: string;
  private readonly localAddress: string | undefined;
  private readonly localPort: number | undefined;
  private relayingMessages = false;
  /** @internal */
  readonly session: Session;
  // Stream flags, as sockjs-node's connection has them: true until the
  // session closes, which sets them false. Kept apart from Node's stream
  // state (see the accessors below): its own flags set to false would make
  // stream.finished() and pipeline() take a closed connection for no stream
  // at all and report a premature close.
  declare readable: boolean;
  declare writable: boolean;
  private readableFlag = true;
  private writableFlag = true;

  static {
    Object.defineProperties(Connection.prototype, {
      readable: {
        get(this: Connection) {
          return this.readableFlag;
        },
        set(this: Connection, value: boolean) {
          this.readableFlag = value;
        },
      },
      writable: {
        get(this: Connection) {
          return this.writableFlag;
        },
        set(this: Connection, value: boolean) {
          this.writableFlag = value;
        },
      },
      // write() goes around Writable's buffer: these read the session's
      // queue, which write()'s return value and 'drain' are about.
      writableNeedDrain: {
        get(this: Connection) {
          return this.session.backedUp;
        },
      },
      writableLength: {
        get(this: Connection) {
          return this.session.queuedMessages;
        },
      },
    });
  }

  /** @internal */
  constructor(session: Session, req: HttpRequest, prefix: string, protocol: string) {
    super();
    this.session = session;
    this.id = session.id;
    this.protocol = protocol;
    const socket = req.socket;
    this.remoteAddress = socket.remoteAddress;
    this.remotePort = socket.remotePort;
    this.localAddress = socket.localAddress;
    this.localPort = socket.localPort;
    this.headers = pickHeaders(req.headers);
    this.url = req.url ?? '';
    this.prefix = prefix;
    this.prependListener('close', endBeforeClose);
  }

  // Derived on demand: idle sessions do not carry them.

  /** The server's end of the connection. */
  get address(): { address: string | undefined; port: number | undefined } {
    return { address: this.localAddress, port: this.localPort };
  }

  /** `url` without its query string. */
  get pathname(): string {
    const q = this.url.indexOf('?');
    return q === -1 ? this.url : this.url.slice(0, q);
  }

  get readyState(): ReadyState {
    return this.session.readyState;
  }

  /**
   * Queues a message for the client (anything not a string is sent as
   * String(message), so a Buffer as UTF-8 text). Returns false when the
   * outbound queue is above the high-water mark: wait for 'drain' before
   * writing more. A callback, if given, runs once the message is queued.
   */
  override write(message: unknown, encoding?: unknown, callback?: unknown): boolean {
    const ok = this.session.write(typeof message === 'string' ? message : String(message));
    if (encoding !== undefined || callback !== undefined) afterQueued(encoding, callback);
    return ok;
  }

  /** Joins `channel`: the server's publish(channel, ...) reaches this connection. */
  join(channel: string): this {
    this.session.channels.join(this, channel);
    return this;
  }

  /** Leaves `channel` (closing leaves every channel). */
  leave(channel: string): this {
    this.session.channels.leave(this, channel);
    return this;
  }

  /** The channels this connection is in. */
  get channels(): ReadonlySet<string> {
    return this.session.channels.of(this);
  }

  /** Legacy alias of write() (sockjs-node's early API). */
  send(message: unknown): boolean {
    return this.session.write(typeof message === 'string' ? message : String(message));
  }

  /**
   * Writes an optional last message, then closes with 1000. A callback, if
   * given, runs once the session has closed.
   */
  override end(message?: unknown, encoding?: unknown, callback?: unknown): this {
    if (typeof message === 'function') {
      callback = message;
      message = undefined;
    }
    if (message !== undefined && message !== null) this.write(message);
    this.close();
    if (encoding !== undefined || callback !== undefined) afterQueued(encoding, callback);
    return this;
  }

  /** Closes the session: the client gets `c[code,"reason"]`. */
  close(code: number = CloseCode.Normal, reason: string = CloseReason.Normal): boolean {
    return this.session.close(code, reason);
  }

  /** Closes the session and drops its listeners (the error, if any, is not emitted). */
  override destroy(_error?: Error | null): this {
    this.close();
    this.readable = false;
    this.writable = false;
    this.removeAllListeners('data');
    this.relayingMessages = false;
    return this;
  }

  /** @internal Messages are pushed as 'data' events by the session, never read. */
  override _read(): void {}

  /** @internal write() bypasses Writable, so this only runs if a caller goes around it. */
  override _write(chunk: unknown, _encoding: BufferEncoding, callback: () => void): void {
    this.write(chunk);
    callback();
  }

  override on<E extends keyof ConnectionEvents>(event: E, listener: Listener<E>): this;
  override on<E extends string | symbol>(event: OtherEvent<E>, listener: AnyListener): this;
  override on(event: string | symbol, listener: AnyListener): this {
    if (event === 'message') this.relayMessages();
    if (event !== 'readable' && !hasStreamState(this))
      return addListener.call(this, event, listener) as this;
    return super.on(event, listener);
  }

  override addListener<E extends keyof ConnectionEvents>(event: E, listener: Listener<E>): this;
  override addListener<E extends string | symbol>(
    event: OtherEvent<E>,
    listener: AnyListener,
  ): this;
  override addListener(event: string | symbol, listener: AnyListener): this {
    if (event === 'message') this.relayMessages();
    if (event !== 'readable' && !hasStreamState(this))
      return addListener.call(this, event, listener) as this;
    return super.addListener(event, listener);
  }

  override once<E extends keyof ConnectionEvents>(event: E, listener: Listener<E>): this;
  override once<E extends string | symbol>(event: OtherEvent<E>, listener: AnyListener): this;
  override once(event: string | symbol, listener: AnyListener): this {
    if (event === 'message') this.relayMessages();
    if (event !== 'readable' && !hasStreamState(this))
      return addOnceListener.call(this, event, listener) as this;
    return super.once(event, listener);
  }

  override prependListener<E extends keyof ConnectionEvents>(event: E, listener: Listener<E>): this;
  override prependListener<E extends string | symbol>(
    event: OtherEvent<E>,
    listener: AnyListener,
  ): this;
  override prependListener(event: string | symbol, listener: AnyListener): this {
    if (event === 'message') this.relayMessages();
    if (event !== 'readable' && !hasStreamState(this))
      return prependListener.call(this, event, listener) as this;
    return super.prependListener(event, listener);
  }

  /** The 'message' event costs nothing until someone listens to it. */
  private relayMessages(): void {
    if (this.relayingMessages) return;
    this.relayingMessages = true;
    this.on('data', relayMessage);
  }
}

/** Runs a write()/end() callback, wherever in the arguments it came, after the call returns. */
function afterQueued(encoding: unknown, callback: unknown): void {
  const fn = typeof encoding === 'function' ? encoding : callback;
  if (typeof fn === 'function') process.nextTick(fn as () => void);
}
