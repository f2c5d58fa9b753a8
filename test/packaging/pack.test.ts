// The packages as an app gets them: `npm pack` of protocol, server and client,
// the tarballs installed into a scratch app outside the workspace (in the OS
// temp dir, `ws` from the npm cache or the registry), then apps written the
// ways users write them run there over real sockets, and tsc checks
// TypeScript apps against the installed types (no skipLibCheck: our .d.ts
// files are checked too). Needs a build (`npm test` builds first).

import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { withDeadline } from '../helpers/timing.ts';
import { runTsc } from '../helpers/typecheck.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const PACKAGES = ['protocol', 'server', 'client'];
const NODE_TRANSPORTS = ['websocket', 'xhr-streaming', 'eventsource', 'xhr-polling'];

interface Conversation {
  transport: string | null;
  got: string[];
  code?: number;
}

/** Runs `file` with node in `cwd`; returns its stdout lines parsed as JSON. */
async function runApp(cwd: string, file: string, args: string[] = []): Promise<Conversation[]> {
  const { stdout } = await run(process.execPath, [file, ...args], {
    cwd,
    timeout: 30_000,
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Conversation);
}

/** Starts a server app that prints `listening <port>`; returns it and its port. */
async function startServer(
  cwd: string,
  file: string,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [file], {
    cwd,
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [chunk] = (await withDeadline(
    once(child.stdout!, 'data'),
    10_000,
    `${file} listening`,
  )) as [Buffer];
  const port = Number(/listening (\d+)/.exec(chunk.toString())?.[1]);
  assert.ok(port > 0, chunk.toString());
  return { child, port };
}

/** The TypeScript projects: each a directory with its package.json and tsconfig.json. */
const TYPE_PROJECTS = [
  {
    name: 'ESM, module nodenext, lib ES2022 without DOM',
    dir: 'ts-esm',
    type: 'module',
    file: 'esm.ts',
    options: { module: 'nodenext', lib: ['ES2022'], types: ['node'] },
  },
  {
    name: 'CommonJS, module node16',
    dir: 'ts-cjs-node16',
    type: 'commonjs',
    file: 'cjs.ts',
    options: { module: 'node16', lib: ['ES2022'], types: ['node'] },
  },
  {
    name: 'CommonJS, module nodenext',
    dir: 'ts-cjs-nodenext',
    type: 'commonjs',
    file: 'cjs.ts',
    options: { module: 'nodenext', lib: ['ES2022'], types: ['node'] },
  },
  {
    name: 'client only, lib ES2022 alone (neither DOM nor Node types)',
    dir: 'ts-no-dom',
    type: 'module',
    file: 'no-dom.ts',
    options: { module: 'nodenext', lib: ['ES2022'], types: [] },
  },
  {
    name: 'script tag: the global SockJS from @sockjs-ts/client/global',
    dir: 'ts-script-tag',
    type: 'module',
    file: 'page.ts',
    options: { module: 'nodenext', lib: ['ES2022', 'DOM'], types: [] },
  },
];

describe('the packed packages, installed into an app outside the workspace', () => {
  let scratch: string;
  let app: string;
  let packed: { name: string; filename: string; files: { path: string }[] }[];

  before(
    async () => {
      scratch = mkdtempSync(join(tmpdir(), 'sockjs-ts-pack-'));
      const tarballs = join(scratch, 'tarballs');
      app = join(scratch, 'app');
      mkdirSync(tarballs);
      mkdirSync(app);
      const workspaces = PACKAGES.flatMap((p) => ['-w', `packages/${p}`]);
      const { stdout } = await run(
        'npm',
        ['pack', '--json', '--pack-destination', tarballs, ...workspaces],
        { cwd: root },
      );
      packed = JSON.parse(stdout) as typeof packed;
      assert.deepEqual(
        packed.map((p) => p.name).sort(),
        PACKAGES.map((p) => `@sockjs-ts/${p}`).sort(),
      );
      const dependencies = Object.fromEntries(
        packed.map((p) => [p.name, `file:${join(tarballs, p.filename)}`]),
      );
      writeFileSync(
        join(app, 'package.json'),
        JSON.stringify({ name: 'scratch-app', private: true, dependencies }, null, 2),
      );
      await run(
        'npm',
        [
          'install',
          '--prefer-offline',
          '--no-audit',
          '--no-fund',
          '--ignore-scripts',
          '--loglevel=error',
        ],
        { cwd: app },
      );
      for (const file of ['esm-app.mjs', 'echo-server.cjs', 'sockjs-client-app.cjs'])
        copyFileSync(join(fixtures, file), join(app, file));
      for (const project of TYPE_PROJECTS) {
        const dir = join(app, project.dir);
        mkdirSync(dir);
        copyFileSync(join(fixtures, 'types', project.file), join(dir, project.file));
        writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: project.type }));
        writeFileSync(
          join(dir, 'tsconfig.json'),
          JSON.stringify({
            compilerOptions: {
              ...project.options,
              target: 'ES2022',
              strict: true,
              noEmit: true,
              // Node's types come from the repository; nothing else does.
              typeRoots: [join(root, 'node_modules/@types')],
            },
            files: [project.file],
          }),
        );
      }
    },
    { timeout: 180_000 },
  );

  after(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  test('each tarball holds LICENSE, README.md, package.json and dist, and nothing else but src', () => {
    for (const { name, files } of packed) {
      const paths = files.map((f) => f.path);
      for (const needed of ['LICENSE', 'README.md', 'package.json'])
        assert.ok(paths.includes(needed), `${name} lacks ${needed}`);
      assert.ok(
        paths.some((p) => p.startsWith('dist/') && p.endsWith('.d.cts')),
        `${name} lacks its CommonJS types`,
      );
      const stray = paths.filter(
        (p) => !/^(dist|src)\//.test(p) && !['LICENSE', 'README.md', 'package.json'].includes(p),
      );
      assert.deepEqual(stray, [], `${name} ships files outside dist and src`);
      assert.ok(!paths.some((p) => p.endsWith('.tsbuildinfo')), `${name} ships tsbuildinfo`);
    }
  });

  test('an ESM app: server and client from the tarballs echo over every Node transport', {
    timeout: 60_000,
  }, async () => {
    const results = await runApp(app, 'esm-app.mjs');
    assert.deepEqual(
      results,
      NODE_TRANSPORTS.map((t) => ({ transport: t, got: [`ping ${t}`] })),
    );
  });

  test('a sockjs-node app (require, conn.pipe(conn)) echoes to a sockjs-client app (const SockJS = require(...); new SockJS(url))', {
    timeout: 60_000,
  }, async () => {
    const { child, port } = await startServer(app, 'echo-server.cjs');
    try {
      const results = await runApp(app, 'sockjs-client-app.cjs', [
        `http://127.0.0.1:${port}/echo`,
        ...NODE_TRANSPORTS,
      ]);
      const say = ['hello', 'two ☃', '"quoted"\n'];
      assert.deepEqual(
        results,
        NODE_TRANSPORTS.map((t) => ({ transport: t, got: say, code: 1000 })),
      );
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  for (const project of TYPE_PROJECTS) {
    test(`tsc --strict --noEmit: ${project.name}`, { timeout: 60_000 }, () => {
      const { status, output } = runTsc(join(app, project.dir), [
        '-p',
        '.',
        '--strict',
        '--noEmit',
      ]);
      assert.equal(status, 0, output);
    });
  }
});
