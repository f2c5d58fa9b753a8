#!/usr/bin/env node
// CommonJS twins of the declarations that tsc emits: every dist/**/*.d.ts
// gets a .d.cts beside it whose relative imports point at the other twins.
// A TypeScript project that compiles to CommonJS (`module: node16`, or
// `nodenext` in a package without "type": "module") resolves a package's
// "require" condition, and must land on CommonJS-format declarations there,
// or it fails with TS1471/TS1479. At run time `require()` of the ESM builds
// works on the Node versions we support (20.19+), so the twins describe the
// same module: its named exports, `default` among them.
// usage: node scripts/cjs-types.js <package dir>...   (after tsc)
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Every `.d.ts` under `dir`, recursively. */
function declarations(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? declarations(join(dir, e.name))
      : e.name.endsWith('.d.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

/**
 * Writes the twin of each .d.ts under `dist`; `twinPath` may place one
 * elsewhere (return undefined for the default, `<name>.d.cts`). Twins re-export
 * types with plain `export {}` so that `import X = twin.X` aliases may name them.
 */
export function writeCommonJsTwins(dist, twinPath = () => undefined) {
  for (const file of declarations(dist)) {
    const text = readFileSync(file, 'utf8')
      .replace(/((?:from |import\()['"]\.\.?\/[^'"]+)\.js(['"])/g, '$1.cjs$2')
      .replace(/^export type \{/gm, 'export {')
      .replace(/^export type \* from/gm, 'export * from')
      .replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n');
    writeFileSync(twinPath(file) ?? file.replace(/\.d\.ts$/, '.d.cts'), text);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const dir of process.argv.slice(2)) writeCommonJsTwins(join(resolve(dir), 'dist'));
}
