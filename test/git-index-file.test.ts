// The git index read from its file (src/model/git-index-file.ts) against `git ls-files --stage`, on
// repositories made here: index versions 2, 3 (an intent-to-add entry) and 4 (paths stored against the
// previous one), executable files, a symlink, a gitlink, long and non-ASCII paths, a linked worktree, a
// repository with nothing added; and the cases the file reader leaves to git (a split index).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readGitIndexFile } from '../src/model/git-index-file.js';
import { clearModeCache, gitIndexMode, gitListedModes, REDIRECTING } from '../src/model/git-index.js';
import { repoRoot } from './helpers.js';
import { tempDir } from './temp-dir.js';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function repository(): string {
  const dir = tempDir('smoke-lint-git-index-');
  git(dir, 'init', '-q');
  return dir;
}

/** A work tree with the kinds of entry the index holds. */
function populate(dir: string): void {
  mkdirSync(path.join(dir, 'backend', 'tests', 'integration', 'scripts'), { recursive: true });
  mkdirSync(path.join(dir, 'scripts'), { recursive: true });
  writeFileSync(path.join(dir, 'README.md'), '# x\n');
  writeFileSync(path.join(dir, 'backend', 'tests', 'integration', 'scripts', 'test-db.sh'), '#!/bin/bash\necho db\n');
  chmodSync(path.join(dir, 'backend', 'tests', 'integration', 'scripts', 'test-db.sh'), 0o755);
  writeFileSync(path.join(dir, 'scripts', 'test-integration.sh'), '#!/bin/bash\necho run\n');
  writeFileSync(path.join(dir, 'scripts', 'ünïcode name.sh'), 'echo u\n');
  const long = 'd'.repeat(120);
  mkdirSync(path.join(dir, long, long), { recursive: true });
  writeFileSync(path.join(dir, long, long, `${'f'.repeat(100)}.sh`), 'echo long\n');
  for (let i = 0; i < 30; i++) writeFileSync(path.join(dir, 'backend', `module_${String(i).padStart(2, '0')}.py`), `x = ${i}\n`);
  symlinkSync('test-integration.sh', path.join(dir, 'scripts', 'link.sh'));
  git(dir, 'add', '-A');
  // A gitlink (a submodule's commit), added straight to the index.
  git(dir, 'update-index', '--add', '--cacheinfo', `160000,${'1'.repeat(40)},vendor/sub`);
}

test('the index file reads as git ls-files --stage lists it: versions 2, 3 and 4', () => {
  for (const version of ['2', '3', '4']) {
    const dir = repository();
    populate(dir);
    if (version === '3') {
      // An intent-to-add entry carries extended flags, which need version 3.
      writeFileSync(path.join(dir, 'later.sh'), 'echo later\n');
      git(dir, 'add', '-N', 'later.sh');
    }
    git(dir, 'update-index', '--index-version', version);
    assert.equal(readFileSync(path.join(dir, '.git', 'index')).readUInt32BE(4), Number(version), 'the index file has the version asked for');
    const fromFile = readGitIndexFile(dir);
    const fromGit = gitListedModes(dir);
    assert.ok(fromFile !== undefined, `version ${version} is read from the file`);
    assert.ok(fromGit !== null && fromGit.size > 35);
    assert.deepEqual([...fromFile.entries()], [...fromGit.entries()], `index version ${version}`);
    assert.equal(fromFile.get(path.join(dir, 'backend', 'tests', 'integration', 'scripts', 'test-db.sh')), '100755');
    assert.equal(fromFile.get(path.join(dir, 'scripts', 'test-integration.sh')), '100644');
    assert.equal(fromFile.get(path.join(dir, 'scripts', 'link.sh')), '120000');
    assert.equal(fromFile.get(path.join(dir, 'vendor', 'sub')), '160000');
    assert.equal(fromFile.get(path.join(dir, 'scripts', 'ünïcode name.sh')), '100644');
  }
});

test('a linked worktree is read from the index its .git file points to; a repository with nothing added has an empty index', () => {
  const dir = repository();
  populate(dir);
  git(dir, 'commit', '-qm', 'base');
  const worktree = path.join(tempDir('smoke-lint-worktree-'), 'wt');
  git(dir, 'worktree', 'add', '-q', worktree);
  chmodSync(path.join(worktree, 'scripts', 'test-integration.sh'), 0o755);
  git(worktree, 'update-index', '--chmod=+x', 'scripts/test-integration.sh');
  const fromFile = readGitIndexFile(worktree);
  assert.ok(fromFile !== undefined);
  assert.deepEqual([...fromFile.entries()], [...gitListedModes(worktree)!.entries()]);
  assert.equal(fromFile.get(path.join(worktree, 'scripts', 'test-integration.sh')), '100755');
  // The main work tree's index is its own.
  assert.equal(readGitIndexFile(dir)!.get(path.join(dir, 'scripts', 'test-integration.sh')), '100644');

  const empty = repository();
  assert.deepEqual(readGitIndexFile(empty), new Map());
  assert.deepEqual(gitListedModes(empty), new Map());
});

test('a split index is left to git, and a folder outside any repository has no index file', () => {
  const dir = repository();
  populate(dir);
  git(dir, 'update-index', '--split-index');
  writeFileSync(path.join(dir, 'after-split.sh'), 'echo s\n');
  git(dir, 'add', 'after-split.sh');
  assert.equal(readGitIndexFile(dir), undefined);
  assert.ok(gitListedModes(dir)!.has(path.join(dir, 'after-split.sh')));
  assert.equal(readGitIndexFile(tempDir('smoke-lint-no-repo-')), undefined);
});

test('GIT_INDEX_FILE, as a commit hook has it, names the index read, as it does for git', () => {
  const dir = repository();
  populate(dir);
  git(dir, 'commit', '-qm', 'base');
  const script = path.join(dir, 'scripts', 'test-integration.sh');
  // Another index (as `git commit` prepares one for its hooks) where the script is executable; the repository's own says it is not.
  execFileSync('cp', [path.join(dir, '.git', 'index'), path.join(dir, '.git', 'next-index')]);
  execFileSync('git', ['update-index', '--chmod=+x', 'scripts/test-integration.sh'], { cwd: dir, env: { ...process.env, GIT_INDEX_FILE: '.git/next-index' } });
  const saved = process.env.GIT_INDEX_FILE;
  try {
    clearModeCache();
    assert.equal(gitIndexMode(script), '100644');
    process.env.GIT_INDEX_FILE = '.git/next-index';
    clearModeCache();
    assert.equal(gitIndexMode(script), '100755', 'the named index is read');
    assert.equal(gitListedModes(dir)!.get(script), '100755', 'as git reads it');
    assert.deepEqual([...readGitIndexFile(dir, path.join(dir, '.git', 'next-index'))!.entries()], [...gitListedModes(dir)!.entries()]);
  } finally {
    if (saved === undefined) delete process.env.GIT_INDEX_FILE;
    else process.env.GIT_INDEX_FILE = saved;
    clearModeCache();
  }
});

test('the launcher loads child_process early for the same variables that send the git index to git itself', () => {
  // bin/smoke-lint.js is CommonJS and runs before the CLI loads, so it keeps its own copy of the list.
  const launcher = readFileSync(path.join(repoRoot, 'bin', 'smoke-lint.js'), 'utf8');
  const line = launcher.split('\n').find((text) => text.includes("require('node:child_process')"));
  assert.ok(line, 'the launcher loads child_process on a condition');
  const listed = [...line.matchAll(/'(GIT_[A-Z_]+)'/g)].map((match) => match[1]);
  assert.deepEqual(listed, [...REDIRECTING]);
});
