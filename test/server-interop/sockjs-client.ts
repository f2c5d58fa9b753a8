// The official client, sockjs-client 1.6.1, loaded in Node through its
// CommonJS entry, with a small typed view and a probe that turns its events
// into promises.

import { createRequire } from 'node:module';
import { ATTEMPT_TIMEOUT_MS } from '../helpers/scenarios.ts';
import { withDeadline } from '../helpers/timing.ts';

export interface SockJSCloseEvent {
  code: number;
  reason: string;
  wasClean: boolean;
}

/** The part of sockjs-client's SockJS object the tests use. */
export interface SockJSClient {
  readonly readyState: number;
  /** The transport in use once open, e.g. 'xhr-streaming'; null before and after. */
  readonly transport: string | null;
  onopen: (() => void) | null;
  onmessage: ((event: { data: string }) => void) | null;
  onclose: ((event: SockJSCloseEvent) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'heartbeat', listener: () => void): void;
}

type SockJSConstructor = new (
  url: string,
  reserved?: null,
  options?: { transports?: string[]; timeout?: number },
) => SockJSClient;

export const SockJS = createRequire(import.meta.url)('sockjs-client') as SockJSConstructor;

/** A client whose open, messages and close can be awaited. */
export class ClientProbe {
  readonly sock: SockJSClient;
  /** Resolves with the transport name when the client opens. */
  readonly opened: Promise<string>;
  readonly closed: Promise<SockJSCloseEvent>;
  /** How many `h` frames arrived. */
  heartbeats = 0;
  private readonly received: string[] = [];
  private wanted: { count: number; resolve: (messages: string[]) => void } | null = null;

  constructor(url: string, transport?: string) {
    // A generous attempt timeout (sockjs-client's `timeout` option): with one
    // transport forced there is nothing to fall back to on a loaded machine.
    this.sock = new SockJS(
      url,
      null,
      transport ? { transports: [transport], timeout: ATTEMPT_TIMEOUT_MS } : {},
    );
    let onOpen!: (transport: string) => void;
    let onClose!: (event: SockJSCloseEvent) => void;
    this.opened = new Promise((resolve) => {
      onOpen = resolve;
    });
    this.closed = new Promise((resolve) => {
      onClose = resolve;
    });
    this.sock.onopen = () => onOpen(this.sock.transport ?? '(none)');
    this.sock.onmessage = (event) => {
      this.received.push(event.data);
      this.check();
    };
    this.sock.addEventListener('heartbeat', () => {
      this.heartbeats++;
    });
    this.sock.onclose = (event) => {
      onClose({ code: event.code, reason: event.reason, wasClean: event.wasClean });
    };
  }

  /** Opens, or fails with the close event that came instead. */
  open(ms = 5000): Promise<string> {
    const failed = this.closed.then((e) => {
      throw new Error(`closed before open: ${e.code} ${e.reason}`);
    });
    return withDeadline(Promise.race([this.opened, failed]), ms, 'open');
  }

  /** The next `count` messages, in arrival order. */
  messages(count: number, ms = 5000): Promise<string[]> {
    const got = new Promise<string[]>((resolve) => {
      this.wanted = { count, resolve };
      this.check();
    });
    return withDeadline(got, ms, `${count} messages (got ${this.received.length})`);
  }

  private check(): void {
    if (this.wanted && this.received.length >= this.wanted.count) {
      const { count, resolve } = this.wanted;
      this.wanted = null;
      resolve(this.received.splice(0, count));
    }
  }
}
