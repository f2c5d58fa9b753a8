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

import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { SockJS as OurSockJS } from '../../packages/client/src/node.ts';
import {
  ANY_NODE_ECHO_SCENARIO,
  type AnyNodeServer,
  type Balancer,
  balancerName,
  checkEchoThrough,
  type EchoLoad,
  type PublishCounter,
  publishCounter,
  startAnyNodeServers,
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
let publishes: PublishCounter;

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
        test(`${client} ${transport}: ${SESSIONS} sessions echo ${LOAD.messages} messages each in order, none broken`, () =>
          checkEchoThrough(
            kind,
            servers,
            publishes,
            (origin) => echoLoad(SockJS, { ...LOAD, url: `${origin}/echo`, transport }),
            transport !== 'websocket',
          ));
      }
    }
  });
}
