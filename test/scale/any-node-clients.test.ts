// Any-node mode with real clients (issue 15): three test-server processes
// (--redis URL --any-node) behind plain round robin, HAProxy (balance
// roundrobin, http-no-delay) and nginx, no stickiness; and, for comparison,
// HAProxy sticky by session id, where nothing is forwarded. sockjs-client
// 1.6.1 (Node) and ours open sessions on every transport; each sends
// MESSAGES messages (half in a burst, half one per request) and gets each
// back from /echo, in order, once, and no session breaks. /echo has a
// response_limit of 4096, so streams end and start again, each time on the
// next node.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'redis';
import { SockJS as OurSockJS, type SockJSOptions } from '../../packages/client/src/node.ts';
import {
  type AnyNodeServer,
  type RoundRobinProxy,
  startAnyNodeServers,
  startRoundRobin,
} from '../helpers/any-node.ts';
import { startHaproxy } from '../helpers/proxies.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { Wakeup } from '../helpers/timing.ts';

const TRANSPORTS = ['websocket', 'xhr-streaming', 'eventsource', 'xhr-polling'] as const;
const CLIENTS = ['sockjs-client', 'ours'] as const;
const SESSIONS = 5;
const MESSAGES = 200;
const SESSION_DEADLINE = 30_000;

interface Sock {
  readonly transport?: string | null;
  onopen: (() => void) | null;
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

/** One session: sends MESSAGES messages, waits for every echo; what went wrong, or null. */
async function echoSession(
  client: (typeof CLIENTS)[number],
  transport: string,
  url: string,
): Promise<string | null> {
  const options = { transports: [transport], timeout: 10_000 };
  const sock =
    client === 'ours'
      ? (new OurSockJS(url, null, options as SockJSOptions) as Sock)
      : new SockJSClient(url, null, options);
  const got: string[] = [];
  let closed: { code: number; reason: string } | null = null;
  const wakeup = new Wakeup();
  // The first half goes at once (the client batches it), the rest one at a
  // time, each after the previous echo: every send a request of its own.
  sock.onopen = () => {
    for (let i = 0; i < MESSAGES / 2; i++) sock.send(`m${i}`);
  };
  sock.onmessage = (ev) => {
    got.push(ev.data);
    if (got.length >= MESSAGES / 2 && got.length < MESSAGES) sock.send(`m${got.length}`);
    wakeup.wake();
  };
  sock.onclose = (ev) => {
    closed = { code: ev.code, reason: ev.reason };
    wakeup.wake();
  };
  try {
    await wakeup.until(
      () => got.length >= MESSAGES,
      () => assert.fail('deadline'),
      SESSION_DEADLINE,
      () => closed !== null,
    );
  } catch {
    sock.close();
    return `${got.length} of ${MESSAGES} echoed, closed ${JSON.stringify(closed)}`;
  }
  sock.close();
  for (let i = 0; i < MESSAGES; i++) {
    if (got[i] !== `m${i}`) return `echo ${i} was ${JSON.stringify(got[i])}`;
  }
  if (got.length !== MESSAGES) return `${got.length} echoes`;
  return null;
}

let redis: TestRedis;
let servers: AnyNodeServer[] = [];
let stats: ReturnType<typeof createClient>;

/** How many PUBLISH commands Redis has run: each forwarded hop is one. */
async function publishes(): Promise<number> {
  const info = await stats.info('commandstats');
  return Number(/cmdstat_publish:calls=(\d+)/.exec(info)?.[1] ?? 0);
}

before(async () => {
  redis = await startRedis();
  servers = await startAnyNodeServers(redis.url, 3);
  stats = createClient({ url: redis.url });
  stats.on('error', () => {});
  await stats.connect();
});

after(async () => {
  stats?.destroy();
  await Promise.all(servers.map((s) => s.kill('SIGKILL')));
  await redis.stop();
});

// The same through HAProxy sticky by session id (docs/proxies.md), for
// comparison: every request reaches the owner, nothing is forwarded.
type Balancer = RoundRobinProxy | 'haproxy sticky';

function startBalancer(kind: Balancer, ports: number[]) {
  return kind === 'haproxy sticky'
    ? startHaproxy(ports, { upgrade: 'pass', noDelay: true, stickySession: true })
    : startRoundRobin(kind, ports);
}

for (const kind of ['haproxy', 'nginx', 'haproxy sticky'] as Balancer[]) {
  describe(`any-node mode behind ${kind === 'haproxy sticky' ? kind : `${kind} round robin`}`, () => {
    for (const client of CLIENTS) {
      for (const transport of TRANSPORTS) {
        test(`${client} ${transport}: ${SESSIONS} sessions echo ${MESSAGES} messages in order, none broken`, async () => {
          const proxy = await startBalancer(
            kind,
            servers.map((s) => s.port),
          );
          const publishedBefore = await publishes();
          try {
            const results = await Promise.all(
              Array.from({ length: SESSIONS }, () =>
                echoSession(client, transport, `${proxy.origin}/echo`),
              ),
            );
            const broken = results.filter((r) => r !== null);
            assert.deepEqual(broken, [], `${broken.length} of ${SESSIONS} sessions broke`);
          } finally {
            await proxy.close();
          }
          for (const s of servers) assert.equal(s.errors(), '');
          // The sessions' requests did go to nodes that do not own them
          // (a websocket session has one connection: nothing to forward).
          const forwarded = (await publishes()) - publishedBefore;
          if (transport === 'websocket' || kind === 'haproxy sticky') assert.equal(forwarded, 0);
          else assert.ok(forwarded > 0, 'nothing was forwarded');
        });
      }
    }
  });
}
