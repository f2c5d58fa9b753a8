// The deployments of examples/deploy/, run: Redis, three test servers
// (examples/test-server.js --redis) and HAProxy or nginx in front with the
// very config files the docs show (test/helpers/cluster.ts). Through the
// proxy, the official sockjs-client and ours, 30 sessions of each on every
// transport they run in Node:
// - echo;
// - get every /broadcast message published on each node (by a client
//   connected straight to that node), in order per publisher, none twice;
// - Redis killed (SIGKILL) and started again 5 s later during a steady
//   stream: every member still counts every publish;
// - a rolling restart (SIGTERM: the test server's sockjs.close()): that
//   node's sessions close with 1001, new sessions open on the others, the
//   others' sessions miss nothing;
// - a node killed (SIGKILL): its sessions close with a code other than 1000
//   within the heartbeat, the others' sessions miss nothing. One exception,
//   the official client's own: its Node XHR driver never sees a streaming
//   response cut short, so its xhr-streaming sessions there hang (below).
// Which node holds a session is not visible to a client; each node's health
// URL counts its sessions, which tells how many must close.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SockJS as OurSockJS } from '../../packages/client/src/node.ts';
import {
  type Cluster,
  type ClusterNode,
  type ProxyKind,
  sessionsOn,
  startCluster,
} from '../helpers/cluster.ts';
import { HeartbeatClock } from '../helpers/http-client.ts';
import { eventually, sleep, withDeadline } from '../helpers/timing.ts';
import { SockJS as OfficialSockJS } from '../server-interop/sockjs-client.ts';

const TRANSPORTS = ['websocket', 'xhr-streaming', 'eventsource', 'xhr-polling'] as const;
const PER_KIND = 30;
// The test servers' heartbeat_delay: a dead node must be noticed within it.
const HEARTBEAT_MS = 5000;
// One forced transport has nothing to fall back to: a generous attempt timeout.
const ATTEMPT_MS = 15_000;

// "Within the heartbeat" is read on node1's own heartbeat (node1 is never
// stopped): a fault starts right after one of its beats, and what must
// happen within the heartbeat must come before the next. A loaded machine
// stretches both alike, where the wall clock would stretch only one.
// (A session of node1's /echo, which the counts of /health leave out.)
let clock: HeartbeatClock | null = null;

interface CloseInfo {
  code: number;
  reason: string;
  /** Date.now() when it came. */
  at: number;
  /** The clock's heartbeats so far when it came. */
  beat: number;
}

