// The any-node seam: what a server needs from a registry shared by several
// processes so that any of them can serve any request of a session
// (`createServer({ cluster })`, e.g. @sockjs-ts/redis's redisSessions()).
//
// The registry does two things and knows nothing of SockJS: it maps session
// ids to the node that created them (the owner), and it carries opaque
// messages from one node to another, in order per pair of nodes. What the
// messages say (forwarded frames, sends and their answers) is the server's
// business, in forwarding.ts.

/** What a cluster registry may call on the server it serves. */
export interface ClusterNode {
  /** A message `from` another node sent to this one. */
  receive(from: string, message: string): void;
  /**
   * Messages to or from this node may have been lost (the registry's
   * connection dropped): every exchange with another node must end.
   */
  reset(): void;
  /** The ids of the addressable sessions this node hosts now, for the registry to keep claimed. */
  sessionIds(): Iterable<string>;
}

/**
 * A registry of session owners and a message channel between nodes. The
 * server calls start() once, when it is created, and close() from its own
 * close(). No method may throw; promises reject when the registry cannot be
 * reached.
 */
export interface SessionCluster {
  /** This node's id, unique among the nodes that share the registry. */
  readonly nodeId: string;
  /** False while the registry cannot be reached: forwarded requests then fail at once (503). */
  readonly available: boolean;
  start(node: ClusterNode): void;
  /**
   * Claims `sessionId` for this node unless another node holds it; resolves
   * to the holder (this node's id when the claim took or was already ours).
   */
  claim(sessionId: string): Promise<string>;
  /** The node that holds `sessionId`, or null when none does. */
  locate(sessionId: string): Promise<string | null>;
  /** This node no longer hosts `sessionId`: its claim goes. */
  release(sessionId: string): void;
  /**
   * Sends `message` to another node, after everything sent to it before;
   * resolves false when that node is not there to get it (it is gone).
   */
  send(nodeId: string, message: string): Promise<boolean>;
  /** Whether each of `nodeIds` is alive. */
  alive(nodeIds: readonly string[]): Promise<boolean[]>;
  close(): Promise<void>;
}
