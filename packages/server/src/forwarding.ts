// Any-node mode: a request for a session that another node created (its
// owner) is served by forwarding, over the cluster registry's messages
// (cluster.ts).
//
// A receiving request (poll, stream) on a node that is not the owner gets a
// real local receiver of its transport, linked to the owner: the owner
// attaches a ForwardingReceiver to the session, whose frames (open,
// heartbeat, messages, close, end, abort) travel to this node and drive the
// local receiver, and the local receiver's detach and readiness travel back.
// The session's state machine stays in one place, so 2010 for a second
// receiver, the close frame of a closed session and response_limit behave
// as on one node; so does the resume extension (docs/resume.md): a
// reattach's ack and a numbered batch's counters travel as they came, and
// the owner's session numbers, frees and replays. A websocket reattach is
// the one websocket forwarded (RemoteWebSocketReceiver): its socket stands
// in as a receiver, and its batches go as sends.
//
// Each frame that may end the local receiver (open, messages) is
// acknowledged before the next goes: the owner's receiver is not ready
// until then, so messages that arrive meanwhile wait in the session's queue
// and nothing is sent into a response that already ended (response_limit, a
// poll answered). Order holds per session because messages between two
// nodes keep their order, and a send is answered only once its owner took
// its messages.
//
// Messages are JSON arrays whose first element says what they are (those
// posted to one node in one turn of the event loop go as one registry
// message, an array of them: for 20 sessions, one publish, not 20):
//   to the owner:  ['a', prefix, session, link, protocol]  attach a receiver
//                  ['a', ..., protocol, ack]               reattach it (resume=<ack>)
//                  ['k', link]                             ready for the next frame
//                  ['d', link, aborted]                    the receiver went away
//                                                          (2: a websocket its client closed)
//                  ['q', link]                             the receiver is still there
//                  ['s', prefix, session, send, messages]  deliver a send
//                  ['s', ..., messages, seq, ack]          a numbered one ([seq, ack, ...])
//                  ['s', ..., seq, ack, 1]                 one from a websocket (acked alone)
//   from it:       ['o'|'h'|'e'|'x', link]                 open, heartbeat, end, abort
//                  ['m', link, messages]                   a message frame
//                  ['m', link, messages, seq, ack]         a numbered one (a[seq,ack,...])
//                  ['c', link, code, reason]               the close frame
//                  ['O'|'H'|'M'|'C', ...]                  the same frames as a polling
//                                                          receiver's one and last: no 'd'
//                                                          comes back unless it was lost
//                  ['g', link]                             no such session here
//                  ['p', link]                             is the receiver still there?
//                  ['r', send, status]                     the send's answer (204, 404, 413)

import { CloseCode, CloseReason, closeFrame, type NumberedBatch } from '@sockjs-ts/protocol';
import type { ClusterNode, SessionCluster } from './cluster.js';
import type { LogFunction } from './options.js';
import { Receiver, type SessionLink } from './receivers/receiver.js';
import { refuseResume } from './resume.js';
import type { Session } from './session.js';

/** The close a client sees when its session's owner cannot be reached any more. */
export const OWNER_LOST_CODE = 1011;
export const OWNER_LOST_REASON = 'Session owner unreachable';
const OWNER_LOST_FRAME = closeFrame(OWNER_LOST_CODE, OWNER_LOST_REASON);

/** What a session request can be attached to: a session here, or one forwarded to its owner. */
export interface AttachTarget {
  attach(receiver: Receiver): void;
}

/**
 * The answers of a send, as HTTP statuses: delivered, no such session, a
 * message too big, not forwarded (the registry is down: it had no effect,
 * a balancer may retry it elsewhere), or no word from the owner in time
 * (it may have been delivered: not to be retried).
 */
export type SendStatus = 204 | 404 | 413 | 503 | 504;

