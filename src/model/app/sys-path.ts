// sys.path at test time: pytest's rootdir/basedir insertion, pythonpath settings and the
// conftest's own sys.path additions.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type Parser from 'tree-sitter';
import type { SourceFile } from '../../source.js';
import { readTextFile } from '../../read-text.js';
import { callArguments, calleeName, pyModule, type PyModule } from '../python.js';
import { nodesOfType } from '../tree-nodes.js';
import { evaluatePath, type ParentChain, type PathValue } from './paths.js';
import { certainlyMissing, clearListings, listedKind, listedNames } from '../../folder-listings.js';

type Node = Parser.SyntaxNode;

export type EntryOrigin = 'conftest' | 'pytest' | 'pythonpath' | 'installed';

export interface PathEntry {
  dir: string;
  origin: EntryOrigin;
  /** For `conftest` entries: the file and the `sys.path.insert/append` call that adds it. */
  file?: SourceFile;
  call?: Node;
  chain?: ParentChain | null;
  /** What put it there, for messages. */
  description: string;
}

/** A conftest entry that cannot be evaluated: the path is then not fully known. */
export interface OpaqueEntry {
  file: SourceFile;
  call: Node;
}

const fsCache = new Map<string, 'file' | 'dir' | 'none'>();

export function kindOf(target: string): 'file' | 'dir' | 'none' {
  let kind = fsCache.get(target);
  if (kind) return kind;
  // The walk saw it as a plain file or folder: no stat (each folder of sys.path is tried for each module).
  kind = listedKind(target);
  if (kind) {
    fsCache.set(target, kind);
    return kind;
  }
  if (certainlyMissing(target)) {
    // The walk listed the folder, and no such name is in it.
    fsCache.set(target, 'none');
    return 'none';
  }
  try {
    // Most paths asked about do not exist (each folder of sys.path is tried for each module): a missing
    // path answers undefined instead of throwing, since building the exception cost more than the stat.
    const stat = statSync(target, { throwIfNoEntry: false });
    kind = stat === undefined ? 'none' : stat.isDirectory() ? 'dir' : stat.isFile() ? 'file' : 'none';
  } catch {
    kind = 'none';
  }
  fsCache.set(target, kind);
  return kind;
}

const listings = new Map<string, Pick<ReadonlySet<string>, 'has'> | null>();

/** The names in a folder, read once per run; null when it cannot be listed (missing, not a folder, unreadable). */
export function namesIn(dir: string): Pick<ReadonlySet<string>, 'has'> | null {
  let names = listings.get(dir);
  if (names === undefined) {
    try {
      names = listedNames(dir) ?? new Set(readdirSync(dir));
    } catch {
      names = null;
    }
    listings.set(dir, names);
  }
  return names;
}

/**
 * What a folder holds under a name, as Python's path finder looks for it: a package (a folder with
 * `__init__.py`), a module (`name.py`), a namespace portion (a folder without), or nothing.
 */
export type HeldModule = { kind: 'package'; file: string; dir: string } | { kind: 'module'; file: string } | { kind: 'portion'; dir: string } | null;

const held = new Map<string, Map<string, HeldModule>>();

/**
 * What `dir` holds under `name` (see HeldModule), found once per run: each suite's imports are resolved
 * against the same few folders of sys.path, and building each candidate's path anew to ask kindOf cost
 * more than the answer.
 */
export function heldIn(dir: string, name: string): HeldModule {
  let byName = held.get(dir);
  if (!byName) held.set(dir, (byName = new Map()));
  let answer = byName.get(name);
  if (answer === undefined) byName.set(name, (answer = findHeld(dir, name)));
  return answer;
}

