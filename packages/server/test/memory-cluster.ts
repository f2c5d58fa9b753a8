// An in-memory SessionCluster for the any-node tests that run two servers in
// one process: their clusters share a Registry (who owns which session, the
// nodes), and through it the test holds back what is sent to a node or the
// answers to `alive`, marks nodes gone, or makes the registry unreachable.

import type { ClusterNode, SessionCluster } from '../src/index.js';

export class Registry {
  readonly owners = new Map<string, string>();
  readonly nodes = new Map<string, ClusterNode>();
  /** Nodes that count as dead: they send nothing, and nothing reaches them. */
  readonly gone = new Set<string>();
  /** False: every command fails, as with Redis down. */
  available = true;
  /** Commands asked, for the test to see that the registry was (or was not) used. */
  asked = 0;
  /** Every message sent, as `from>to message`. */
  readonly sent: string[] = [];
  /** Messages to these nodes wait in `held` until released. */
  readonly holding = new Set<string>();
  readonly held: (() => void)[] = [];
  /** While set, questions to `alive` wait here, with the ids asked about, for the test to answer. */
  questions: { ids: readonly string[]; answer: (alive: boolean[]) => void }[] | null = null;

  /** Stops holding, and delivers what was held, in order. */
  release(): void {
    this.holding.clear();
    for (const deliver of this.held.splice(0)) deliver();
  }
}

export class MemoryCluster implements SessionCluster {
  constructor(
    readonly nodeId: string,
    private readonly registry: Registry,
  ) {}

  get available(): boolean {
    return this.registry.available;
  }

  start(node: ClusterNode): void {
    this.registry.nodes.set(this.nodeId, node);
  }

  async claim(sessionId: string): Promise<string> {
    this.check();
    const holder = this.registry.owners.get(sessionId);
    if (holder !== undefined) return holder;
    this.registry.owners.set(sessionId, this.nodeId);
    return this.nodeId;
  }

  async locate(sessionId: string): Promise<string | null> {
    this.check();
    return this.registry.owners.get(sessionId) ?? null;
  }

  release(sessionId: string): void {
    if (this.registry.owners.get(sessionId) === this.nodeId) this.registry.owners.delete(sessionId);
  }

  async send(nodeId: string, message: string): Promise<boolean> {
    this.check();
    const registry = this.registry;
    const node = registry.nodes.get(nodeId);
    // A gone node sends nothing any more.
    if (registry.gone.has(this.nodeId)) return true;
    if (node === undefined || registry.gone.has(nodeId)) return false;
    registry.sent.push(`${this.nodeId}>${nodeId} ${message}`);
    // In order, after the sender's current task, as a real channel would.
    const deliver = () => queueMicrotask(() => node.receive(this.nodeId, message));
    if (registry.holding.has(nodeId)) registry.held.push(deliver);
    else deliver();
    return true;
  }

  async alive(nodeIds: readonly string[]): Promise<boolean[]> {
    this.check();
    const questions = this.registry.questions;
    if (questions !== null)
      return new Promise((answer) => questions.push({ ids: nodeIds, answer }));
    return nodeIds.map((id) => this.registry.nodes.has(id) && !this.registry.gone.has(id));
  }

  async close(): Promise<void> {
    this.registry.nodes.delete(this.nodeId);
  }

  private check(): void {
    this.registry.asked++;
    if (!this.registry.available) throw new Error('registry unreachable');
  }
}
