#!/usr/bin/env node
// A deployment on this machine, as examples/deploy/ describes it: Redis
// (redis-server), N test servers (examples/test-server.js --redis) and
// HAProxy or nginx in front with examples/deploy/'s config, each on a free
// loopback port. Prints the URL; Ctrl-C (or SIGTERM) stops everything, by
// pid. The tests start the same thing (test/helpers/cluster.ts).
//
// usage: npm run cluster -- [--proxy haproxy|nginx] [--nodes 3] [--heartbeat MS]
import { parseArgs } from 'node:util';
import { startCluster } from '../test/helpers/cluster.ts';

const { values } = parseArgs({
  options: {
    proxy: { type: 'string', default: 'haproxy' },
    nodes: { type: 'string', default: '3' },
    heartbeat: { type: 'string' },
  },
});
const proxy = values.proxy;
const nodes = Number(values.nodes);
if (proxy !== 'haproxy' && proxy !== 'nginx') {
  console.error(`--proxy must be haproxy or nginx, not ${proxy}`);
  process.exit(2);
}
if (!Number.isInteger(nodes) || nodes < 1) {
  console.error(`--nodes must be a whole number ≥ 1, not ${values.nodes}`);
  process.exit(2);
}

const cluster = await startCluster({
  proxy,
  nodes,
  heartbeatMs: values.heartbeat === undefined ? undefined : Number(values.heartbeat),
});
console.log(`redis      ${cluster.redis.url}`);
for (const [i, n] of cluster.nodes.entries()) {
  console.log(`node${i + 1}      ${n.origin} (pid ${n.pid})`);
}
console.log(`${proxy.padEnd(10)} ${cluster.url} (pid ${cluster.proxy.pid})`);
console.log(
  `\nSockJS services at ${cluster.url}/echo, ${cluster.url}/broadcast (across every node), ...`,
);
console.log('Ctrl-C stops everything.');

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping');
  await cluster.stop('SIGTERM');
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
// A node that dies on its own is said so; the rest keep running.
cluster.nodes.forEach((n, i) => {
  void n.exited.then((how) => {
    if (!stopping) console.log(`node${i + 1} (pid ${n.pid}) exited: ${how}`);
  });
});
