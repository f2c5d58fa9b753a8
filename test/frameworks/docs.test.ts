// The docs show what the tests run: every recipe of examples/frameworks/ in
// the README is that file, byte for byte; the bundle path the README gives is
// the one the server serves; docs/proxies.md's sticky recipes are the
// directives test/client/sticky.test.ts runs (compared line by line without
// indentation, since the test's configuration nests them), and its
// deployment files are examples/deploy's, which test/scale runs, byte for byte.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { NGINX_SESSION_MAP } from '../helpers/proxies.ts';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** The fenced code blocks of a Markdown text, without their fences. */
function codeBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```[a-z]*\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? '');
}

const trimmedLines = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');

test('the README shows each framework recipe exactly as the tests run it', () => {
  const blocks = codeBlocks(read('README.md'));
  for (const file of ['express.js', 'fastify.js', 'koa.js', 'https.js', 'typescript-app.ts']) {
    const source = read(`examples/frameworks/${file}`);
    assert.ok(blocks.includes(source), `README.md has no code block equal to ${file}`);
  }
});

test('the README’s script tag names the bundle the server serves', () => {
  const { version } = JSON.parse(read('packages/client/package.json')) as { version: string };
  assert.ok(read('README.md').includes(`<script src="/echo/sockjs-ts-client-${version}.min.js">`));
});

test('docs/proxies.md’s sticky recipes are the tested directives', () => {
  const blocks = codeBlocks(read('docs/proxies.md'));
  const haproxy = blocks.find((b) => b.includes('balance hash'));
  const nginx = blocks.find((b) => b.includes('map $uri'));
  assert.ok(haproxy !== undefined && nginx !== undefined);
  const helpers = read('test/helpers/proxies.ts');
  for (const directive of ['balance hash path,field(-2,/)', 'hash-type consistent']) {
    assert.ok(trimmedLines(haproxy).includes(directive), directive);
    assert.ok(helpers.includes(directive), directive);
  }
  const map = trimmedLines(NGINX_SESSION_MAP);
  const lines = trimmedLines(nginx);
  assert.deepEqual(lines.slice(0, map.length), map);
  assert.ok(lines.includes('hash $sockjs_session consistent;'));
  assert.ok(helpers.includes("'hash $sockjs_session consistent;'"));
});

test('docs/proxies.md shows examples/deploy’s HAProxy and nginx files byte for byte', () => {
  const blocks = codeBlocks(read('docs/proxies.md'));
  for (const file of ['examples/deploy/haproxy.cfg', 'examples/deploy/nginx.conf']) {
    assert.ok(blocks.includes(read(file)), `docs/proxies.md has no code block equal to ${file}`);
  }
  // The short sticky recipes above them are the same directives.
  const haproxy = trimmedLines(read('examples/deploy/haproxy.cfg'));
  for (const directive of ['balance hash path,field(-2,/)', 'hash-type consistent']) {
    assert.ok(haproxy.includes(directive), directive);
  }
  const nginx = trimmedLines(read('examples/deploy/nginx.conf'));
  const map = trimmedLines(NGINX_SESSION_MAP);
  const at = nginx.indexOf(map[0]!);
  assert.deepEqual(nginx.slice(at, at + map.length), map);
  assert.ok(nginx.includes('hash $sockjs_session consistent;'));
});