/** What forwarding needs from an endpoint. */
export interface ForwardingEndpoint {
  readonly options: { readonly prefix: string };
  getSession(id: string): Session | undefined;
  /** Hands the messages of a send to a session here (as a local xhr_send would). */
  deliver(
    session: Session | undefined,
    messages: string[],
    numbered?: NumberedBatch,
    bySocket?: boolean,
  ): SendStatus;
  /** The ids of the addressable sessions it hosts. */
  sessionIds(): Iterable<string>;
}

/** Where the session of a request lives, as far as routing is concerned. */
export type Placement =
  /** This node holds the id (it just claimed it, for a receiving request): serve it here. */
  | { readonly kind: 'here' }
  /** No node holds it (a send): the single-node answer. */
  | { readonly kind: 'unknown' }
  /** Another node owns it: forward. */
  | { readonly kind: 'remote'; readonly session: RemoteSession }
  /** The registry cannot be reached: 503 at once. */
  | { readonly kind: 'unavailable' };

const UNKNOWN: Placement = { kind: 'unknown' };
// Session owners remembered for sends (see Forwarder.owners).
const OWNER_MEMORY = 10_000;
const HERE: Placement = { kind: 'here' };
const UNAVAILABLE: Placement = { kind: 'unavailable' };

type Message = [string, ...unknown[]];

/** A session owned by another node, as the requests of this one see it. */
export class RemoteSession implements AttachTarget {
  readonly id: string;
  readonly owner: string;
  /** The owner came from this node's memory of earlier requests, not from the registry. */
  readonly remembered: boolean;
  private readonly forwarder: Forwarder;
  private readonly prefix: string;

  constructor(
    forwarder: Forwarder,
    prefix: string,
    id: string,
    owner: string,
    remembered: boolean,
  ) {
    this.forwarder = forwarder;
    this.prefix = prefix;
    this.id = id;
    this.owner = owner;
    this.remembered = remembered;
  }

  attach(receiver: Receiver): void {
    this.forwarder.attachRemote(this.owner, this.prefix, this.id, receiver);
  }

  /** A receiving request with `resume=<ack>`, attached at the owner as a reattach. */
  reattaching(ack: number): AttachTarget {
    return {
      attach: (receiver) =>
        this.forwarder.attachRemote(this.owner, this.prefix, this.id, receiver, ack),
    };
  }

  /**
   * Delivers a send's messages at the owner (a resumable session's numbered
   * batch as `numbered`); resolves once it answered.
   */
  async send(messages: string[], numbered?: NumberedBatch, bySocket = false): Promise<SendStatus> {
    const f = this.forwarder;
    const status = await f.sendRemote(
      this.owner,
      this.prefix,
      this.id,
      messages,
      numbered,
      bySocket,
    );
    if (status !== 404 || !this.remembered) return status;
    // A remembered owner that no longer has the session: the registry may
    // know a newer one (the id reused since).
    f.forgetOwner(this.id);
    const holder = await f.locateFresh(this.id);
    if (holder === null || holder === this.owner || holder === f.nodeId) return 404;
    return f.sendRemote(holder, this.prefix, this.id, messages, numbered, bySocket);
  }
}

// What the owner sends a polling receiver as its last frame, and the frame it is.
const LAST_FRAME_KINDS = new Map([
  ['O', 'o'],
  ['H', 'h'],
  ['M', 'm'],
  ['C', 'c'],
]);

/** A local receiver whose session lives on another node. */
class RemoteLink implements SessionLink {
  readonly id: number;
  readonly owner: string;
  readonly sessionId: string;
  readonly receiver: Receiver;
  /** When the owner was last heard from about this link. */
  heardAt: number;
  /** A frame waits for its acknowledgement until the receiver drains. */
  private awaitingAck = false;
  /** The owner ended the link (or is gone): nothing goes back. */
  private ownerDone = false;
  private readonly forwarder: Forwarder;

