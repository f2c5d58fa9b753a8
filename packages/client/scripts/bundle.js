#!/usr/bin/env node
// Bundles the client with esbuild (tsc emits only the .d.ts files):
//   dist/{browser,node,websocket.browser,websocket.node}.js  ESM, protocol inlined
//   dist/sockjs.min.js            IIFE for a script tag, global SockJS
//   dist/sockjs-websocket.min.js  IIFE, WebSocket-only (for the size budget)
// The protocol is bundled from its source, so that its enums (the close
// codes) and constants become literals.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const pkg = fileURLToPath(new URL('..', import.meta.url));

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
    }),
    build({
      ...common,
      entryPoints: ['src/node.ts', 'src/websocket.node.ts'],
      outdir: 'dist',
      format: 'esm',
      platform: 'node',
      external: ['ws'],
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
  ]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundle();
