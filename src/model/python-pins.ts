// Which versions of a Python package a project allows: read from its lock files (poetry.lock,
// uv.lock, Pipfile.lock: the exact version) or its declarations (requirements*.txt, pyproject.toml
// in PEP 508 or Poetry form, Pipfile), nearest the suite first. Rules use it to give advice that the
// installed version understands (pytest-asyncio's `loop_scope=` exists from 0.24 on).
import { readdirSync } from 'node:fs';
import { readTextFile } from '../read-text.js';
import path from 'node:path';
import { isWithin } from '../discover.js';

export type Version = readonly number[];

/** The versions a specifier allows: [min, max) with either end open (null); `source` is the file it came from. */
export interface VersionRange {
  min: Version | null;
  /** Exclusive upper bound. */
  max: Version | null;
  /** The text as written (`^0.23.7`, `==0.23.5`). */
  spec: string;
  source: string;
}

export function parseVersion(text: string): Version | null {
  const match = /^\s*v?(\d+(?:\.\d+)*)/.exec(text);
  return match ? match[1]!.split('.').map(Number) : null;
}

export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** The next release after all of `version`'s `length` leading parts: (0,23) → 0.24. */
function bump(version: Version, length: number): Version {
  const parts = [...version.slice(0, Math.max(1, length))];
  parts[parts.length - 1] = parts[parts.length - 1]! + 1;
  return parts;
}

/**
 * The range a specifier allows: PEP 440 (`==`, `~=`, `>=`, `>`, `<`, `<=`, `!=`, comma-joined), Poetry
 * (`^0.23.7`, `~0.23`, a bare `0.23.5`, `*`). Null when a part cannot be read.
 */
export function parseSpecifier(spec: string, source: string): VersionRange | null {
  let min: Version | null = null;
  let max: Version | null = null;
  const raise = (version: Version) => (min = min && compareVersions(min, version) >= 0 ? min : version);
  const lower = (version: Version) => (max = max && compareVersions(max, version) <= 0 ? max : version);
  for (const raw of spec.split(',')) {
    const part = raw.trim();
    if (!part || part === '*') continue;
    const match = /^(===|==|~=|>=|<=|!=|\^|~|>|<)?\s*([0-9][0-9a-zA-Z.*+-]*)$/.exec(part);
    if (!match) return null;
    const op = match[1] ?? '==';
    const text = match[2]!;
    const version = parseVersion(text);
    if (!version) return null;
    switch (op) {
      case '==':
      case '===':
        raise(version);
        // `==0.23.*` allows the 0.23 series; an exact version only itself (max just above it).
        lower(text.includes('*') ? bump(version, version.length) : [...version, 1]);
        break;
      case '~=':
        raise(version);
        lower(bump(version, version.length - 1));
        break;
      case '^': {
        raise(version);
        // ^1.2.3 → <2; ^0.23.7 → <0.24; ^0.0.3 → <0.0.4.
        const first = version.findIndex((part) => part !== 0);
        lower(bump(version, first < 0 ? version.length : first + 1));
        break;
      }
      case '~':
        raise(version);
        lower(bump(version, version.length >= 2 ? 2 : 1));
        break;
      case '>=':
        raise(version);
        break;
      case '>':
        raise([...version, 1]);
        break;
      case '<':
        lower(version);
        break;
      case '<=':
        lower([...version, 1]);
        break;
      default: // != excludes one version: no bound
        break;
    }
  }
  return { min, max, spec: spec.trim(), source };
}

const norm = (name: string) => name.toLowerCase().replace(/[-_.]+/g, '-');

/** The exact version a lock file pins, or null. */
function fromLock(file: string, name: string): VersionRange | null {
  const text = readTextFile(file);
  if (text === null) return null;
  if (path.basename(file) === 'Pipfile.lock') {
    const match = new RegExp(`"${name.replace(/-/g, '[-_]')}"\\s*:\\s*\\{[^}]*?"version"\\s*:\\s*"([^"]+)"`, 'i').exec(text);
    return match ? parseSpecifier(match[1]!, file) : null;
  }
  // poetry.lock and uv.lock: [[package]] tables with name = "..." then version = "...".
  for (const block of text.split(/^\[\[package\]\]\s*$/m)) {
    const nameMatch = /^name\s*=\s*"([^"]+)"/m.exec(block);
    if (!nameMatch || norm(nameMatch[1]!) !== name) continue;
    const versionMatch = /^version\s*=\s*"([^"]+)"/m.exec(block);
    return versionMatch ? parseSpecifier(`==${versionMatch[1]}`, file) : null;
  }
  return null;
}