  constructor(
    forwarder: Forwarder,
    id: number,
    owner: string,
    sessionId: string,
    receiver: Receiver,
  ) {
    this.forwarder = forwarder;
    this.id = id;
    this.owner = owner;
    this.sessionId = sessionId;
    this.receiver = receiver;
    this.heardAt = Date.now();
  }

  detach(receiver: Receiver, aborted: boolean): void {
    this.forwarder.dropLink(this);
    if (this.ownerDone) return;
    // A websocket its client closed with a close frame ends its session.
    const how = aborted ? ((receiver as { closedByPeer?: boolean }).closedByPeer ? 2 : 1) : 0;
    this.forwarder.post(this.owner, ['d', this.id, how]);
  }

  flush(): void {
    if (!this.awaitingAck) return;
    this.awaitingAck = false;
    this.forwarder.post(this.owner, ['k', this.id]);
  }

  /** One frame from the owner. */
  deliver(message: Message): void {
    this.heardAt = Date.now();
    const r = this.receiver;
    let kind = message[0];
    const last = LAST_FRAME_KINDS.get(kind);
    if (last !== undefined) {
      // The owner ended its side with this frame, as the receiver (a poll)
      // ends with it here: nothing goes back.
      kind = last;
      this.ownerDone = true;
      this.forwarder.dropLink(this);
    }
    this.deliverFrame(kind, message, r);
    if (last !== undefined && !r.ended) r.end();
  }

  private deliverFrame(kind: string, message: Message, r: Receiver): void {
    switch (kind) {
      case 'o':
        r.open();
        this.acknowledge();
        return;
      case 'h':
        if (!r.ended) r.heartbeat();
        return;
      case 'm':
        if (message.length > 3) {
          r.numbered(message[3] as number, message[4] as number, message[2] as string[]);
        } else {
          r.messages(message[2] as string[]);
        }
        this.acknowledge();
        return;
      case 'c': {
        const code = message[2] as number;
        const reason = message[3] as string;
        if (!r.ended) r.close(code, reason, closeFrame(code, reason));
        return;
      }
      case 'e':
        this.ownerDone = true;
        this.forwarder.dropLink(this);
        r.end();
        return;
      case 'x':
        r.abort();
        return;
      case 'p':
        // Vouched for only once this node has read what its sockets have
        // pending: a client that just went (its FIN not read yet) may be why
        // its next request, sent at once to another node, finds this one
        // attached. A drop read meanwhile reaches the owner first.
        setTimeout(() => this.forwarder.post(this.owner, ['q', this.id]), PRESENCE_GRACE_MS);
        return;
      case 'g':
        this.forwarder.forgetOwner(this.sessionId);
        this.lose();
        return;
    }
  }

  /** The owner cannot serve this link any more: the client gets a close it sees. */
  lose(): void {
    this.ownerDone = true;
    this.forwarder.dropLink(this);
    const r = this.receiver;
    if (!r.ended) r.close(OWNER_LOST_CODE, OWNER_LOST_REASON, OWNER_LOST_FRAME);
    r.end();
  }

  /** Graceful shutdown of this node: the client's next request goes elsewhere. */
  end(): void {
    this.receiver.end();
  }

  private acknowledge(): void {
    const r = this.receiver;
    if (r.ended) return;
    if (r.ready) this.forwarder.post(this.owner, ['k', this.id]);
    else this.awaitingAck = true;
  }
}

// How long the owner remembers a polling receiver it ended with its frame,
// at least: the receiving node's word that the frame was lost comes within a
// round trip, or within the registry's bound on a message (5-6 s on Redis).
const FINAL_FRAME_MEMORY_MS = 6000;
// The transports whose receivers take one frame (polling).
const ONE_FRAME_PROTOCOLS = new Set(['xhr-polling', 'jsonp-polling']);

// How long a node waits before it vouches for a receiver: enough for a
// client's FIN that is already on its way to be read and the response to
// close (node:http takes a few turns of the event loop from the FIN to its
// 'close'), and short beside the round trips of a forward.
const PRESENCE_GRACE_MS = 20;

