// The git index, read once per repository, kept as a map from absolute path to mode. SL701 asks for one
// script at a time; asking git once per script cost a process per file. The index file itself is read
// when it is a plain one (src/model/git-index-file.ts): the repository's, or the one GIT_INDEX_FILE names
// (a commit hook runs with it set to the index being committed). Otherwise, and whenever the environment
// points git at another repository or work tree, git is asked: `git ls-files --stage`, run as a program
// (never through a shell), and any failure (no git, not a repository, a repository git refuses) means
// "the index has nothing to say".
import { createRequire } from 'node:module';
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { certainlyMissing } from '../folder-listings.js';
import { readGitIndexFile } from './git-index-file.js';

const require = createRequire(import.meta.url);

/** Work-tree root → (absolute path → mode), or null when git could not be read there. */
const repositories = new Map<string, Map<string, string> | null>();
/** Directory → the work-tree root above it (null: none), so that each folder is looked up once. */
const rootOfDir = new Map<string, string | null>();

/** The nearest folder at or above `dir` holding a `.git` entry (a folder, or a file for worktrees and submodules). */
function workTreeRoot(dir: string): string | null {
  const known = rootOfDir.get(dir);
  if (known !== undefined) return known;
  const parent = path.dirname(dir);
  const marker = path.join(dir, '.git');
  const found = !certainlyMissing(marker) && existsSync(marker) ? dir : parent === dir ? null : workTreeRoot(parent);
  rootOfDir.set(dir, found);
  return found;
}

/** Variables that make git read another repository or work tree than the folder's own (bin/smoke-lint.js lists them too, to load child_process early; test/git-index-file.test.ts keeps the two lists the same). */
export const REDIRECTING: readonly string[] = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_COMMON_DIR'];

function readIndex(root: string): Map<string, string> | null {
  if (!REDIRECTING.some((name) => process.env[name] !== undefined)) {
    // git, run in `root`, reads a relative GIT_INDEX_FILE from there.
    const named = process.env.GIT_INDEX_FILE;
    const read = readGitIndexFile(root, named ? path.resolve(root, named) : undefined);
    if (read !== undefined) return read;
  }
  return gitListedModes(root);
}

/** The index as `git ls-files --stage` lists it in the work tree at `root`; null when git cannot be run there. */
export function gitListedModes(root: string): Map<string, string> | null {
  // Loaded only here: node's child_process (and the streams it loads) cost a run that never spawns about 8 ms.
  const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
  let output: string;
  try {
    output = execFileSync('git', ['ls-files', '--stage', '-z'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 30_000,
      maxBuffer: 1024 * 1024 * 1024,
      windowsHide: true,
    });
  } catch {
    return null;
  }
  const modes = new Map<string, string>();
  // `<mode> <object> <stage>\t<path>\0`; a conflicted file has several entries, all with the same mode in practice.
  for (const entry of output.split('\0')) {
    const tab = entry.indexOf('\t');
    if (tab < 0) continue;
    const file = path.join(root, ...entry.slice(tab + 1).split('/'));
    if (!modes.has(file)) modes.set(file, entry.slice(0, entry.indexOf(' ')));
  }
  return modes;
}

/** The file's mode in the git index (`100644`, `100755`...); null when git is missing, or the file is not tracked. */
export function gitIndexMode(file: string): string | null {
  let dir: string;
  try {
    // Git sees the real folders: a path through a symlinked folder names the file its target holds.
    dir = realpathSync.native(path.dirname(path.resolve(file)));
  } catch {
    return null;
  }
  const root = workTreeRoot(dir);
  if (root === null) return null;
  let modes = repositories.get(root);
  if (modes === undefined) {
    modes = readIndex(root);
    repositories.set(root, modes);
  }
  return modes?.get(path.join(dir, path.basename(file))) ?? null;
}

/** Forgets the indexes read (tests and fixes change the index and the folders between runs). */
export function clearModeCache(): void {
  repositories.clear();
  rootOfDir.clear();
}
