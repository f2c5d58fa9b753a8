// Sharding by host name, with nothing in front: three nodes on 127.0.0.1,
// each answering /info with a base_url that names one of the three (round
// robin, each node counting for itself). sockjs-client 1.6.1 and ours fetch
// /info from any node and open the session on the node it named: every node
// gets sessions, all of a session's requests reach that one node, and a
// channel published on any node reaches every member, through Redis.
//
// The page origin the clients claim (ours send it as Origin; sockjs-client
// in Node sends none) is the one origin every node allows: the session's
// requests go to another host than /info's, so each node must allow the
// page, not its peers.

import assert from 'node:assert/strict';
import http from 'node:http';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'redis';
import { SockJS as OurSockJS, type SockJSOptions } from '../../packages/client/src/node.ts';
import { redisBroker } from '../../packages/redis/src/index.ts';
import { createServer, type SockJSServer } from '../../packages/server/src/index.ts';
import { listen, stopHttp, trackSockets } from '../helpers/http-server.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { ATTEMPT_TIMEOUT_MS } from '../helpers/scenarios.ts';
import { Wakeup } from '../helpers/timing.ts';

const PREFIX = '/chat';
const PAGE = 'http://app.test';
const NODE_COUNT = 3;
const CLIENTS = ['sockjs-client', 'ours'] as const;
const TRANSPORTS = ['websocket', 'xhr-streaming', 'xhr-polling'] as const;
// Per client and transport: 90 sessions of each client.
const GROUP_SIZE = 30;
const SESSION_PATH = new RegExp(`^${PREFIX}/[^/]+/([^/]+)/([a-z_]+)$`);

type ClientName = (typeof CLIENTS)[number];
type Transport = (typeof TRANSPORTS)[number];

