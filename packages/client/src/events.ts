// The public vocabulary of the client's events, ready states and transport
// names. Declared without DOM or @types/node names (Event, EventTarget,
// BinaryType, URL, AbortSignal) so that the published .d.ts files compile in
// any project: a browser one, a Node one, or `lib: ["ES2022"]` alone. Types
// only: nothing here exists at run time.

/** `readyState`: CONNECTING, OPEN, CLOSING, CLOSED, as on WebSocket. */
export type SockJSReadyState = 0 | 1 | 2 | 3;

/**
 * Names for the `transports` allow-list, as sockjs-client spells them. This
 * client implements all but `xdr-streaming` and `xdr-polling` (Internet
 * Explorer 8-9 only), which are accepted so that old allow-lists still
 * compile, and never used.
 */
export type TransportName =
  | 'websocket'
  | 'xhr-streaming'
  | 'xdr-streaming'
  | 'eventsource'
  | 'iframe-eventsource'
  | 'htmlfile'
  | 'iframe-htmlfile'
  | 'xhr-polling'
  | 'xdr-polling'
  | 'iframe-xhr-polling'
  | 'jsonp-polling';

/** The fields of a DOM Event that SockJS events have (they are Event objects at run time). */
export interface SockJSEvent {
  readonly type: string;
  readonly target: unknown;
  readonly currentTarget: unknown;
  readonly timeStamp: number;
  readonly defaultPrevented: boolean;
  preventDefault(): void;
  stopPropagation(): void;
  stopImmediatePropagation(): void;
}

/** `message`: shaped like a MessageEvent; `data` is always a string. */
export interface SockJSMessageEvent extends SockJSEvent {
  readonly data: string;
}

/** `close`: shaped like a CloseEvent. */
export interface SockJSCloseEvent extends SockJSEvent {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/**
 * `resuming` (the `resume` option): the transport dropped and a new one on
 * the same session starts after `delay` ms; the connection stays OPEN.
 */
export interface SockJSResumingEvent extends SockJSEvent {
  /** 1 for the first attempt after a drop. */
  readonly attempt: number;
  readonly delay: number;
}

/** Event type to event object, for `addEventListener` and the `on*` properties. */
export interface SockJSEventMap {
  open: SockJSEvent;
  message: SockJSMessageEvent;
  close: SockJSCloseEvent;
  /** Before a `close` that was not clean. */
  error: SockJSEvent;
  /** A server heartbeat frame (`h`). */
  heartbeat: SockJSEvent;
  /** The `resume` option: a transport dropped; another one is about to start. */
  resuming: SockJSResumingEvent;
  /** The `resume` option: the first frame came on the new transport; nothing was lost. */
  resumed: SockJSEvent;
}

/** A listener function (called with the socket as `this`) or an object with `handleEvent`. */
export type SockJSListener<This, E> =
  | ((this: This, ev: E) => unknown)
  | { handleEvent(ev: E): unknown };

/** The options `addEventListener` takes; `signal` is an AbortSignal. */
export interface SockJSListenerOptions {
  capture?: boolean;
  once?: boolean;
  passive?: boolean;
  signal?: { readonly aborted: boolean };
}

/** EventTarget with listeners typed by an event map; the classes' base at run time is EventTarget. */
export interface TypedEventTarget<This, EventMap> {
  addEventListener<K extends keyof EventMap>(
    type: K,
    listener: SockJSListener<This, EventMap[K]> | null,
    options?: boolean | SockJSListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: SockJSListener<This, SockJSEvent> | null,
    options?: boolean | SockJSListenerOptions,
  ): void;
  removeEventListener<K extends keyof EventMap>(
    type: K,
    listener: SockJSListener<This, EventMap[K]> | null,
    options?: boolean | { capture?: boolean },
  ): void;
  removeEventListener(
    type: string,
    listener: SockJSListener<This, SockJSEvent> | null,
    options?: boolean | { capture?: boolean },
  ): void;
  dispatchEvent(ev: SockJSEvent): boolean;
}

/** The SockJS object's EventTarget, typed by SockJSEventMap. */
export type SockJSEventTarget<This> = TypedEventTarget<This, SockJSEventMap>;

/** What `new SockJS(url)` takes besides a string: a URL object, or anything whose String() is the URL. */
export interface URLLike {
  readonly href: string;
  toString(): string;
}