/** The owner's stand-in for a receiver on another node. */
class ForwardingReceiver extends Receiver {
  readonly protocol: string;
  readonly node: string;
  readonly link: number;
  private readonly forwarder: Forwarder;
  /**
   * The plain SockJS session of a polling receiver, which ends with the one
   * frame it is sent: the owner ends it then, without waiting for the
   * receiving node to say so ('d'), and closes the session as an abort
   * would if that frame turns out lost (finalFrameLost). Null for other
   * receivers, and for resumable sessions, which outlive a lost frame.
   */
  private readonly oneFrameOf: Session | null;
  /** What waits for the receiving node to say whether its receiver is still there. */
  private presenceWaiters: (() => void)[] = [];

  /** What a message to the receiving node that cannot arrive does (one closure, not one per frame). */
  private readonly undeliverable = (): void => this.detached(true);

  constructor(
    forwarder: Forwarder,
    node: string,
    link: number,
    protocol: string,
    session: Session | undefined,
  ) {
    super();
    this.forwarder = forwarder;
    this.node = node;
    this.link = link;
    this.protocol = protocol;
    this.oneFrameOf =
      session !== undefined && session.resume === null && ONE_FRAME_PROTOCOLS.has(protocol)
        ? session
        : null;
  }

  // Every frame kind travels as itself; the receiving node formats it.
  protected sendFrame(_frame: string): void {}

  override open(): void {
    if (this.oneFrameOf !== null) {
      this.sendLast(['O', this.link]);
      return;
    }
    this.ready = false;
    this.post(['o', this.link]);
  }

  override heartbeat(): void {
    if (this.oneFrameOf !== null) this.sendLast(['H', this.link]);
    else this.post(['h', this.link]);
  }

  override messages(batch: string[]): void {
    if (this.oneFrameOf !== null) {
      this.sendLast(['M', this.link, batch]);
      return;
    }
    this.ready = false;
    this.post(['m', this.link, batch]);
  }

  override numbered(seq: number, ack: number, batch: string[]): void {
    this.ready = false;
    this.post(['m', this.link, batch, seq, ack]);
  }

  override close(code: number, reason: string, _frame: string): void {
    if (this.oneFrameOf !== null) this.sendLast(['C', this.link, code, reason]);
    else this.post(['c', this.link, code, reason]);
  }

  /** The frame that lost its way: the session ends as when a poll's client went away. */
  readonly finalFrameLost = (): void => {
    this.oneFrameOf?.close(CloseCode.ProtocolError, CloseReason.Interrupted);
  };

  /** Sends a polling receiver's one frame, and ends the receiver as the receiving node will. */
  private sendLast(message: Message): void {
    if (this.ended) return;
    // The frame of a session this receiver served; not a 2010, nor the close
    // frame of a session that had ended.
    const served = this.session !== null;
    this.forwarder.post(this.node, message, served ? this.finalFrameLost : undefined);
    this.ended = true;
    this.forwarder.dropForward(this);
    if (served) this.forwarder.endedWithFrame(this);
    this.finished();
    this.present();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.forwarder.dropForward(this);
    this.post(['e', this.link]);
    this.finished();
    this.present();
  }

  abort(): void {
    this.post(['x', this.link]);
  }

  override confirmPresence(then: () => void): void {
    if (this.ended) {
      then();
      return;
    }
    this.presenceWaiters.push(then);
    if (this.presenceWaiters.length === 1) this.post(['p', this.link]);
  }

  /** The receiving node answered that its receiver is still there. */
  present(): void {
    const waiters = this.presenceWaiters;
    this.presenceWaiters = [];
    for (const then of waiters) then();
  }

  /** The receiving node took the last frame and can take the next. */
  acknowledged(): void {
    if (this.ended) return;
    this.ready = true;
    this.session?.flush();
  }

