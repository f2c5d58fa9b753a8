// @sockjs-ts/redis on a Redis user limited by ACL to the commands, keys and
// channels its README lists (packages/redis/README.md, "Redis permissions"):
// two servers with a broker and any-node mode, each on a client logged in as
// that user, carry a channel publish from one to the other and a forwarded
// xhr-polling echo, and Redis's ACL LOG records no refused command. A
// command these paths use that the README does not list fails the test,
// which names it.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'redis';
import {
  type RedisBroker,
  type RedisSessions,
  redisBroker,
  redisSessions,
} from '../../packages/redis/src/index.ts';
import {
  type Connection,
  createServer,
  type SockJSServer,
} from '../../packages/server/src/index.ts';
import { request } from '../helpers/http-client.ts';
import { listen, stopHttp, trackSockets } from '../helpers/http-server.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { eventually } from '../helpers/timing.ts';

const USER = 'sockjs-app';
const PASSWORD = 'acl-test-password';
const PREFIX = 'aclapp:';
const STREAM = `${PREFIX}channels`;

/** The README's ACL rule, as given there. */
const ACL_RULE = [
  'on',
  `>${PASSWORD}`,
  'resetkeys',
  `~${PREFIX}*`,
  'resetchannels',
  `&${PREFIX}*`,
  '-@all',
  '+ping',
  '+xadd',
  '+xread',
  '+xrange',
  '+xrevrange',
  '+get',
  '+set',
  '+del',
  '+mget',
  '+eval',
  '+publish',
  '+subscribe',
  '+pubsub|numsub',
];

interface Node {
  readonly http: http.Server;
  readonly port: number;
  readonly sockjs: SockJSServer;
  readonly broker: RedisBroker;
  readonly cluster: RedisSessions;
  readonly client: { destroy(): void };
  readonly connections: Connection[];
  readonly warnings: string[];
}

let redis: TestRedis;
let admin: ReturnType<typeof createClient>;
const nodes: Node[] = [];

async function startNode(): Promise<Node> {
  const client = createClient({
    url: `redis://${USER}:${PASSWORD}@127.0.0.1:${redis.port}`,
  });
  client.on('error', () => {});
  await client.connect();
  const warnings: string[] = [];
  const broker = redisBroker({ client, key: STREAM });
  broker.on('warning', (err) => warnings.push(String(err)));
  const cluster = redisSessions({ client, prefix: PREFIX });
  const sockjs = createServer({ prefix: '/echo', broker, cluster });
  const connections: Connection[] = [];
  sockjs.on('connection', (conn) => {
    connections.push(conn);
    conn.join('news');
    conn.on('data', (m: string) => conn.write(m));
  });
  const server = http.createServer();
  trackSockets(server);
  sockjs.installHandlers(server);
  const port = await listen(server);
  return { http: server, port, sockjs, broker, cluster, client, connections, warnings };
}

/** Redis's record of refused commands, as "reason: object". */
async function refusals(): Promise<string[]> {
  const log = (await admin.sendCommand(['ACL', 'LOG'])) as unknown[];
  return log.map((entry) => {
    // A map on RESP3 (node-redis 6's default), name/value pairs on RESP2.
    const fields = Array.isArray(entry)
      ? Object.fromEntries(entry.flatMap((v, i) => (i % 2 === 0 ? [[v, entry[i + 1]]] : [])))
      : (entry as Record<string, unknown>);
    return `${String(fields.reason)}: ${String(fields.object)}`;
  });
}

before(async () => {
  redis = await startRedis();
  admin = createClient({ url: redis.url });
  admin.on('error', () => {});
  await admin.connect();
  await admin.sendCommand(['ACL', 'SETUSER', USER, ...ACL_RULE]);
  nodes.push(await startNode(), await startNode());
  await eventually(() => nodes.every((n) => n.cluster.available), 'nodes subscribed');
});

after(async () => {
  for (const node of nodes) {
    await stopHttp(node.http, [node.sockjs]);
    await node.sockjs.close(undefined, undefined, 0);
    node.client.destroy();
  }
  admin.destroy();
  await redis.stop();
});

describe('@sockjs-ts/redis on a user limited to the commands its README lists', () => {
  test('a channel publish crosses processes and a forwarded xhr-polling echo works', async () => {
    const [a, b] = nodes as [Node, Node];
    const url = (id: string, transport: string) => `/echo/000/${id}/${transport}`;
    // A request that fails says which commands Redis refused meanwhile.
    const post = (node: Node, path: string, body?: string) =>
      request(node.port, path, { method: 'POST', body, timeout: 5000 }).catch(async (err: Error) =>
        assert.fail(`${err.message}; refused: ${JSON.stringify(await refusals())}`),
      );

    // A session owned by a, driven through b: every request is forwarded.
    const id = `acl${process.pid}`;
    assert.equal((await post(a, url(id, 'xhr'))).body, 'o\n');
    assert.equal((await post(b, url(id, 'xhr_send'), '["through b"]')).status, 204);
    assert.equal((await post(b, url(id, 'xhr'))).body, 'a["through b"]\n');

    // b publishes to the channel the session (on a) joined: the broker carries it.
    const polled = post(b, url(id, 'xhr'));
    b.sockjs.publish('news', 'from b');
    assert.equal((await polled).body, 'a["from b"]\n');

    assert.deepEqual(await refusals(), [], 'commands Redis refused the user');
    for (const node of nodes) {
      assert.deepEqual(node.warnings, []);
      assert.equal(node.broker.stats().errors, 0);
      assert.equal(node.cluster.stats().errors, 0);
    }
  });
});
