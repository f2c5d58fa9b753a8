// What `option http-no-delay` buys in examples/deploy/haproxy.cfg: HAProxy
// otherwise sends a small chunk of a streamed response with MSG_MORE, and
// the kernel holds it until more data comes or its timer (~200 ms) fires.
// Echo round trips through the deploy config, and through the same config
// without that one line, on the streaming transports; median of each.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { renderDeployConfig } from '../../examples/deploy/render.js';
import { SockJS } from '../../packages/client/src/node.ts';
import { stopHttp } from '../helpers/http-server.ts';
import { type Proxy as RunningProxy, runHaproxy } from '../helpers/proxies.ts';
import { ECHO_SERVICE, type RunningSockjs, startSockjsServer } from '../helpers/sockjs-server.ts';
import { withDeadline } from '../helpers/timing.ts';

const ROUND_TRIPS = 10;

let backend: RunningSockjs;
before(async () => {
  // The deploy config checks each server's health URL.
  backend = await startSockjsServer({ health_path: '/health' }, [ECHO_SERVICE]);
});
after(() => stopHttp(backend.http, backend.sockjs));

function haproxy(noDelay: boolean): Promise<RunningProxy> {
  return runHaproxy((port) => {
    const config = renderDeployConfig('haproxy', {
      listen: `127.0.0.1:${port}`,
      backends: [`127.0.0.1:${backend.port}`],
    });
    const line = '  option http-no-delay\n';
    assert.ok(config.includes(line));
    return noDelay ? config : config.replace(line, '');
  });
}

/** Median ms from send() to its echo, ROUND_TRIPS times one after another. */
async function medianEcho(url: string, transport: string): Promise<number> {
  const sock = new SockJS(url, null, { transports: [transport], timeout: 10_000 });
  try {
    await withDeadline(
      new Promise<void>((resolve, reject) => {
        sock.onopen = () => resolve();
        sock.onclose = (e) => reject(new Error(`closed: ${e.code} ${e.reason}`));
      }),
      10_000,
      'open',
    );
    const times: number[] = [];
    for (let i = 0; i < ROUND_TRIPS; i++) {
      const started = performance.now();
      const echoed = new Promise<void>((resolve) => {
        sock.onmessage = () => resolve();
      });
      sock.send(`m${i}`);
      await withDeadline(echoed, 5000, `echo ${i}`);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  } finally {
    sock.close();
  }
}

for (const transport of ['xhr-streaming', 'eventsource']) {
  test(`HAProxy without option http-no-delay holds each small chunk (${transport} echo)`, async (t) => {
    const medians: Record<string, number> = {};
    for (const noDelay of [true, false]) {
      const proxy = await haproxy(noDelay);
      try {
        medians[noDelay ? 'with' : 'without'] = await medianEcho(`${proxy.origin}/echo`, transport);
      } finally {
        await proxy.close();
      }
    }
    const { with: fast, without: slow } = medians as { with: number; without: number };
    t.diagnostic(
      `median echo over ${ROUND_TRIPS}: ${fast.toFixed(1)} ms with http-no-delay, ${slow.toFixed(1)} ms without`,
    );
    // The cost is the kernel's timer, not the machine's load: it shows
    // however busy CI is.
    assert.ok(slow - fast > 100, `with ${fast} ms, without ${slow} ms`);
  });
}
