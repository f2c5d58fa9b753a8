#!/usr/bin/env node
// Bundles the client with esbuild (tsc emits only the .d.ts files):
//   dist/{browser,node,websocket.browser,websocket.node}.js  ESM, protocol inlined
//   dist/sockjs.min.js            IIFE for a script tag, global SockJS
//   dist/sockjs-websocket.min.js  IIFE, WebSocket-only (for the size budget)
//   dist/{browser,node,websocket.browser,websocket.node}.cjs  CommonJS, whose
//       module.exports is the SockJS constructor (as sockjs-client's is), with
//       `SockJS`, `default` and the entry's other names on it
// The protocol is bundled from its source, so that its enums (the close
// codes) and constants become literals.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const pkg = fileURLToPath(new URL('..', import.meta.url));

/**
 * A CommonJS entry for `entry` (a path under src/) whose module.exports is
 * its SockJS class, with its named exports (`default` among them) on it too.
 */
function commonJs(common, entry, outfile, platform) {
  return build({
    ...common,
    stdin: {
      contents: `const entry = require('./src/${entry}');
module.exports = Object.assign(entry.SockJS, entry);`,
      resolveDir: pkg,
      loader: 'js',
    },
    outfile,
    format: 'cjs',
    platform,
    external: ['ws'],
    // The class keeps its name (SockJS, not the SockJS2 that bundling the
    // subclass and its base would give it), as sockjs-client's does.
    keepNames: true,
  });
}

export async function bundle() {
  const common = {
    absWorkingDir: pkg,
    bundle: true,
    target: 'es2022',
    logLevel: 'warning',
    alias: { '@sockjs-ts/protocol': '../protocol/src/index.ts' },
  };
  await Promise.all([
    build({
      ...common,
      entryPoints: ['src/browser.ts', 'src/websocket.browser.ts'],
      outdir: 'dist',
      format: 'esm',
      platform: 'browser',
      keepNames: true,
    }),
    build({
      ...common,
      entryPoints: ['src/node.ts', 'src/websocket.node.ts'],
      outdir: 'dist',
      format: 'esm',
      platform: 'node',
      external: ['ws'],
      keepNames: true,
    }),
    build({
      ...common,
      entryPoints: { 'sockjs.min': 'src/global.ts' },
      outdir: 'dist',
      format: 'iife',
      platform: 'browser',
      minify: true,
    }),
    build({
      ...common,
      stdin: {
        contents:
          "import { SockJS } from './src/websocket.browser.ts'; globalThis.SockJS = SockJS;",
        resolveDir: pkg,
        loader: 'ts',
      },
      outfile: 'dist/sockjs-websocket.min.js',
      format: 'iife',
      platform: 'browser',
      minify: true,
    }),
    commonJs(common, 'browser.ts', 'dist/browser.cjs', 'browser'),
    commonJs(common, 'websocket.browser.ts', 'dist/websocket.browser.cjs', 'browser'),
    commonJs(common, 'node.ts', 'dist/node.cjs', 'node'),
    commonJs(common, 'websocket.node.ts', 'dist/websocket.node.cjs', 'node'),
  ]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundle();