  /** The receiving node's receiver went away, or that node did. */
  detached(aborted: boolean, goodbye = false): void {
    if (this.ended) return;
    // A resumable session outlives a lost transport, not its client's close.
    if (goodbye)
      (this.session as Session | null)?.close(CloseCode.ProtocolError, CloseReason.Interrupted);
    if (this.ended) return;
    this.forwarder.dropForward(this);
    if (aborted) {
      this.lost();
    } else {
      this.ended = true;
      this.finished();
    }
    this.present();
  }

  private post(message: Message): void {
    this.forwarder.post(this.node, message, this.undeliverable);
  }
}

/** What runs when a posted message cannot arrive: unreachable when the registry failed, not when the node is gone. */
type Lost = (unreachable: boolean) => void;

/** Messages posted to one node in this turn of the event loop. */
interface Outgoing {
  readonly messages: Message[];
  readonly lost: Lost[];
}

interface PendingSend {
  readonly owner: string;
  readonly settle: (status: SendStatus) => void;
}

/**
 * The server's side of any-node mode: places requests, serves the links and
 * sends of this node's requests whose sessions live elsewhere, and the
 * forwarded receivers and sends of other nodes on sessions here.
 */
export class Forwarder implements ClusterNode {
  readonly cluster: SessionCluster;
  private readonly endpoints = new Map<string, ForwardingEndpoint>();
  /** How long a forward may wait for its owner: a heartbeat. */
  private readonly heartbeatDelay: number;
  /** How long a registry look-up may take before the request gets 503. */
  private readonly lookupTimeout: number;
  private lastId = 0;
  /** Receivers here whose sessions live on another node, by link id. */
  private readonly links = new Map<number, RemoteLink>();
  /** Sends from here waiting for their owner's answer, by send id. */
  private readonly sends = new Map<number, PendingSend>();
  /** Receivers of other nodes attached to sessions here, by node and link. */
  private readonly forwards = new Map<string, ForwardingReceiver>();
  /**
   * Polling receivers of other nodes that ended with the frame they were
   * sent, by node and link: a 'd' for one means that frame was lost. Kept
   * for FINAL_FRAME_MEMORY_MS to twice that (two generations).
   */
  private endedNow = new Map<string, ForwardingReceiver>();
  private endedBefore = new Map<string, ForwardingReceiver>();
  private endedSince = Date.now();
  /**
   * The owners of sessions this node forwarded to lately, so that a send
   * needs no registry look-up: oldest first, at most OWNER_MEMORY.
   */
  private readonly owners = new Map<string, string>();
  /** What this turn of the event loop posted, by node, sent together once it ends. */
  private readonly outbox = new Map<string, Outgoing>();
  private readonly sweepTimer: NodeJS.Timeout;
  private sweeping = false;
  private readonly log: LogFunction;

  constructor(cluster: SessionCluster, heartbeatDelay: number, log: LogFunction) {
    this.cluster = cluster;
    this.heartbeatDelay = heartbeatDelay;
    this.lookupTimeout = Math.min(heartbeatDelay, 5000);
    this.log = log;
    // Owners that fell silent are checked four times a heartbeat, so a dead
    // one is noticed well within it.
    this.sweepTimer = setInterval(() => this.sweep(), Math.max(50, heartbeatDelay / 4));
    this.sweepTimer.unref();
    cluster.start(this);
  }

  get nodeId(): string {
    return this.cluster.nodeId;
  }

  register(endpoint: ForwardingEndpoint): void {
    this.endpoints.set(endpoint.options.prefix, endpoint);
  }

