// Any-node mode with real clients (issue 15): three test-server processes
// (--redis URL --any-node) behind plain round robin, HAProxy (balance
// roundrobin, http-no-delay) and nginx, no stickiness; and, for comparison,
// HAProxy sticky by session id, where nothing is forwarded. sockjs-client
// 1.6.1 (Node) and ours open sessions on every transport they have in Node;
// each session sends 1,000 messages (in bursts, then the last ones one
// request each) and gets each back from /echo, in order, once, and no
// session breaks. /echo has a response_limit of 4096, so streams end and
// start again, each time on the next node. The browser-only transports are
// in any-node-browser.test.ts.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { SockJS as OurSockJS } from '../../packages/client/src/node.ts';
import {
  ANY_NODE_ECHO_SCENARIO,
  type AnyNodeServer,
  type Balancer,
  balancerName,
  type EchoLoad,
  publishCounter,
  startAnyNodeServers,
  startBalancer,
} from '../helpers/any-node.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';

const TRANSPORTS = ['websocket', 'xhr-streaming', 'eventsource', 'xhr-polling'] as const;
const SESSIONS = 5;
const LOAD = {
  sessions: SESSIONS,
  messages: 1000,
  burst: 100,
  singles: 100,
  deadlineMs: 60_000,
  options: { timeout: 10_000 },
} satisfies Omit<EchoLoad, 'url' | 'transport'>;

const CLIENTS = {
  'sockjs-client': createRequire(import.meta.url)('sockjs-client') as unknown,
  ours: OurSockJS as unknown,
};

/** The scenario, as a function of the Node client it is given. */
const echoLoad = new Function(`return ${ANY_NODE_ECHO_SCENARIO}`)() as (
  SockJS: unknown,
  load: EchoLoad,
) => Promise<string[]>;

let redis: TestRedis;
let servers: AnyNodeServer[] = [];
let publishes: Awaited<ReturnType<typeof publishCounter>>;

before(async () => {
  redis = await startRedis();
  servers = await startAnyNodeServers(redis.url, 3);
  publishes = await publishCounter(redis.url);
});

after(async () => {
  publishes?.close();
  await Promise.all(servers.map((s) => s.kill('SIGKILL')));
  await redis.stop();
});

for (const kind of ['haproxy', 'nginx', 'haproxy sticky'] as Balancer[]) {
  describe(`any-node mode behind ${balancerName(kind)}`, () => {
    for (const [client, SockJS] of Object.entries(CLIENTS)) {
      for (const transport of TRANSPORTS) {
        test(`${client} ${transport}: ${SESSIONS} sessions echo ${LOAD.messages} messages each in order, none broken`, async () => {
          const proxy = await startBalancer(
            kind,
            servers.map((s) => s.port),
          );
          const publishedBefore = await publishes.count();
          try {
            const broken = await echoLoad(SockJS, {
              ...LOAD,
              url: `${proxy.origin}/echo`,
              transport,
            });
            assert.deepEqual(broken, [], `${broken.length} of ${SESSIONS} sessions broke`);
          } finally {
            await proxy.close();
          }
          for (const s of servers) assert.equal(s.errors(), '');
          // The sessions' requests did go to nodes that do not own them
          // (a websocket session has one connection: nothing to forward).
          const forwarded = (await publishes.count()) - publishedBefore;
          if (transport === 'websocket' || kind === 'haproxy sticky') assert.equal(forwarded, 0);
          else assert.ok(forwarded > 0, 'nothing was forwarded');
        });
      }
    }
  });
}