/** The WebSocket-like surface both clients share. */
interface Socket {
  readonly readyState: number;
  onopen: (() => void) | null;
  onmessage: ((event: { data: string }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  send(data: string): void;
  close(): void;
  addEventListener(type: 'heartbeat', listener: () => void): void;
}
type SocketConstructor = new (
  url: string,
  reserved: null,
  options: { transports: string[]; timeout: number },
) => Socket;

const LIBRARIES: [string, SocketConstructor][] = [
  ['sockjs-client', OfficialSockJS as unknown as SocketConstructor],
  ['@sockjs-ts/client', OurSockJS as unknown as SocketConstructor],
];

/** One session that records what it gets: `round|publisher|seq` messages, and its close. */
class Member {
  readonly sock: Socket;
  readonly opened: Promise<void>;
  closed: CloseInfo | null = null;
  /** Sequence numbers per `round|publisher`, in arrival order. */
  private readonly got = new Map<string, number[]>();
  /** The `round|publisher` whose end marker came. */
  readonly ends = new Set<string>();
  /** Anything else that came. */
  readonly other: string[] = [];
  /** Date.now() when the last message came. */
  lastAt = 0;
  /** Heartbeat frames received. */
  heartbeats = 0;

  constructor(
    readonly label: string,
    url: string,
    Socket: SocketConstructor,
    transport: string,
  ) {
    this.sock = new Socket(url, null, { transports: [transport], timeout: ATTEMPT_MS });
    this.opened = new Promise((resolve, reject) => {
      this.sock.onopen = () => resolve();
      this.sock.onclose = (e) => {
        this.closed = { code: e.code, reason: e.reason, at: Date.now(), beat: clock?.beats ?? 0 };
        reject(new Error(`${label}: closed before open: ${e.code} ${e.reason}`));
      };
    });
    this.sock.addEventListener('heartbeat', () => {
      this.heartbeats++;
    });
    this.sock.onmessage = ({ data }) => {
      this.lastAt = Date.now();
      const [round, publisher, seq] = data.split('|');
      if (seq === undefined) {
        this.other.push(data);
      } else if (seq === 'end') {
        this.ends.add(`${round}|${publisher}`);
      } else {
        const key = `${round}|${publisher}`;
        const list = this.got.get(key) ?? [];
        list.push(Number(seq));
        this.got.set(key, list);
      }
    };
  }

  seqs(round: string, publisher: string): readonly number[] {
    return this.got.get(`${round}|${publisher}`) ?? [];
  }

  get open(): boolean {
    return this.closed === null;
  }
}

/** A client connected straight to one node's /broadcast: what it sends is published there. */
interface Publisher {
  readonly name: string;
  readonly node: ClusterNode;
  readonly member: Member;
}

const upTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** Opens `perKind` sessions of each library on each transport at `url`, all at once. */
async function openMembers(url: string, perKind: number, tag = ''): Promise<Member[]> {
  const members: Member[] = [];
  for (const [library, Socket] of LIBRARIES) {
    for (const transport of TRANSPORTS) {
      for (let i = 0; i < perKind; i++) {
        members.push(new Member(`${tag}${library} ${transport} #${i}`, url, Socket, transport));
      }
    }
  }
  await withDeadline(
    Promise.all(members.map((m) => m.opened)),
    30_000,
    `${members.length} sessions open`,
  );
  return members;
}

/**
 * Publishes `round|name|seq` from each open publisher every `everyMs` ms
 * until stop(), which sends each one's end marker and returns how many
 * each sent.
 */
function startStream(round: string, publishers: readonly Publisher[], everyMs: number) {
  const sent = new Map(publishers.map((p) => [p.name, 0]));
  const tick = () => {
    for (const p of publishers) {
      if (p.member.sock.readyState !== 1) continue;
      const seq = sent.get(p.name)! + 1;
      sent.set(p.name, seq);
      p.member.sock.send(`${round}|${p.name}|${seq}`);
    }
  };
  const timer = setInterval(tick, everyMs);
  return {
    sent,
    stop(): Map<string, number> {
      clearInterval(timer);
      for (const p of publishers) {
        if (p.member.sock.readyState === 1) p.member.sock.send(`${round}|${p.name}|end`);
      }
      return sent;
    },
  };
}

/** Waits until every member has the end marker of `round` from every publisher in `from`. */
function untilEnds(
  members: readonly Member[],
  round: string,
  from: readonly Publisher[],
  ms: number,
) {
  const short = () =>
    from
      .map((p) => {
        const missing = members.filter((m) => !m.ends.has(`${round}|${p.name}`));
        const state = p.member.closed ? `closed ${p.member.closed.code}` : 'open';
        const some = missing
          .slice(0, 3)
          .map(
            (m) =>
              `${m.label}, last message ${Date.now() - m.lastAt} ms ago, ${m.heartbeats} heartbeats, ${m.seqs(round, p.name).length} of this round`,
          );
        return `${missing.length} without ${p.name}'s (publisher ${state}; ${some.join('; ')})`;
      })
      .join(', ');
  return eventually(
    () => members.every((m) => from.every((p) => m.ends.has(`${round}|${p.name}`))),
    `every end marker of ${round}`,
    ms,
  ).catch((err: Error) => {
    throw new Error(`${err.message}: ${short()}`);
  });
}

/** Every member has publisher p's messages 1..count of `round`, in order, none twice. */
function assertComplete(members: readonly Member[], round: string, p: Publisher, count: number) {
  const want = upTo(count);
  for (const m of members) {
    const got = m.seqs(round, p.name);
    if (got.length !== count || got.some((s, i) => s !== want[i])) {
      assert.fail(
        `${m.label}: ${round} from ${p.name}: ${got.length} of ${count}, first wrong at ${got.findIndex((s, i) => s !== want[i])}`,
      );
    }
  }
}

/** What a member got from a publisher that died mid-stream: 1..k in order for some k. */
function assertPrefix(members: readonly Member[], round: string, p: Publisher) {
  for (const m of members) {
    const got = m.seqs(round, p.name);
    assert.deepEqual(got, upTo(got.length), `${m.label}: ${round} from ${p.name}`);
  }
}

const sum = (counts: readonly (number | null)[]) =>
  counts.reduce((a: number, b) => a + (b ?? 0), 0);

/** Polls the nodes' health URLs until `ok(counts)` holds; fails after `ms`. */
async function sessionCounts(
  nodes: readonly ClusterNode[],
  ok: (counts: (number | null)[]) => boolean,
  ms = 10_000,
): Promise<(number | null)[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const counts = await Promise.all(nodes.map((node) => sessionsOn(node.port)));
    if (ok(counts)) return counts;
    if (Date.now() > deadline) assert.fail(`sessions per node: ${counts.join(', ')}`);
    await sleep(50);
  }
}

/** Per client and transport: how many closed (codes, slowest in ms after `since`), how many open. */
function summary(members: readonly Member[], since: number): string {
  const kinds = new Map<string, Member[]>();
  for (const m of members) {
    const kind = m.label.replace(/ #.*/, '');
    kinds.set(kind, [...(kinds.get(kind) ?? []), m]);
  }
  return [...kinds]
    .map(([kind, list]) => {
      const closed = list.filter((m) => !m.open);
      const codes = [...new Set(closed.map((m) => m.closed!.code))].join('/');
      const slowest = Math.max(0, ...closed.map((m) => m.closed!.at - since));
      return `${kind}: ${closed.length} closed (${codes || '-'}, ≤ ${slowest} ms), ${list.length - closed.length} open`;
    })
    .join('; ');
}

function closeAll(members: readonly Member[]) {
  for (const m of members) if (m.open) m.sock.close();
}

function scenario(kind: ProxyKind) {
  describe(`${kind} (examples/deploy) in front of three nodes and Redis`, () => {
    let cluster: Cluster;
    let publishers: Publisher[] = [];
    let members: Member[] = [];
    const opened: Member[] = [];

    before(async () => {
      cluster = await startCluster({ proxy: kind, nodes: 3, heartbeatMs: HEARTBEAT_MS });
      clock = new HeartbeatClock(cluster.nodes[0]!.port, '/echo');
      publishers = cluster.nodes.map((node, i) => {
        const name = `node${i + 1}`;
        const member = new Member(
          `publisher on ${name}`,
          `${node.origin}/broadcast`,
          OurSockJS as unknown as SocketConstructor,
          'websocket',
        );
        opened.push(member);
        return { name, node, member };
      });
      await Promise.all(publishers.map((p) => p.member.opened));
      members = await openMembers(`${cluster.url}/broadcast`, PER_KIND);
      opened.push(...members);
    });
    after(async () => {
      closeAll(opened);
      clock?.stop();
      clock = null;
      await cluster?.stop();
    });

    test('echo: 30 sessions of each client on each transport, all at once', async () => {
      const echoers = await openMembers(`${cluster.url}/echo`, PER_KIND);
      try {
        const sent = ['1|echo|1', '1|echo|2', '1|echo|3'];
        for (const m of echoers) for (const s of sent) m.sock.send(s);
        await eventually(
          () => echoers.every((m) => m.seqs('1', 'echo').length === sent.length),
          'every echo',
          20_000,
        );
        for (const m of echoers) assert.deepEqual(m.seqs('1', 'echo'), [1, 2, 3], m.label);
      } finally {
        closeAll(echoers);
      }
    });

    test('every member gets every broadcast of each node, in order, none twice', async () => {
      // Sessions are spread over all three nodes.
      const expected = members.length + publishers.length;
      const counts = await sessionCounts(cluster.nodes, (c) => sum(c) === expected);
      for (const c of counts) assert.ok(c !== null && c > 1, `sessions per node: ${counts}`);

      const COUNT = 50;
      for (const p of publishers) {
        for (const seq of upTo(COUNT)) p.member.sock.send(`burst|${p.name}|${seq}`);
        p.member.sock.send(`burst|${p.name}|end`);
      }
      const everyone = [...members, ...publishers.map((p) => p.member)];
      await untilEnds(everyone, 'burst', publishers, 20_000);
      for (const p of publishers) assertComplete(everyone, 'burst', p, COUNT);
      assert.deepEqual(
        everyone.filter((m) => m.other.length > 0 || !m.open).map((m) => m.label),
        [],
      );
    });

    // The broker is the same whatever the proxy: once is enough.
    if (kind === 'haproxy') {
      test('Redis killed, started again 5 s later, during a steady stream: every member counts every publish', async (t) => {
        const stream = startStream('redis', publishers, 20);
        // Staging the outage, not timing anything: a second of stream
        // before, five seconds without Redis, a second and a half after.
        await sleep(1000);
        await cluster.redis.kill('SIGKILL');
        await sleep(5000);
        await cluster.redis.restart();
        await sleep(1500);
        const sent = stream.stop();
        const everyone = [...members, ...publishers.map((p) => p.member)];
        await untilEnds(everyone, 'redis', publishers, 30_000);
        // The broker's own word on a loss (examples/test-server.js prints it).
        for (const node of cluster.nodes)
          assert.doesNotMatch(node.errors(), /\/broadcast (gap|outbox full)/);
        for (const p of publishers) assertComplete(everyone, 'redis', p, sent.get(p.name)!);
        assert.deepEqual(
          everyone.filter((m) => !m.open).map((m) => m.label),
          [],
        );
        t.diagnostic(
          `${everyone.length} members each counted all ${[...sent.values()].join(' + ')} publishes`,
        );
      });
    }

    test('rolling restart: SIGTERM on node3 closes its sessions with 1001, new sessions open on the others, the others miss nothing', async (t) => {
      const [first, second, leaving] = publishers as [Publisher, Publisher, Publisher];
      const staying = [first, second];
      const before = members.filter((m) => m.open);
      const counts = await sessionCounts(cluster.nodes, (c) => sum(c) === before.length + 3);
      const onLeaving = counts[2]! - 1;
      const beat = await clock!.tick();
      const stream = startStream('restart', publishers, 50);
      await sleep(300);
      const signalled = Date.now();
      const exited = leaving.node.kill('SIGTERM');
      await withDeadline(exited, 10_000, 'node3 exit');
      try {
        await eventually(
          () => before.filter((m) => !m.open).length === onLeaving,
          `${onLeaving} sessions of node3 closed (${before.filter((m) => !m.open).length} did)`,
          4 * HEARTBEAT_MS,
        );
      } finally {
        t.diagnostic(`after SIGTERM, by client and transport: ${summary(before, signalled)}`);
      }
      assert.deepEqual(
        before.filter((m) => !m.open && m.closed!.beat > beat).map((m) => m.label),
        [],
        'closed after the heartbeat',
      );
      // New sessions, as the closed ones' clients would open, through the
      // proxy, at once: HAProxy may not have marked node3 down yet (it
      // retries node3's share elsewhere meanwhile), and its stick table
      // keeps each new session where it began once it does.
      const newcomers = await openMembers(`${cluster.url}/broadcast`, 4, 'new ');
      opened.push(...newcomers);
      const gone = before.filter((m) => !m.open);
      const codes = new Set(gone.map((m) => m.closed!.code));
      assert.deepEqual([...codes], [1001], `close codes: ${[...codes]}`);
      assert.equal(leaving.member.closed?.code, 1001);
      t.diagnostic(
        `${gone.length} sessions closed with 1001, the last ${Math.max(...gone.map((m) => m.closed!.at)) - signalled} ms after SIGTERM`,
      );

      await sleep(300);
      const sent = stream.stop();
      const survivors = before.filter((m) => m.open);
      await untilEnds([...survivors, ...newcomers], 'restart', staying, 20_000);
      for (const p of staying) assertComplete(survivors, 'restart', p, sent.get(p.name)!);
      // What node3 took before it stopped reached everyone, in order.
      assertPrefix(survivors, 'restart', leaving);
      // The newcomers came in mid-stream: an unbroken run up to the end.
      for (const m of newcomers) {
        for (const p of staying) {
          const got = m.seqs('restart', p.name);
          const from = got[0] ?? 1;
          assert.deepEqual(
            got,
            upTo(sent.get(p.name)!).slice(from - 1),
            `${m.label} from ${p.name}`,
          );
        }
      }
      // Everyone now lives on node1 and node2.
      members = [...survivors, ...newcomers];
      assert.deepEqual(
        members.filter((m) => !m.open).map((m) => m.label),
        [],
      );
      await sessionCounts(cluster.nodes.slice(0, 2), (c) => sum(c) === members.length + 2);
    });

    test('SIGKILL on node2: its sessions close with a code other than 1000 within the heartbeat, the others miss nothing', async (t) => {
      const [staying, victim] = publishers as [Publisher, Publisher];
      const before = members.filter((m) => m.open);
      const counts = await sessionCounts(
        cluster.nodes.slice(0, 2),
        (c) => sum(c) === before.length + 2,
      );
      const onVictim = counts[1]! - 1;
      const beat = await clock!.tick();
      const stream = startStream('kill', [staying, victim], 50);
      await sleep(300);
      const killed = Date.now();
      await victim.node.kill('SIGKILL');
      // sockjs-client 1.6.1's XHR driver for Node listens for the response's
      // 'end' and the request's 'error' only: a streaming response cut
      // short (its server died) gives neither, so its xhr-streaming sessions
      // on the dead node wait forever (a browser's XHR reports the error).
      // They are told apart by silence: the stream sends every 50 ms, and a
      // session that heard nothing for 2 s while the staying publisher (a
      // session on node1 itself) heard its own messages is not on a live node.
      const stuck = () =>
        Date.now() - killed > 2000
          ? before.filter((m) => m.open && staying.member.lastAt - m.lastAt > 2000)
          : [];
      const gone = () => before.filter((m) => !m.open);
      try {
        await eventually(
          () => gone().length + stuck().length === onVictim,
          `${onVictim} sessions of node2 closed or stuck`,
          4 * HEARTBEAT_MS,
        );
      } catch (err) {
        const silent = before
          .filter((m) => m.open)
          .map((m) => staying.member.lastAt - m.lastAt)
          .sort((a, b) => b - a);
        throw new Error(
          `${(err as Error).message}: ${gone().length} closed, ${stuck().length} stuck; ` +
            `longest silences of open sessions (ms): ${silent.slice(0, 12).join(' ')}; ` +
            `staying publisher last heard ${Date.now() - staying.member.lastAt} ms ago`,
        );
      } finally {
        t.diagnostic(`after SIGKILL, by client and transport: ${summary(before, killed)}`);
      }
      assert.deepEqual(
        [...new Set(stuck().map((m) => m.label.replace(/ #.*/, '').replace(/^new /, '')))],
        stuck().length > 0 ? ['sockjs-client xhr-streaming'] : [],
      );
      const closed = gone();
      const late = closed.filter((m) => m.closed!.beat > beat);
      assert.deepEqual(
        late.map((m) => m.label),
        [],
      );
      const clean = closed.filter((m) => m.closed!.code === 1000);
      assert.deepEqual(
        clean.map((m) => m.label),
        [],
      );
      assert.notEqual(victim.member.closed?.code, 1000);

      await sleep(300);
      const sent = stream.stop();
      const lost = new Set([...closed, ...stuck()]);
      const survivors = before.filter((m) => !lost.has(m));
      await untilEnds(survivors, 'kill', [staying], 20_000);
      assertComplete(survivors, 'kill', staying, sent.get(staying.name)!);
      assertPrefix(survivors, 'kill', victim);
      assert.deepEqual(
        survivors.filter((m) => !m.open).map((m) => m.label),
        [],
      );
      assert.ok(survivors.length > 0);
    });
  });
}

scenario('haproxy');
scenario('nginx');
