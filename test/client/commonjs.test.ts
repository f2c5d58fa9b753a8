// sockjs-client's CommonJS shape: `const SockJS = require('@sockjs-ts/client')`
// is the constructor (with `default` and the named exports on it), in a
// child process that loads the package through its exports map, as an app
// does; every shipped bundle resolves, `dist/` paths included.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stopHttp } from '../helpers/http-server.ts';
import { ECHO_SERVICE, type RunningSockjs, startSockjsServer } from '../helpers/sockjs-server.ts';

const fixture = fileURLToPath(new URL('./fixtures/sockjs-client-style.cjs', import.meta.url));
let server: RunningSockjs;
let url: string;

before(async () => {
  server = await startSockjsServer({}, [ECHO_SERVICE]);
  url = `${server.base}/echo`;
});

after(() => stopHttp(server.http, server.sockjs));

function runFixture(transport: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture, url, transport], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`exit ${code}`));
      else resolve(JSON.parse(out) as Record<string, unknown>);
    });
  });
}

for (const transport of ['websocket', 'xhr-streaming', 'xhr-polling']) {
  test(`require() gives the constructor; an echo over ${transport}`, async () => {
    const seen = await runFixture(transport);
    assert.deepEqual(seen, {
      name: 'SockJS',
      isDefault: true,
      transport,
      echo: 'hello from require',
      code: 1000,
    });
  });
}

test('every shipped bundle resolves through the exports map', () => {
  const require = createRequire(fixture);
  for (const path of [
    '@sockjs-ts/client/sockjs.min.js',
    '@sockjs-ts/client/dist/sockjs.min.js',
    '@sockjs-ts/client/sockjs-websocket.min.js',
    '@sockjs-ts/client/dist/sockjs-websocket.min.js',
  ]) {
    assert.match(require.resolve(path), /packages\/client\/dist\/sockjs(-websocket)?\.min\.js$/);
  }
  const wsOnly = require('@sockjs-ts/client/websocket') as { name: string; default: unknown };
  assert.equal(wsOnly.name, 'SockJS');
  assert.equal(wsOnly.default, wsOnly);
});