  /**
   * Where the session of a request that this node does not host lives. A
   * receiving request claims the id when no node holds it, so that the
   * session it opens is unique in the cluster.
   */
  async place(endpoint: ForwardingEndpoint, id: string, opens: boolean): Promise<Placement> {
    if (!this.cluster.available) return UNAVAILABLE;
    const prefix = endpoint.options.prefix;
    const remembered = opens ? undefined : this.owners.get(id);
    if (remembered !== undefined) {
      return { kind: 'remote', session: new RemoteSession(this, prefix, id, remembered, true) };
    }
    let holder: string | null;
    try {
      holder = await this.bounded(opens ? this.cluster.claim(id) : this.cluster.locate(id));
    } catch (err) {
      this.log('info', `any-node: registry look-up of session ${id} failed: ${String(err)}`);
      return UNAVAILABLE;
    }
    if (holder === null) return UNKNOWN;
    if (holder === this.nodeId) return opens ? HERE : UNKNOWN;
    this.rememberOwner(id, holder);
    return { kind: 'remote', session: new RemoteSession(this, prefix, id, holder, false) };
  }

  /** The registry's owner of `id`, asked now; null when none or unreachable. */
  async locateFresh(id: string): Promise<string | null> {
    try {
      const holder = await this.bounded(this.cluster.locate(id));
      if (holder !== null && holder !== this.nodeId) this.rememberOwner(id, holder);
      return holder;
    } catch {
      return null;
    }
  }

  /** @internal */
  forgetOwner(id: string): void {
    this.owners.delete(id);
  }

  private rememberOwner(id: string, owner: string): void {
    this.owners.delete(id);
    this.owners.set(id, owner);
    if (this.owners.size > OWNER_MEMORY) {
      this.owners.delete(this.owners.keys().next().value as string);
    }
  }

  /** A node is gone: none of its sessions is forwarded to any more. */
  private forgetNode(node: string): void {
    for (const [id, owner] of this.owners) if (owner === node) this.owners.delete(id);
  }

  /** A session here ended, or a claim went unused. */
  released(id: string): void {
    this.cluster.release(id);
  }

  // Receiving side

  /** @internal */
  attachRemote(owner: string, prefix: string, id: string, receiver: Receiver, ack?: number): void {
    const link = new RemoteLink(this, ++this.lastId, owner, id, receiver);
    receiver.session = link;
    this.links.set(link.id, link);
    const message: Message = ['a', prefix, id, link.id, receiver.protocol];
    if (ack !== undefined) message.push(ack);
    this.post(owner, message, () => link.lose());
  }

  /** @internal */
  sendRemote(
    owner: string,
    prefix: string,
    id: string,
    messages: string[],
    numbered?: NumberedBatch,
    bySocket = false,
  ): Promise<SendStatus> {
    return new Promise((resolve) => {
      const sendId = ++this.lastId;
      const timer = setTimeout(() => {
        this.log(
          'info',
          `any-node: no answer from node ${owner} to a send in ${this.heartbeatDelay} ms (504)`,
        );
        settle(504);
      }, this.heartbeatDelay);
      const settle = (status: SendStatus) => {
        if (!this.sends.delete(sendId)) return;
        clearTimeout(timer);
        resolve(status);
      };
      this.sends.set(sendId, { owner, settle });
      const message: Message =
        numbered === undefined
          ? ['s', prefix, id, sendId, messages]
          : ['s', prefix, id, sendId, numbered.messages, numbered.seq, numbered.ack];
      if (bySocket) message.push(1);
      this.post(owner, message, (unreachable) => settle(unreachable ? 504 : 404));
    });
  }

  /** @internal */
  dropLink(link: RemoteLink): void {
    this.links.delete(link.id);
  }

  // Owner side

  /** @internal */
  dropForward(receiver: ForwardingReceiver): void {
    this.forwards.delete(forwardKey(receiver.node, receiver.link));
  }

  /** @internal A polling receiver ended with the frame just posted: remembered in case it was lost. */
  endedWithFrame(receiver: ForwardingReceiver): void {
    this.endedNow.set(forwardKey(receiver.node, receiver.link), receiver);
  }