/** What both clients have of the WebSocket interface, as far as the test goes. */
interface Sock {
  readonly transport: string | null;
  onmessage: ((ev: { data: string }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  send(data: string): void;
  close(): void;
}

const SockJSClient = createRequire(import.meta.url)('sockjs-client') as new (
  url: string,
  reserved: null,
  options: { transports: string[]; timeout: number },
) => Sock;

interface Node {
  readonly index: number;
  readonly http: http.Server;
  readonly url: string;
  readonly sockjs: SockJSServer;
  /** The node's own Redis connection (the broker duplicates it for reading). */
  readonly redis: { close(): Promise<unknown> };
  /** /info requests this node answered. */
  infos: number;
  /** How many of its /info answers named each node. */
  readonly picked: number[];
  /** Session id -> the transport segments of its requests here, in order. */
  readonly sessions: Map<string, string[]>;
}

/** One client's session, which reports the node it landed on first. */
class Member {
  readonly sock: Sock;
  readonly messages: string[] = [];
  /** The node its /info answer named. */
  expected = -1;
  closed: { code: number; reason: string } | null = null;
  private readonly wakeup = new Wakeup();

  constructor(
    readonly client: ClientName,
    readonly transport: Transport,
    url: string,
    origin = PAGE,
  ) {
    const options = { transports: [transport], timeout: ATTEMPT_TIMEOUT_MS };
    this.sock =
      client === 'ours'
        ? (new OurSockJS(url, null, {
            ...(options as SockJSOptions),
            headers: { Origin: origin },
          }) as Sock)
        : new SockJSClient(url, null, options);
    this.sock.onmessage = (ev) => {
      this.messages.push(ev.data);
      this.wakeup.wake();
    };
    this.sock.onclose = (ev) => {
      this.closed = { code: ev.code, reason: ev.reason };
      this.wakeup.wake();
    };
  }

  /** The node the server says this session is on, once its greeting came. */
  get node(): number {
    const greeting = /^node (\d+)$/.exec(this.messages[0] ?? '');
    return greeting ? Number(greeting[1]) : -1;
  }

  has(message: string): boolean {
    return this.messages.includes(message);
  }

  until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
    return this.wakeup.until(
      check,
      () =>
        assert.fail(
          `${this.client} ${this.transport}: ${what}; got ${JSON.stringify(this.messages)}, closed ${JSON.stringify(this.closed)}`,
        ),
      ms,
      () => this.closed !== null,
    );
  }
}

let redis: TestRedis;
const nodes: Node[] = [];
/** Session id -> the nodes that got any of its requests. */
const sessionNodes = new Map<string, Set<number>>();
/** The node each /info answer named, in the order they went out, on any node. */
const named: number[] = [];
const infoAnswered = new Wakeup();

/** Counts what reaches a node: /info, and each session request by session id. */
function recordRequests(node: Node, req: http.IncomingMessage): void {
  const path = (req.url ?? '').split('?')[0]!;
  if (path === `${PREFIX}/info`) {
    node.infos++;
    return;
  }
  const match = SESSION_PATH.exec(path);
  if (match === null) return;
  const [, id = '', transport = ''] = match;
  const seen = node.sessions.get(id) ?? [];
  node.sessions.set(id, [...seen, transport]);
  sessionNodes.set(id, (sessionNodes.get(id) ?? new Set()).add(node.index));
}

async function startNodes(): Promise<void> {
  const servers = Array.from({ length: NODE_COUNT }, () => http.createServer());
  const urls: string[] = [];
  for (const server of servers) {
    trackSockets(server);
    urls.push(`http://127.0.0.1:${await listen(server)}${PREFIX}`);
  }
  for (const [index, server] of servers.entries()) {
    const client = createClient({ url: redis.url });
    // node-redis reconnects by itself; the broker counts what failed meanwhile.
    client.on('error', () => {});
    await client.connect();
    // Round robin from the node itself, so that no node is everyone's first.
    let turn = index;
    const sockjs = createServer({
      prefix: PREFIX,
      origins: [PAGE],
      broker: redisBroker({ client, key: 'sockjs:base-url-test' }),
      base_url: () => {
        const target = turn++ % NODE_COUNT;
        node.picked[target]!++;
        named.push(target);
        infoAnswered.wake();
        return urls[target]!;
      },
    });
    const node: Node = {
      index,
      http: server,
      url: urls[index]!,
      sockjs,
      redis: client,
      infos: 0,
      picked: Array.from({ length: NODE_COUNT }, () => 0),
      sessions: new Map(),
    };
    sockjs.on('connection', (conn) => {
      conn.join('room');
      conn.write(`node ${index}`);
      conn.on('data', (message) => conn.write(message));
    });
    sockjs.attach(server);
    server.on('request', (req) => recordRequests(node, req));
    server.on('upgrade', (req) => recordRequests(node, req));
    nodes.push(node);
  }
}

before(async () => {
  redis = await startRedis();
  await startNodes();
});

after(async () => {
  for (const node of nodes) await stopHttp(node.http, [node.sockjs]);
  // close() is idempotent: this waits for the one stopHttp began, broker included.
  await Promise.all(nodes.map((node) => node.sockjs.close()));
  await Promise.all(nodes.map((node) => node.redis.close()));
  await redis.stop();
});

describe('base_url: three nodes, no balancer', { timeout: 180_000 }, () => {
  const members: Member[] = [];

  after(() => {
    for (const member of members) member.sock.close();
  });

  for (const client of CLIENTS) {
    for (const transport of TRANSPORTS) {
      test(`${GROUP_SIZE} sessions of ${client} on ${transport} spread over the three nodes`, async () => {
        // Each asks /info of a different node in turn, and the node names
        // where to go. One /info at a time, so that each member knows the
        // answer it got; the sessions then open side by side.
        const group: Member[] = [];
        for (let i = 0; i < GROUP_SIZE; i++) {
          const asked = named.length;
          const member = new Member(client, transport, nodes[i % NODE_COUNT]!.url);
          group.push(member);
          members.push(member);
          await infoAnswered.until(
            () => named.length > asked,
            () => assert.fail(`no /info answer for ${client} ${transport} #${i}`),
            10_000,
          );
          member.expected = named[asked]!;
        }
        await Promise.all(group.map((m) => m.until(() => m.node >= 0, 'greeting from a node')));
        for (const m of group) {
          assert.equal(m.sock.transport, transport);
          assert.equal(m.node, m.expected, 'the session is on the node /info named');
        }
        // What a session sends goes to its node too (xhr_send on the HTTP transports).
        for (const [i, m] of group.entries()) m.sock.send(`echo ${i}`);
        await Promise.all(group.map((m, i) => m.until(() => m.has(`echo ${i}`), `echo ${i}`)));
        const landed = new Set(group.map((m) => m.node));
        assert.deepEqual([...landed].sort(), [0, 1, 2], 'every node got sessions of this group');
        // Most were sent elsewhere than the node they asked (about two in
        // three): a client that ignored base_url would fail the check above.
        const moved = group.filter((m, i) => m.node !== i % NODE_COUNT).length;
        assert.ok(moved >= GROUP_SIZE / 2, `${moved} of ${GROUP_SIZE} moved`);
      });
    }
  }

  test("each session's requests all reached the node /info named", () => {
    assert.equal(members.length, CLIENTS.length * TRANSPORTS.length * GROUP_SIZE);
    // One session per member (one transport forced, nothing retried).
    assert.equal(sessionNodes.size, members.length);
    for (const [id, where] of sessionNodes) {
      assert.equal(where.size, 1, `session ${id} reached nodes ${[...where]}`);
    }
    for (const node of nodes) {
      // Members asked /info of each node in turn: 10 per group of 30.
      assert.equal(node.infos, members.length / NODE_COUNT, `node ${node.index} /info requests`);
      const namedHere = nodes.reduce((sum, n) => sum + n.picked[node.index]!, 0);
      const landedHere = members.filter((m) => m.node === node.index).length;
      assert.ok(landedHere > 0, `node ${node.index} got sessions`);
      assert.equal(
        node.sessions.size,
        namedHere,
        `sessions on node ${node.index} = /info answers naming it`,
      );
      assert.equal(landedHere, namedHere, `greetings from node ${node.index}`);
    }
    // The HTTP transports' sessions sent and received over several requests, all on one node.
    const segments = new Set(nodes.flatMap((n) => [...n.sessions.values()].flat()));
    for (const segment of ['websocket', 'xhr_streaming', 'xhr', 'xhr_send']) {
      assert.ok(segments.has(segment), `requests of ${segment} recorded`);
    }
  });

  test('a channel published on each node reaches every member, once', async () => {
    for (const node of nodes) node.sockjs.publish('room', `from node ${node.index}`);
    const published = nodes.map((node) => `from node ${node.index}`);
    await Promise.all(
      members.map((m) =>
        m.until(() => published.every((p) => m.has(p)), 'a publish of every node'),
      ),
    );
    for (const m of members) {
      for (const p of published) {
        assert.equal(m.messages.filter((x) => x === p).length, 1, `${p} once`);
      }
    }
    for (const m of members) assert.equal(m.closed, null);
  });

  test('the nodes allow the page origin only: another page gets no /info', async () => {
    const stranger = new Member('ours', 'websocket', nodes[0]!.url, 'http://elsewhere.test');
    members.push(stranger);
    await stranger.until(() => stranger.closed !== null, 'refused');
    assert.deepEqual(stranger.closed, { code: 1002, reason: 'Cannot connect to server' });
  });
});
