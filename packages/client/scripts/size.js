#!/usr/bin/env node
// Prints the gzip sizes of our bundles next to sockjs-client 1.6.1's.
// usage: node packages/client/scripts/size.js   (after npm run build)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('../../../', import.meta.url));

export const BUDGETS = {
  'packages/client/dist/sockjs.min.js': 6 * 1024,
  'packages/client/dist/sockjs-websocket.min.js': 2 * 1024,
  // The full client with ReconnectingSockJS: the client's budget plus 1 KB.
  'packages/client/dist/sockjs-reconnecting.min.js': 7 * 1024,
};

export function sizeOf(path) {
  const bytes = readFileSync(root + path);
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

export function measure() {
  return {
    'packages/client/dist/sockjs.min.js': sizeOf('packages/client/dist/sockjs.min.js'),
    'packages/client/dist/sockjs-websocket.min.js': sizeOf(
      'packages/client/dist/sockjs-websocket.min.js',
    ),
    'packages/client/dist/sockjs-reconnecting.min.js': sizeOf(
      'packages/client/dist/sockjs-reconnecting.min.js',
    ),
    'node_modules/sockjs-client/dist/sockjs.min.js (1.6.1)': sizeOf(
      'node_modules/sockjs-client/dist/sockjs.min.js',
    ),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = Object.entries(measure());
  const width = Math.max(...rows.map(([name]) => name.length));
  console.log('bundle'.padEnd(width), '  minified', '     gzip', '  budget');
  for (const [name, { raw, gzip }] of rows) {
    const budget = BUDGETS[name];
    console.log(
      name.padEnd(width),
      String(raw).padStart(10),
      String(gzip).padStart(9),
      budget ? String(budget).padStart(8) : '       -',
    );
  }
}