  /**
   * Sends a message to another node, after everything posted to it before,
   * once this turn of the event loop ends (sendOutbox). `lost` runs when it
   * cannot arrive: with true when the registry failed, false when the node
   * is gone.
   */
  post(node: string, message: Message, lost?: Lost): void {
    let outgoing = this.outbox.get(node);
    if (outgoing === undefined) {
      if (this.outbox.size === 0) setImmediate(this.sendOutbox);
      outgoing = { messages: [], lost: [] };
      this.outbox.set(node, outgoing);
    }
    outgoing.messages.push(message);
    if (lost !== undefined) outgoing.lost.push(lost);
  }

  /**
   * Sends what this turn of the event loop posted: one registry message per
   * node, a JSON array of the messages when there are several.
   */
  private readonly sendOutbox = (): void => {
    for (const [node, { messages, lost }] of this.outbox) {
      const text = JSON.stringify(messages.length === 1 ? messages[0] : messages);
      this.cluster.send(node, text).then(
        (delivered) => {
          if (delivered) return;
          this.log(
            'info',
            `any-node: node ${node} has no subscriber; ${messages.length} messages not delivered`,
          );
          this.forgetNode(node);
          for (const then of lost) then(false);
        },
        (err: unknown) => {
          this.log(
            'info',
            `any-node: ${messages.length} messages to node ${node} failed: ${String(err)}`,
          );
          for (const then of lost) then(true);
        },
      );
    }
    this.outbox.clear();
  };

  // ClusterNode

  receive(from: string, text: string): void {
    let parsed: Message | Message[];
    try {
      parsed = JSON.parse(text) as Message | Message[];
    } catch {
      this.log('error', `any-node: unreadable message from ${from}`);
      return;
    }
    if (!Array.isArray(parsed[0])) {
      this.receiveOne(from, parsed as Message);
      return;
    }
    for (const message of parsed as Message[]) this.receiveOne(from, message);
  }

  private receiveOne(from: string, message: Message): void {
    switch (message[0]) {
      case 'a':
        this.attachHere(from, message);
        return;
      case 's':
        this.deliverHere(from, message);
        return;
      case 'k':
        this.forwards.get(forwardKey(from, message[1] as number))?.acknowledged();
        return;
      case 'd': {
        const key = forwardKey(from, message[1] as number);
        const receiver = this.forwards.get(key);
        if (receiver !== undefined) {
          receiver.detached(message[2] !== 0, message[2] === 2);
        } else {
          // A polling receiver the owner ended with its frame: that frame
          // did not reach the client after all.
          const ended = this.endedNow.get(key) ?? this.endedBefore.get(key);
          this.endedNow.delete(key);
          this.endedBefore.delete(key);
          ended?.finalFrameLost();
        }
        return;
      }
      case 'q':
        this.forwards.get(forwardKey(from, message[1] as number))?.present();
        return;
      case 'r':
        this.sends.get(message[1] as number)?.settle(message[2] as SendStatus);
        return;
      default: {
        const linkId = message[1] as number;
        const link = this.links.get(linkId);
        if (link !== undefined && link.owner === from) {
          link.deliver(message);
        } else if ('omhpOMHC'.includes(message[0])) {
          // A frame for a receiver that went away meanwhile: the owner must
          // not wait for it (its detach may still be on its way, or lost).
          this.post(from, ['d', linkId, 1]);
        }
      }
    }
  }

  reset(): void {
    this.log(
      'info',
      `any-node: the registry connection dropped; ended ${this.links.size} links, ${this.sends.size} sends and ${this.forwards.size} forwarded receivers`,
    );
    for (const link of [...this.links.values()]) link.lose();
    for (const send of [...this.sends.values()]) send.settle(504);
    for (const receiver of [...this.forwards.values()]) {
      // Frames may have been lost both ways: the session ends, and its
      // receiving node is told, if the message still gets there.
      this.post(receiver.node, [
        'c',
        receiver.link,
        CloseCode.ProtocolError,
        CloseReason.Interrupted,
      ]);
      this.post(receiver.node, ['e', receiver.link]);
      receiver.detached(true);
    }
  }

