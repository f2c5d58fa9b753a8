// Fills in the placeholders of haproxy.cfg and nginx.conf: `{{NAME}}` is
// replaced with a value; a line that holds a per-backend placeholder
// ({{ADDRESS}}, {{NAME}} in a `server` line) is repeated once per backend.
// Any placeholder left over is an error, so a config never starts half
// filled in. scripts/cluster.js and the tests (test/helpers/cluster.ts) both
// render these files through here.
//
//   import { renderDeployConfig } from './examples/deploy/render.js';
//   const text = renderDeployConfig('haproxy', {
//     listen: '127.0.0.1:8080',
//     backends: ['127.0.0.1:9001', '127.0.0.1:9002'],
//   });
import { readFileSync } from 'node:fs';

/** @typedef {'haproxy' | 'nginx'} ProxyKind */

/** The template of each proxy, next to this file. */
export const TEMPLATES = {
  haproxy: new URL('haproxy.cfg', import.meta.url),
  nginx: new URL('nginx.conf', import.meta.url),
};

const PER_BACKEND = ['ADDRESS', 'NAME'];

/**
 * @param {ProxyKind} kind
 * @param {{ listen: string, backends: readonly string[], dir?: string }} values
 *   `listen` and each backend as host:port; `dir` (nginx only) a directory
 *   of its own for the pid and temporary files.
 * @returns {string} the config, ready to write to a file
 */
export function renderDeployConfig(kind, { listen, backends, dir }) {
  if (backends.length === 0) throw new Error('at least one backend is needed');
  const template = readFileSync(TEMPLATES[kind], 'utf8');
  /** @type {Record<string, string | undefined>} */
  const global = { LISTEN: listen, DIR: dir };
  const lines = [];
  for (const line of template.split('\n')) {
    const names = [...line.matchAll(/\{\{([A-Z_]+)\}\}/g)].map((m) => m[1] ?? '');
    // Comments name the placeholders; only directives are filled in.
    if (names.length === 0 || line.trimStart().startsWith('#')) {
      lines.push(line);
    } else if (names.some((n) => PER_BACKEND.includes(n))) {
      backends.forEach((address, i) => {
        lines.push(fill(line, { ...global, ADDRESS: address, NAME: `node${i + 1}` }));
      });
    } else {
      lines.push(fill(line, global));
    }
  }
  return lines.join('\n');
}

/**
 * @param {string} line
 * @param {Record<string, string | undefined>} values
 */
function fill(line, values) {
  return line.replace(/\{\{([A-Z_]+)\}\}/g, (_, name) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for {{${name}}} in: ${line.trim()}`);
    return value;
  });
}