function findHeld(dir: string, name: string): HeldModule {
  // Like Python's path finder, read the folder's listing: a name with neither a folder nor a module
  // there is passed over without a stat of each candidate (most imports are not the project's).
  const listed = namesIn(dir);
  if (listed && !listed.has(name) && !listed.has(`${name}.py`)) return null;
  const candidate = path.join(dir, name);
  const isDir = kindOf(candidate) === 'dir';
  if (isDir) {
    const init = path.join(candidate, '__init__.py');
    if (kindOf(init) === 'file') return { kind: 'package', file: init, dir: candidate };
  }
  if (kindOf(candidate + '.py') === 'file') return { kind: 'module', file: candidate + '.py' };
  return isDir ? { kind: 'portion', dir: candidate } : null;
}

const readings = new Map<(file: string) => unknown, Map<string, unknown>>();

/**
 * What `read` makes of a file, read once per run: every suite's app model asks about the same few
 * configuration files (the root pyproject.toml at every suite), and parsing them again each time cost
 * more than the rest of the question. The answer is shared: callers must not modify it.
 */
export function readOnce<T>(read: (file: string) => T, file: string): T {
  let byFile = readings.get(read);
  if (!byFile) readings.set(read, (byFile = new Map()));
  if (byFile.has(file)) return byFile.get(file) as T;
  const value = read(file);
  byFile.set(file, value);
  return value;
}

/** A configuration file's text, read once per run (pyproject.toml is read for its packages and for a `pythonpath`); null when it cannot be read. */
export function configText(file: string): string | null {
  return readOnce(readTextFile, file);
}

/**
 * A configuration file's text when the path is a file, read once per run; null otherwise. Most folders are
 * asked about names they do not hold: the walk's listings answer those without a stat.
 */
export function configTextIfFile(file: string): string | null {
  return kindOf(file) === 'file' ? configText(file) : null;
}

/** Forgets what the models learnt of the file system (a new run, whose walk's listings are its own). */
export function forgetFileSystemAnswers(): void {
  fsCache.clear();
  held.clear();
  listings.clear();
  readings.clear();
}

/** Forgets what the file system looked like (tests and fixes that create files call this), the walk's listings too. */
export function clearFileSystemCache(): void {
  forgetFileSystemAnswers();
  clearListings();
}

/**
 * The directory pytest puts on sys.path for a conftest or test module in the default `prepend` import
 * mode. pytest's docs ("pytest import mechanisms and sys.path/PYTHONPATH", docs.pytest.org/en/stable/
 * explanation/pythonpath.html) describe it: for a file in a package (its directory has `__init__.py`),
 * pytest "will search upwards until it can find the last folder which still contains an `__init__.py`
 * file in order to find the package root" and inserts that root's parent at the front of sys.path; for
 * a file outside any package it inserts the file's own directory. Both are "the first directory upward
 * from the file that has no `__init__.py`".
 */
export function pytestBasedir(file: string): string {
  let dir = path.dirname(file);
  for (let i = 0; i < 64; i++) {
    if (kindOf(path.join(dir, '__init__.py')) !== 'file') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return dir;
    dir = parent;
  }
  return dir;
}

function isSysPathCall(module: PyModule, call: Node): 'insert' | 'append' | null {
  const name = calleeName(module, call);
  if (name === 'sys.path.insert') return 'insert';
  if (name === 'sys.path.append') return 'append';
  return null;
}

/** `sys.path.insert(i, X)` / `sys.path.append(X)` calls of a file, evaluated when possible. */
export function sysPathAdditions(file: SourceFile): Array<{ call: Node; value: PathValue | null; how: 'insert' | 'append' }> {
  const module = pyModule(file);
  if (!module) return [];
  const found: Array<{ call: Node; value: PathValue | null; how: 'insert' | 'append' }> = [];
  // Every such call names `sys.path` in its text (a plain chain, or an imported `path` then `.insert`/`.append`).
  if (!file.text.includes('path')) return found;
  for (const call of nodesOfType(file, 'call')) {
    const how = isSysPathCall(module, call);
    if (!how) continue;
    const args = callArguments(call);
    const argument = how === 'insert' ? args.positional[1] : args.positional[0];
    found.push({ call, value: argument ? evaluatePath(module, argument) : null, how });
  }
  return found;
}