  *sessionIds(): Iterable<string> {
    for (const endpoint of this.endpoints.values()) yield* endpoint.sessionIds();
  }

  /** Ends the links of an endpoint that shuts down: their sessions go on at their owners. */
  shutdown(endpoint: ForwardingEndpoint): void {
    this.endpoints.delete(endpoint.options.prefix);
    for (const link of [...this.links.values()]) link.end();
  }

  async close(): Promise<void> {
    clearInterval(this.sweepTimer);
    for (const link of [...this.links.values()]) link.end();
    for (const send of [...this.sends.values()]) send.settle(504);
    this.sendOutbox();
    await this.cluster.close();
  }

  private attachHere(from: string, message: Message): void {
    const [, prefix, id, linkId, protocol, ack] = message as [
      string,
      string,
      string,
      number,
      string,
      number | undefined,
    ];
    const session = this.endpoints.get(prefix)?.getSession(id);
    if (session === undefined && ack === undefined) {
      this.post(from, ['g', linkId]);
      return;
    }
    const receiver = new ForwardingReceiver(this, from, linkId, protocol, session);
    if (session === undefined) {
      // A reattach to a session gone from here: 2012, as on one node.
      refuseResume(receiver);
      return;
    }
    this.forwards.set(forwardKey(from, linkId), receiver);
    if (ack === undefined) session.attach(receiver);
    else session.resumeAttach(receiver, ack);
  }

  private deliverHere(from: string, message: Message): void {
    const [, prefix, id, sendId, messages, seq, ack, bySocket] = message as [
      string,
      string,
      string,
      number,
      string[],
      number | undefined,
      number,
      number | undefined,
    ];
    const endpoint = this.endpoints.get(prefix);
    const numbered = seq === undefined ? undefined : { seq, ack, messages };
    const status =
      endpoint === undefined
        ? 404
        : endpoint.deliver(endpoint.getSession(id), messages, numbered, bySocket === 1);
    this.post(from, ['r', sendId, status]);
  }

  /** Ends the links and sends whose owners went away without a word. */
  private sweep(): void {
    const now = Date.now();
    if (now - this.endedSince >= FINAL_FRAME_MEMORY_MS) {
      this.endedBefore = this.endedNow;
      this.endedNow = new Map();
      this.endedSince = now;
    }
    if (this.sweeping || (this.links.size === 0 && this.sends.size === 0)) return;
    const quietSince = now - this.heartbeatDelay / 4;
    const owners = new Set<string>();
    for (const link of this.links.values()) if (link.heardAt <= quietSince) owners.add(link.owner);
    for (const send of this.sends.values()) owners.add(send.owner);
    if (owners.size === 0) return;
    const asked = [...owners];
    // The answer speaks of the links and sends that exist now: those made
    // while it is on its way found their owner afterwards, so it does not
    // end them.
    const upTo = this.lastId;
    this.sweeping = true;
    this.bounded(this.cluster.alive(asked))
      .then(
        (alive) => {
          const dead = new Set(asked.filter((_, i) => !alive[i]));
          if (dead.size === 0) return;
          this.log('info', `any-node: node(s) gone: ${[...dead].join(', ')}`);
          for (const node of dead) this.forgetNode(node);
          for (const [id, link] of [...this.links]) {
            if (id <= upTo && dead.has(link.owner)) link.lose();
          }
          for (const [id, send] of [...this.sends]) {
            if (id <= upTo && dead.has(send.owner)) send.settle(404);
          }
        },
        () => {},
      )
      .finally(() => {
        this.sweeping = false;
      });
  }

  /** The registry's answer, or a rejection once it took longer than a look-up may. */
  private bounded<T>(promise: Promise<T>): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('cluster registry timed out')),
        this.lookupTimeout,
      );
      promise.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  }
}

function forwardKey(node: string, link: number): string {
  return `${node} ${link}`;
}
