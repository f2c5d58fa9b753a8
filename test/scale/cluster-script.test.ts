// `npm run cluster` (scripts/cluster.js) as a user runs it: it prints Redis,
// each node and the proxy with their pids, the URL serves SockJS through the
// proxy with /broadcast across the nodes, and Ctrl-C (SIGINT) stops every
// process it started, with exit code 0.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { test } from 'node:test';
import { SockJS } from '../../packages/client/src/node.ts';
import { eventually, withDeadline } from '../helpers/timing.ts';

const root = new URL('../../', import.meta.url).pathname;

interface Printed {
  redisPort: number;
  nodes: { origin: string; pid: number }[];
  url: string;
  proxyPid: number;
}

function parse(out: string, proxy: string): Printed {
  const redis = /^redis\s+redis:\/\/127\.0\.0\.1:(\d+)$/m.exec(out);
  const nodes = [...out.matchAll(/^node\d+\s+(http:\/\/127\.0\.0\.1:\d+) \(pid (\d+)\)$/gm)];
  const front = new RegExp(
    `^${proxy}\\s+(http://127\\.0\\.0\\.1:\\d+) \\(pid (\\d+)\\)$`,
    'm',
  ).exec(out);
  assert.ok(redis && front, out);
  return {
    redisPort: Number(redis[1]),
    nodes: nodes.map((m) => ({ origin: m[1]!, pid: Number(m[2]) })),
    url: front[1]!,
    proxyPid: Number(front[2]),
  };
}

/** The pids the script printed: the proxy's and the nodes'. */
const pids = (printed: Printed) => [printed.proxyPid, ...printed.nodes.map((n) => n.pid)];

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    assert.equal((err as NodeJS.ErrnoException).code, 'ESRCH');
    return false;
  }
}

function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** A session of our client on `url`, with what it received. */
async function open(url: string, transport: string) {
  const sock = new SockJS(url, null, { transports: [transport], timeout: 15_000 });
  const received: string[] = [];
  sock.onmessage = (e) => received.push(String(e.data));
  await new Promise<void>((resolve, reject) => {
    sock.onopen = () => resolve();
    sock.onclose = (e) => reject(new Error(`${transport} closed ${e.code} ${e.reason}`));
  });
  return { sock, received };
}

for (const proxy of ['haproxy', 'nginx'] as const) {
  test(`npm run cluster -- --proxy ${proxy} --nodes 2: serves through the proxy, Ctrl-C stops every process`, async () => {
    const script = spawn(
      process.execPath,
      ['--import', 'tsx', `${root}scripts/cluster.js`, '--proxy', proxy, '--nodes', '2'],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    script.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    script.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    const exited = once(script, 'exit');
    let printed: Printed | undefined;
    try {
      await eventually(
        () => out.includes('Ctrl-C stops everything.'),
        "the script's start",
        20_000,
      );
      printed = parse(out, proxy);
      assert.equal(printed.nodes.length, 2, out);
      for (const pid of pids(printed)) {
        assert.ok(running(pid), `pid ${pid} printed but not running`);
      }

      // Echo through the proxy, and a broadcast from a session on each node
      // reaches a member that came in through the proxy.
      const echo = await open(`${printed.url}/echo`, 'xhr-polling');
      echo.sock.send('through the proxy');
      await eventually(() => echo.received.includes('through the proxy'), 'the echo', 20_000);
      echo.sock.close();
      const member = await open(`${printed.url}/broadcast`, 'xhr-streaming');
      for (const [i, node] of printed.nodes.entries()) {
        const sender = await open(`${node.origin}/broadcast`, 'websocket');
        sender.sock.send(`from node${i + 1}`);
        await eventually(
          () => member.received.includes(`from node${i + 1}`),
          `node${i + 1}'s publish`,
          20_000,
        );
        sender.sock.close();
      }
      member.sock.close();

      script.kill('SIGINT');
      const [code] = (await withDeadline(exited, 20_000, 'the script to stop')) as [number | null];
      assert.equal(code, 0, out);
      assert.match(out, /\nstopping\n/);
      for (const pid of pids(printed)) {
        assert.equal(running(pid), false, `pid ${pid} still running after Ctrl-C`);
      }
      assert.ok(await refuses(printed.redisPort), 'Redis still listening after Ctrl-C');
    } catch (err) {
      console.error(`npm run cluster printed:\n${out}`);
      throw err;
    } finally {
      // On a failure: the script, then whatever it started that still runs.
      if (script.exitCode === null && script.signalCode === null) {
        script.kill('SIGINT');
        await withDeadline(exited, 20_000, 'the script to stop').catch(async () => {
          script.kill('SIGKILL');
          await exited;
        });
      }
      for (const pid of printed === undefined ? [] : pids(printed)) {
        if (running(pid)) process.kill(pid, 'SIGKILL');
      }
    }
  });
}
