// End-to-end: the Node client through nginx with default settings, which do
// not forward WebSocket upgrades (nginx answers the handshake itself). The
// client must notice the failed websocket and settle on xhr-streaming, which
// passes through nginx's default response buffering thanks to the prelude.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { SockJS } from '../../packages/client/src/node.ts';
import { startNginx } from '../helpers/proxies.ts';
import { serverFactories, type TestServer } from '../helpers/servers.ts';

const factories = await serverFactories();

for (const factory of factories) {
  describe(`Node client through nginx to ${factory.name}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    after(async () => {
      for (const c of cleanups.reverse()) await c();
    });

    test('falls back from websocket to xhr-streaming and echoes', {
      timeout: 30_000,
    }, async () => {
      const server: TestServer = await factory.start();
      cleanups.push(() => server.close());
      const proxy = await startNginx(server.port);
      cleanups.push(() => proxy.close());
      const started = Date.now();
      const sock = new SockJS(proxy.origin + '/echo');
      const tried: string[] = [];
      await new Promise<void>((resolve, reject) => {
        sock.onopen = () => resolve();
        sock.onclose = (e) => reject(new Error(`closed: ${e.code} ${e.reason}`));
      });
      tried.push(sock.transport!);
      assert.equal(sock.transport, 'xhr-streaming');
      const echoed = new Promise<string>((resolve) => {
        sock.onmessage = (e) => resolve(e.data);
      });
      sock.send('through the proxy \u2028');
      assert.equal(await echoed, 'through the proxy \u2028');
      const closed = new Promise<number>((resolve) => {
        sock.onclose = (e) => resolve(e.code);
      });
      sock.close();
      assert.equal(await closed, 1000);
      console.log(`# ${factory.name} behind nginx: ${tried[0]} after ${Date.now() - started} ms`);
    });
  });
}
