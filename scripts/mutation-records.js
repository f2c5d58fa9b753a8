// Whether a mutation run's record still describes the work tree
// (scripts/mutate.js): a record names the commit it ran on, and stays current
// while none of the paths its outcome depends on differ from that commit.
import { spawnSync } from 'node:child_process';

function git(root, args) {
  const result = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  return { ok: result.status === 0, out: (result.stdout ?? '').trim() };
}

/**
 * The files under `paths` that differ between `commit` and the work tree of
 * the repository at `root`: changed, added, deleted or untracked (ignored
 * files aside). A commit git does not know counts as a change.
 */
export function changedSince(root, paths, commit) {
  const diff = git(root, ['diff', '--name-only', commit, '--', ...paths]);
  if (!diff.ok) return [`(commit ${commit} not found)`];
  const untracked = git(root, ['ls-files', '--others', '--exclude-standard', '--', ...paths]);
  return [...new Set([...diff.out.split('\n'), ...untracked.out.split('\n')])].filter(
    (line) => line !== '',
  );
}

/** The commit checked out at `root`, and the files under `paths` that differ from it now. */
export function treeState(root, paths) {
  const commit = git(root, ['rev-parse', 'HEAD']).out;
  return { commit, dirty: changedSince(root, paths, commit), at: new Date() };
}
