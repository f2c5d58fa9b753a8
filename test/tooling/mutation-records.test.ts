// When a mutation run's record stops describing the work tree
// (scripts/mutation-records.js), on a git repository made for the test.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { changedSince, treeState } from '../../scripts/mutation-records.js';

let repo: string;
const git = (...args: string[]) =>
  execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
const write = (path: string, text: string) => writeFileSync(join(repo, path), text);
const DEPENDS = ['src', 'test/a.test.ts'];

before(() => {
  repo = mkdtempSync(join(tmpdir(), 'mutation-records-'));
  git('init', '-q');
  git('config', 'user.email', 'test@example.invalid');
  git('config', 'user.name', 'test');
  execFileSync('mkdir', ['-p', 'src', 'test', 'docs'], { cwd: repo });
  write('src/a.ts', 'export const a = 1;\n');
  write('test/a.test.ts', 'a\n');
  write('test/b.test.ts', 'b\n');
  write('docs/a.md', 'a\n');
  write('.gitignore', 'reports/\n');
  git('add', '-A');
  git('commit', '-qm', 'first');
});

after(() => rmSync(repo, { recursive: true, force: true }));

test('a record is current on its commit, and after commits that touch nothing it depends on', () => {
  const state = treeState(repo, DEPENDS);
  assert.equal(state.commit, git('rev-parse', 'HEAD'));
  assert.deepEqual(state.dirty, []);
  write('docs/a.md', 'changed\n');
  write('test/b.test.ts', 'changed\n');
  git('commit', '-qam', 'docs and another test');
  execFileSync('mkdir', ['-p', 'reports'], { cwd: repo });
  write('reports/x.json', '{}');
  assert.deepEqual(changedSince(repo, DEPENDS, state.commit), []);
});

test('edited, committed, deleted or new files under what it depends on make it stale', () => {
  const { commit } = treeState(repo, DEPENDS);
  write('src/a.ts', 'export const a = 2;\n');
  assert.deepEqual(changedSince(repo, DEPENDS, commit), ['src/a.ts']);
  git('commit', '-qam', 'a = 2');
  assert.deepEqual(changedSince(repo, DEPENDS, commit), ['src/a.ts']);
  write('src/new.ts', 'export {};\n');
  assert.deepEqual(changedSince(repo, DEPENDS, commit), ['src/a.ts', 'src/new.ts']);
  git('rm', '-q', 'test/a.test.ts');
  assert.deepEqual(changedSince(repo, DEPENDS, commit), [
    'src/a.ts',
    'test/a.test.ts',
    'src/new.ts',
  ]);
  // Back to the recorded content: current again.
  git('checkout', '-q', commit, '--', 'src/a.ts', 'test/a.test.ts');
  rmSync(join(repo, 'src/new.ts'));
  assert.deepEqual(changedSince(repo, DEPENDS, commit), []);
});

test('a run on uncommitted changes is dirty from the start; an unknown commit is a change', () => {
  write('src/a.ts', 'export const a = 3;\n');
  assert.deepEqual(treeState(repo, DEPENDS).dirty, ['src/a.ts']);
  assert.deepEqual(changedSince(repo, DEPENDS, '0123456789abcdef0123456789abcdef01234567'), [
    '(commit 0123456789abcdef0123456789abcdef01234567 not found)',
  ]);
});
