// Type tests: compiles a fixture of a package under strict settings with no
// emit. Every @ts-expect-error in the fixture must be needed, so the fixture
// proves both that right usage compiles and that wrong usage does not.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));

/** Runs the repository's tsc with `args` in `cwd`; returns its status and output. */
export function runTsc(cwd: string, args: string[]): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [tsc, ...args], { cwd, encoding: 'utf8' });
  return { status: result.status, output: result.stdout + result.stderr };
}

/** Runs tsc on `fixture` (relative to `packageDir`); returns its status and output. */
export function typecheckFixture(
  packageDir: string,
  fixture: string,
  lib = 'ES2022',
): { status: number | null; output: string } {
  return runTsc(packageDir, [
    '--noEmit',
    '--strict',
    '--noUncheckedIndexedAccess',
    '--target',
    'ES2022',
    '--module',
    'NodeNext',
    '--moduleResolution',
    'NodeNext',
    '--lib',
    lib,
    '--types',
    'node',
    '--skipLibCheck',
    fixture,
  ]);
}
