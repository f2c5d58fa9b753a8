// The Node client where there is no WebSocket at all: Node 20 has no global
// one, and an app may not have installed `ws`. The packages are copied into a
// scratch app without `ws`, and a child process runs the client there against
// our server: a forced websocket closes with 2000 and the process gets the
// SOCKJS_WARN_NO_WEBSOCKET warning that says why; without `transports` the
// client falls back to HTTP, warned once.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stopHttp } from '../helpers/http-server.ts';
import { ECHO_SERVICE, type RunningSockjs, startSockjsServer } from '../helpers/sockjs-server.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
let app: string;
let server: RunningSockjs;

before(async () => {
  app = mkdtempSync(join(tmpdir(), 'sockjs-no-ws-'));
  for (const pkg of ['client', 'protocol']) {
    const to = join(app, 'node_modules', '@sockjs-ts', pkg);
    mkdirSync(to, { recursive: true });
    cpSync(join(root, 'packages', pkg, 'dist'), join(to, 'dist'), { recursive: true });
    cpSync(join(root, 'packages', pkg, 'package.json'), join(to, 'package.json'));
  }
  writeFileSync(join(app, 'package.json'), '{"type":"module","private":true}');
  writeFileSync(
    join(app, 'run.js'),
    `// What an app without ws sees: the warning, then how each socket ends.
delete globalThis.WebSocket;
const warnings = [];
process.on('warning', (w) => warnings.push(w.code));
const { SockJS } = await import('@sockjs-ts/client');
function session(options) {
  return new Promise((resolve) => {
    const sock = new SockJS(process.argv[2], null, options);
    sock.onopen = () => {
      const transport = sock.transport;
      sock.close();
      resolve({ opened: transport });
    };
    sock.onclose = (e) => resolve({ closed: e.code, reason: e.reason });
  });
}
const forced = await session({ transports: ['websocket'], timeout: 2000 });
const fallback = await session({ timeout: 2000 });
console.log(JSON.stringify({ forced, fallback, warnings }));
`,
  );
  server = await startSockjsServer({}, [ECHO_SERVICE]);
});

after(async () => {
  await stopHttp(server.http, server.sockjs);
  rmSync(app, { recursive: true, force: true });
});

test('without WebSocket and ws: a warning with the reason, 2000 when forced, HTTP otherwise', async () => {
  const child = spawn(process.execPath, ['run.js', `${server.base}/echo`], {
    cwd: app,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const code = await new Promise((r) => child.on('exit', r));
  assert.equal(code, 0, err);
  const result = JSON.parse(out) as {
    forced: { closed?: number; reason?: string };
    fallback: { opened?: string };
    warnings: string[];
  };
  assert.equal(result.forced.closed, 2000);
  assert.equal(result.forced.reason, 'All transports failed');
  assert.equal(result.fallback.opened, 'xhr-streaming');
  assert.deepEqual(result.warnings, ['SOCKJS_WARN_NO_WEBSOCKET']);
  assert.match(err, /install the "ws" package/);
});
