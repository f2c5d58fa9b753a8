// sockjs-node's first README's echo server (examples/legacy/echo-server.cjs,
// written as it stands there) runs on @sockjs-ts/server and echoes to the
// official sockjs-client on every transport the client runs in Node.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { withDeadline } from '../helpers/timing.ts';
import { ClientProbe } from '../server-interop/sockjs-client.ts';

const root = new URL('../../', import.meta.url).pathname;

describe("sockjs-node's early README echo server, unchanged", () => {
  let child: ChildProcess;
  let base: string;
  before(async () => {
    child = spawn(
      process.execPath,
      [
        '--require',
        `${root}test/migrate/fixtures/early-readme-preload.cjs`,
        `${root}examples/legacy/echo-server.cjs`,
      ],
      { env: { ...process.env, NODE_NO_WARNINGS: '1' }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const [chunk] = (await withDeadline(once(child.stdout!, 'data'), 10_000, 'listening')) as [
      Buffer,
    ];
    const port = Number(/listening (\d+)/.exec(chunk.toString())?.[1]);
    assert.ok(port > 0, chunk.toString());
    base = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    child.kill('SIGTERM');
    await once(child, 'exit');
  });

  test("serves the '[/]echo' prefix at /echo and leaves other URLs to the app's handler", async () => {
    const greeting = await fetch(`${base}/echo`);
    assert.equal(await greeting.text(), 'Welcome to SockJS!\n');
    const info = await fetch(`${base}/echo/info`);
    assert.equal(info.status, 200);
    const other = await fetch(`${base}/elsewhere`);
    assert.equal(other.status, 404);
    assert.equal(await other.text(), 'Not found.');
  });

  for (const transport of ['websocket', 'xhr-streaming', 'xhr-polling', 'eventsource']) {
    test(`sockjs-client over ${transport}: echoes`, { timeout: 20_000 }, async () => {
      const client = new ClientProbe(`${base}/echo`, transport);
      try {
        assert.equal(await client.open(), transport);
        const sent = ['hello', 'two ☃', '"quoted"\n', ''];
        for (const m of sent) client.sock.send(m);
        assert.deepEqual(await client.messages(sent.length), sent);
      } finally {
        client.sock.close();
      }
    });
  }
});
