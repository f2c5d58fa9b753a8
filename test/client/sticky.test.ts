// Two processes' worth of sessions behind one proxy: every HTTP transport
// sends several requests per session, so they must all reach the server that
// holds it. The recipes of docs/proxies.md (HAProxy `balance hash
// path,field(-2,/)`, nginx `map` on the session id with `hash ...
// consistent`) keep every session whole, with both backends in use; round
// robin, as a control, breaks sessions, which shows the check can fail.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SockJS } from '../../packages/client/src/node.ts';
import { stopHttp } from '../helpers/http-server.ts';
import { type Proxy as RunningProxy, startHaproxy, startNginx } from '../helpers/proxies.ts';
import { ECHO_SERVICE, type RunningSockjs, startSockjsServer } from '../helpers/sockjs-server.ts';

const TRANSPORTS = ['xhr-polling', 'xhr-streaming', 'eventsource'];
const SESSIONS = 20;
const MESSAGES = 3;

let backends: RunningSockjs[];
before(async () => {
  backends = [
    await startSockjsServer({}, [ECHO_SERVICE]),
    await startSockjsServer({}, [ECHO_SERVICE]),
  ];
});
after(async () => {
  for (const b of backends) await stopHttp(b.http, b.sockjs);
});

/** One session: echoes MESSAGES messages in turn; whether all came back. */
function session(url: string, transport: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = new SockJS(url, null, { transports: [transport], timeout: 3000 });
    let echoed = 0;
    const timer = setTimeout(() => sock.close(), 8000);
    sock.onopen = () => sock.send('m0');
    sock.onmessage = (e) => {
      if (e.data !== `m${echoed}`) return sock.close();
      echoed++;
      if (echoed === MESSAGES) sock.close();
      else sock.send(`m${echoed}`);
    };
    sock.onclose = () => {
      clearTimeout(timer);
      resolve(echoed === MESSAGES);
    };
  });
}

/** Runs SESSIONS sessions per transport through `proxy`; how many stayed whole, per transport. */
async function run(proxy: RunningProxy): Promise<Record<string, number>> {
  const whole: Record<string, number> = {};
  for (const transport of TRANSPORTS) {
    const results = await Promise.all(
      Array.from({ length: SESSIONS }, () => session(`${proxy.origin}/echo`, transport)),
    );
    whole[transport] = results.filter(Boolean).length;
  }
  return whole;
}

const all = Object.fromEntries(TRANSPORTS.map((t) => [t, SESSIONS]));

describe('sticky by the session id in the URL', () => {
  const recipes: [string, () => Promise<RunningProxy>][] = [
    [
      'HAProxy balance hash path,field(-2,/)',
      () =>
        startHaproxy(
          backends.map((b) => b.port),
          { upgrade: 'pass', noDelay: true, stickySession: true },
        ),
    ],
    [
      'nginx map on the session id, hash consistent',
      () =>
        startNginx(
          backends.map((b) => b.port),
          { stickySession: true },
        ),
    ],
  ];
  for (const [name, start] of recipes) {
    test(`${name}: every session whole, on both backends`, async () => {
      const before = backends.map((b) => b.connections.length);
      const proxy = await start();
      try {
        assert.deepEqual(await run(proxy), all);
      } finally {
        await proxy.close();
      }
      const opened = backends.map((b, i) => b.connections.length - before[i]!);
      assert.equal(opened[0]! + opened[1]!, SESSIONS * TRANSPORTS.length);
      assert.ok(opened[0]! > 0 && opened[1]! > 0, `sessions per backend: ${opened.join(', ')}`);
    });
  }

  test('control: round robin breaks sessions', async () => {
    const proxy = await startHaproxy(
      backends.map((b) => b.port),
      { upgrade: 'pass', noDelay: true },
    );
    try {
      const whole = await run(proxy);
      // How many survive depends on how the parallel sessions' requests
      // interleave (half of them, on some runs); that none breaks would take
      // every one of them to be lucky.
      for (const transport of TRANSPORTS) {
        assert.ok(whole[transport]! < SESSIONS, `${transport}: ${whole[transport]} whole`);
      }
    } finally {
      await proxy.close();
    }
  });
});