/** The specifier a declaration file gives, or null (an unpinned mention gives an open range). */
function fromDeclaration(file: string, name: string): VersionRange | null {
  const text = readTextFile(file);
  if (text === null) return null;
  const namePattern = name.replace(/-/g, '[-_.]');
  const base = path.basename(file);
  const pep = new RegExp(`^${namePattern}(\\[[^\\]]*\\])?\\s*((?:[<>=!~^]=?|===)[^;#]*)?(;.*)?$`, 'i');
  for (const line of text.split('\n')) {
    const stripped = line.replace(/(^|\s)#.*$/, '').trim();
    if (!stripped) continue;
    // A requirements line: `pytest-asyncio>=0.23,<0.24`.
    if (base !== 'pyproject.toml' && base !== 'Pipfile') {
      const match = pep.exec(stripped);
      if (match) return parseSpecifier(match[2] ?? '', file);
      continue;
    }
    // Poetry or Pipfile: `pytest-asyncio = "^0.23.7"` or `pytest-asyncio = { version = "^0.23" }`.
    const table = new RegExp(`^["']?${namePattern}["']?\\s*=\\s*(?:"([^"]*)"|'([^']*)'|\\{[^}]*version\\s*=\\s*["']([^"']*)["'])`, 'i').exec(stripped);
    if (table) return parseSpecifier(table[1] ?? table[2] ?? table[3] ?? '', file);
    // PEP 508 strings of pyproject's dependency lists, however they are laid out.
    if (base === 'pyproject.toml') {
      for (const quoted of stripped.matchAll(/"([^"]*)"|'([^']*)'/g)) {
        const match = pep.exec((quoted[1] ?? quoted[2] ?? '').trim());
        if (match) return parseSpecifier(match[2] ?? '', file);
      }
    }
  }
  return null;
}

const LOCKS = ['poetry.lock', 'uv.lock', 'Pipfile.lock'];

/**
 * The versions of package `name` the project allows, for code in `dir`: the nearest folder from `dir`
 * up to `root` that mentions it decides, a lock file there over a declaration. Null when none does.
 */
export function packageRange(root: string, dir: string, name: string): VersionRange | null {
  const wanted = norm(name);
  for (let current = dir; isWithin(current, root); current = path.dirname(current)) {
    let names: string[];
    try {
      names = readdirSync(current);
    } catch {
      names = [];
    }
    for (const lock of LOCKS) {
      if (!names.includes(lock)) continue;
      const found = fromLock(path.join(current, lock), wanted);
      if (found) return found;
    }
    const declarations = names.filter((file) => file === 'pyproject.toml' || file === 'Pipfile' || /^requirements.*\.(txt|in)$/.test(file)).sort();
    for (const file of declarations) {
      const found = fromDeclaration(path.join(current, file), wanted);
      if (found) return found;
    }
    // requirements/ folders (requirements/dev.txt).
    if (names.includes('requirements')) {
      let nested: string[] = [];
      try {
        nested = readdirSync(path.join(current, 'requirements')).filter((file) => /\.(txt|in)$/.test(file)).sort();
      } catch {
        nested = [];
      }
      for (const file of nested) {
        const found = fromDeclaration(path.join(current, 'requirements', file), wanted);
        if (found) return found;
      }
    }
    if (current === root || path.dirname(current) === current) break;
  }
  return null;
}

/** Does every version the range allows satisfy `>= version`? */
export function atLeast(range: VersionRange, version: Version): boolean {
  return range.min !== null && compareVersions(range.min, version) >= 0;
}

/** Does every version the range allows satisfy `< version`? */
export function below(range: VersionRange, version: Version): boolean {
  return range.max !== null && compareVersions(range.max, version) <= 0;
}
