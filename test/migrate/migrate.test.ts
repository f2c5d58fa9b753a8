// A sockjs-node application moves over by changing its require(): the same
// file (examples/migrate/app.cjs) runs on sockjs-node 0.3.24 and on
// @sockjs-ts/server, and the official sockjs-client sees the same behaviour.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { after, describe, test } from 'node:test';
import { ATTEMPT_TIMEOUT_MS } from '../helpers/scenarios.ts';

const root = new URL('../../', import.meta.url).pathname;
const require = createRequire(import.meta.url);
// sockjs-client 1.6.1 in Node (CommonJS).
const SockJS = require('sockjs-client') as new (
  url: string,
  reserved?: unknown,
  options?: { transports?: string[]; timeout?: number },
) => {
  onopen: (() => void) | null;
  onmessage: ((e: { data: string }) => void) | null;
  onclose: ((e: { code: number; reason: string }) => void) | null;
  send(data: string): void;
  close(): void;
};

async function startApp(module: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [`${root}examples/migrate/app.cjs`], {
    env: { ...process.env, SOCKJS_MODULE: module, NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  const port = Number(/listening (\d+)/.exec(chunk.toString())?.[1]);
  assert.ok(port > 0);
  return { child, port };
}

/** Opens a session, collects what arrives until the close, and returns it. */
function converse(
  url: string,
  transport: string,
  say: string[],
): Promise<{ got: string[]; code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const got: string[] = [];
    const sock = new SockJS(url, null, { transports: [transport], timeout: ATTEMPT_TIMEOUT_MS });
    const timer = setTimeout(
      () => reject(new Error(`no close on ${transport}: ${got.join('|')}`)),
      10_000,
    );
    sock.onopen = () => {
      for (const m of say) sock.send(m);
    };
    sock.onmessage = (e) => got.push(e.data);
    sock.onclose = (e) => {
      clearTimeout(timer);
      resolve({ got, code: e.code, reason: e.reason });
    };
  });
}

for (const module of ['sockjs', '@sockjs-ts/server']) {
  describe(`examples/migrate/app.cjs on ${module}`, () => {
    let app: { child: ChildProcess; port: number };
    after(async () => {
      app.child.kill('SIGTERM');
      await once(app.child, 'exit');
    });

    test('serves the app and the SockJS prefix side by side', async () => {
      app = await startApp(module);
      const other = await fetch(`http://127.0.0.1:${app.port}/elsewhere`);
      assert.equal(await other.text(), 'the rest of the app\n');
      const greeting = await fetch(`http://127.0.0.1:${app.port}/chat`);
      assert.equal(await greeting.text(), 'Welcome to SockJS!\n');
    });

    for (const [transport, seen] of [
      ['websocket', 'websocket'],
      ['xhr-streaming', 'xhr-streaming'],
      ['xhr-polling', 'xhr-polling'],
    ]) {
      test(`sockjs-client over ${transport}: welcome, relay, app close code`, async () => {
        const r = await converse(`http://127.0.0.1:${app.port}/chat`, transport, [
          'one',
          'two ☃',
          'bye',
        ]);
        assert.deepEqual(r.got, [`welcome ${seen}`, 'one', 'two ☃']);
        assert.equal(r.code, 3001);
        assert.equal(r.reason, 'See you');
      });
    }
  });
}
