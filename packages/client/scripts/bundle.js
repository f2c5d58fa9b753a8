#!/usr/bin/env node
// Bundles the client with esbuild (tsc emits only the .d.ts files):
//   dist/{browser,node,websocket.browser,websocket.node}.js  ESM, protocol inlined
//   dist/sockjs.min.js            IIFE for a script tag, global SockJS
//   dist/sockjs-websocket.min.js  IIFE, WebSocket-only (for the size budget)
//   dist/reconnecting.{browser,node}.js  ESM, ReconnectingSockJS (no CommonJS
//       twin: Node 20.19+ can require() it)
//   dist/sockjs-reconnecting.min.js  IIFE, globals SockJS and ReconnectingSockJS
//   dist/{browser,node,websocket.browser,websocket.node}.cjs  CommonJS, whose
//       module.exports is the SockJS constructor (as sockjs-client's is), with
//       `SockJS`, `default` and the entry's other names on it
//   dist/**/*.d.cts  the types of the CommonJS files (see commonJsTypes)
// The protocol is bundled from its source, so that its enums (the close
// codes) and constants become literals.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { writeCommonJsTwins } from '../../../scripts/cjs-types.js';

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

/**
 * Property names that only our own modules read (the transport interface
 * and the environment): the script-tag bundles, where nothing else can see
 * them, shorten them (about 40 bytes gzip on the WebSocket-only bundle).
 */
const INTERNAL_PROPS =
  /^(sockOptions|roundTrips|baseUrl|onFrame|onClose|hasWebSocket|pageUrl|webSocket|eventSource|enabled|flushed|discover|messages|facts|sock|resumeQuery|emptyBatch|sendBatch|resumeWindow|create|http|env)$/;

const ENTRIES = ['browser', 'node', 'websocket.browser', 'websocket.node'];

/**
 * Types for the CommonJS files: .d.cts twins of every .d.ts (see
 * scripts/cjs-types.js), except that an entry's twin is
 * `<entry>.names.d.cts` and `<entry>.d.cts` says what the .cjs really exports:
 * the class itself (`export =`), with the entry's names on it.
 */
function commonJsTypes() {
  const dist = join(pkg, 'dist');
  writeCommonJsTwins(dist, (file) => {
    const entry = ENTRIES.find((name) => file === join(dist, name + '.d.ts'));
    return entry && join(dist, entry + '.names.d.cts');
  });
  // Each name a declaration file exports, value or type, following its
  // `export * from` lines.
  const exportedNames = (file) => {
    const text = readFileSync(file, 'utf8');
    const own = [...text.matchAll(/export \{([^}]*)\}/g)]
      .flatMap((m) => m[1].split(','))
      .map((n) => n.trim())
      .filter(Boolean);
    const starred = [...text.matchAll(/export (?:type )?\* from '\.\/([^']+)\.cjs'/g)].flatMap(
      (m) => exportedNames(join(dist, m[1] + '.d.cts')),
    );
    return [...own, ...starred];
  };
  for (const entry of ENTRIES) {
    // Each name the entry exports becomes a member of the namespace.
    const names = exportedNames(join(dist, entry + '.names.d.cts'));
    writeFileSync(
      join(dist, entry + '.d.cts'),
      `// Types of ${entry}.cjs, whose module.exports is the SockJS class with the
// entry's names on it: require() gives the constructor, as sockjs-client's does.
import * as entry from './${entry}.names.cjs';
declare class SockJS extends entry.SockJS {
  static readonly default: typeof SockJS;
}
declare namespace SockJS {
  export import SockJS = entry.SockJS;
${names.map((n) => `  export import ${n} = entry.${n};`).join('\n')}
}
export = SockJS;
`,
    );
  }
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
      entryPoints: ['src/browser.ts', 'src/websocket.browser.ts', 'src/reconnecting.browser.ts'],
      outdir: 'dist',
      format: 'esm',
      platform: 'browser',
      keepNames: true,
    }),
    build({
      ...common,
      entryPoints: ['src/node.ts', 'src/websocket.node.ts', 'src/reconnecting.node.ts'],
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
      mangleProps: INTERNAL_PROPS,
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
      mangleProps: INTERNAL_PROPS,
    }),
    build({
      ...common,
      stdin: {
        contents:
          "import { ReconnectingSockJS, SockJS } from './src/reconnecting.browser.ts'; globalThis.SockJS = SockJS; globalThis.ReconnectingSockJS = ReconnectingSockJS;",
        resolveDir: pkg,
        loader: 'ts',
      },
      outfile: 'dist/sockjs-reconnecting.min.js',
      format: 'iife',
      platform: 'browser',
      minify: true,
      mangleProps: INTERNAL_PROPS,
    }),
    commonJs(common, 'browser.ts', 'dist/browser.cjs', 'browser'),
    commonJs(common, 'websocket.browser.ts', 'dist/websocket.browser.cjs', 'browser'),
    commonJs(common, 'node.ts', 'dist/node.cjs', 'node'),
    commonJs(common, 'websocket.node.ts', 'dist/websocket.node.cjs', 'node'),
  ]);
  commonJsTypes();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundle();
