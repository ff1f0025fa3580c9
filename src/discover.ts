// Walks a project the way a user expects: .gitignore respected, VCS/virtualenv/cache folders skipped,
// symlink loops cut, Python by extension, shell by extension or shebang.
import { closeSync, existsSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import type { Language } from './source.js';
import { clearListings, recordListing } from './folder-listings.js';
import { readTextFile } from './read-text.js';

const SKIPPED_DIRECTORIES = new Set([
  '.git', '.hg', '.svn', 'node_modules', '.venv', 'venv', '.env', '__pycache__', '.mypy_cache', '.pytest_cache',
  '.ruff_cache', '.tox', '.nox', '.eggs', '.cache', 'site-packages', '.direnv',
]);

const PROJECT_MARKERS = ['pyproject.toml', '.smoke-lint.toml', 'setup.cfg', 'pytest.toml', 'pytest.ini', 'tox.ini', '.git'];

export interface DiscoveredFile {
  path: string;
  language: Language;
}

/**
 * A path's tail that normalizing would change: a `.` or `..` segment, an empty one or a trailing slash
 * (and, to keep `path.relative`'s answer for names starting `..`, any `/..`).
 */
const UNPLAIN_TAIL = /\/\.\.|\/\.(?:\/|$)|\/\/|\/$/;

/**
 * Is `child` the path `parent`, a `/`, and a plain tail (no segment normalizing would change)? Most path
 * questions are a folder's own path against a longer path built from it: answered from the strings alone,
 * which `path.relative` (two resolves and their allocations) costs many times over.
 */
function isPlainlyBelow(child: string, parent: string): boolean {
  return (
    path.sep === '/' &&
    parent.length > 0 &&
    child.length > parent.length &&
    child.startsWith(parent) &&
    child.charCodeAt(parent.length) === 47 &&
    !UNPLAIN_TAIL.test(child.slice(parent.length))
  );
}

/** Is `child` the folder `parent` or inside it (no symlinks resolved)? */
export function isWithin(child: string, parent: string): boolean {
  if ((child === parent && parent.length > 0) || isPlainlyBelow(child, parent)) return true;
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** Does this directory hold a project marker (pyproject.toml, .smoke-lint.toml, setup.cfg, pytest.toml, pytest.ini, tox.ini, .git)? */
export function isProjectRoot(directory: string): boolean {
  return PROJECT_MARKERS.some((marker) => existsSync(path.join(directory, marker)));
}

/** The nearest directory at or above `start` that looks like a project root; `start`'s directory if none. */
export function findProjectRoot(start: string): string {
  const absolute = path.resolve(start);
  const first = isDirectory(absolute) ? absolute : path.dirname(absolute);
  let current = first;
  for (;;) {
    if (PROJECT_MARKERS.some((marker) => existsSync(path.join(current, marker)))) return current;
    const parent = path.dirname(current);
    if (parent === current) return first;
    current = parent;
  }
}

export function isDirectory(target: string): boolean {
  try {
    return statSync(target).isDirectory();
  } catch {
    return false;
  }
}

export function languageOf(filePath: string): Language | null {
  const base = path.basename(filePath);
  if (base.endsWith('.py') || base.endsWith('.pyi')) return base.endsWith('.pyi') ? null : 'python';
  if (base.endsWith('.sh') || base.endsWith('.bash')) return 'shell';
  // Compose files and CI workflows (read only when a model asks; never parsed by tree-sitter).
  if (base.endsWith('.yml') || base.endsWith('.yaml')) return 'yaml';
  if (base.includes('.')) return null;
  return shebangLanguage(filePath);
}

function shebangLanguage(filePath: string): Language | null {
  let fd: number | undefined;
  try {
    fd = openSync(filePath, 'r');
    const buffer = Buffer.alloc(128);
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    const firstLine = buffer.subarray(0, read).toString('utf8').split('\n')[0] ?? '';
    if (/^#!.*\b(bash|sh|dash|zsh|ksh)\b/.test(firstLine)) return 'shell';
    if (/^#!.*\bpython[0-9.]*\b/.test(firstLine)) return 'python';
    return null;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

interface IgnoreLayer {
  base: string;
  rules: Ignore;
}

function loadGitignore(directory: string): IgnoreLayer | null {
  const file = path.join(directory, '.gitignore');
  const text = readTextFile(file);
  return text === null ? null : { base: directory, rules: ignore().add(text) };
}

/**
 * `path.relative(base, target)`, `/`-separated. The walk's paths are joined from the folders' own, so a path
 * below a folder is mostly the tail of the string: then that, without two resolves and their allocations.
 */
export function relativePath(base: string, target: string): string {
  if (target === base) return '';
  if (isPlainlyBelow(target, base)) return target.slice(base.length + 1);
  return path.relative(base, target).split(path.sep).join('/');
}

function ignoredBy(layers: IgnoreLayer[], target: string, isDir: boolean): boolean {
  for (const layer of layers) {
    const relative = relativePath(layer.base, target);
    if (!relative || relative.startsWith('..')) continue;
    if (layer.rules.ignores(isDir ? `${relative}/` : relative)) return true;
  }
  return false;
}

/**
 * Every file under `root` that `pick` keeps, in path order (files reached through a symlinked folder
 * last): .gitignore respected, VCS, virtualenv and cache folders skipped. A symlinked folder is
 * followed only when it leads to a folder inside `root` not walked yet, so a link to `/` or to another
 * project is never entered and loops are cut. `pick` sees dangling links too (with `dangling` set), so
 * that a linted file that cannot be read is reported rather than silently missed.
 */
export function walkTree<T>(root: string, pick: (file: string, dangling: boolean) => T | null): T[] {
  const found: T[] = [];
  const visited = new Set<string>();
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch {
    return found;
  }
  // Symlinked folders wait until the real tree is walked, so that a folder reached both ways keeps its own path.
  const linked: Array<{ directory: string; layers: IgnoreLayer[] }> = [];
  // An entry's path, as `path.join` would give it: from a normalized root (no `.`, `..`, doubled or
  // trailing `/`), joined from a listing's names, which hold no `/` and are never `.` or `..`, every
  // folder's path is normalized too, and the name is added to it as it is. (`path.join` normalizes the
  // whole path again: one string scan and allocation for each of a tree's files, 13,500 at 500 suites.)
  const plainRoot = path.sep === '/' && path.isAbsolute(root) && path.normalize(root) === root && !root.endsWith('/');
  const entryPath = plainRoot ? (directory: string, name: string) => `${directory}/${name}` : (directory: string, name: string) => path.join(directory, name);
  // `knownReal` is the folder's real path when its parent's is known and the entry itself is no symlink
  // (then it is the parent's real path and the name): only the root and symlinked folders need realpath(3).
  const walk = (directory: string, layers: IgnoreLayer[], isRoot = false, knownReal: string | null = null): void => {
    let real: string;
    try {
      // One realpath(3) call per such folder: the JavaScript realpathSync lstat's every component of the path.
      real = knownReal ?? realpathSync.native(directory);
    } catch {
      return;
    }
    if (!isWithin(real, realRoot)) return; // a link out of the project: never walked
    if (visited.has(real)) return; // a symlink loop, or a second way into the same folder
    visited.add(real);
    let entries;
    try {
      entries = readdirSync(directory, { withFileTypes: true });
    } catch {
      return;
    }
    // Kept for the models' existence questions about project folders (src/folder-listings.ts).
    recordListing(directory, entries);
    // A virtualenv (a folder holding pyvenv.cfg) below the root is skipped, seen from its own listing.
    if (!isRoot && entries.some((entry) => entry.name === 'pyvenv.cfg')) return;
    // Read a .gitignore only where the listing has one: trying every folder cost a failed read (and its exception) each.
    const own = entries.some((entry) => entry.name === '.gitignore') ? loadGitignore(directory) : null;
    const active = own ? [...layers, own] : layers;
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = entryPath(directory, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          const stat = statSync(full);
          isDir = stat.isDirectory();
          isFile = stat.isFile();
        } catch {
          const picked = pick(full, true);
          if (picked !== null) found.push(picked);
          continue;
        }
      }
      if (isDir) {
        if (SKIPPED_DIRECTORIES.has(entry.name)) continue;
        if (ignoredBy(active, full, true)) continue;
        if (entry.isSymbolicLink()) linked.push({ directory: full, layers: active });
        else walk(full, active, false, path.join(real, entry.name));
      } else if (isFile) {
        if (ignoredBy(active, full, false)) continue;
        const picked = pick(full, false);
        if (picked !== null) found.push(picked);
      }
    }
  };
  walk(root, [], true);
  for (let next = linked.shift(); next; next = linked.shift()) walk(next.directory, next.layers);
  return found;
}

/** The last walk of each root: the linted files and the documents are both picked from one walk. */
const walks = new Map<string, ReadonlyArray<{ file: string; dangling: boolean }>>();

/** Walks `root` now (every file `walkTree` finds, dangling links included) and keeps the result for `walkedFiles`. */
function walkAll(root: string): ReadonlyArray<{ file: string; dangling: boolean }> {
  const files = walkTree(root, (file, dangling) => ({ file, dangling }));
  walks.set(root, files);
  return files;
}

/** Every file under `root` as the last walk of it found them (walked now if it was never walked). */
export function walkedFiles(root: string): ReadonlyArray<{ file: string; dangling: boolean }> {
  return walks.get(root) ?? walkAll(root);
}

/** Forgets the walks: a new run must see the folders as they are now. */
export function clearWalkCache(): void {
  walks.clear();
  clearListings();
}

/** All Python, shell and YAML files under `root`, sorted by path (always a fresh walk). */
export function walkProject(root: string): DiscoveredFile[] {
  const found: DiscoveredFile[] = [];
  for (const { file } of walkAll(root)) {
    const language = languageOf(file);
    if (language) found.push({ path: file, language });
  }
  return found;
}
