// Where an import leads: packages a pyproject.toml declares (installed, importable from anywhere),
// module resolution as Python's path finder does it, and the standard library names most likely to
// collide with a project folder.
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { configTextIfFile, heldIn, readOnce } from './sys-path.js';

export interface Declared {
  names: Set<string>;
  /** Directories whose packages are all declared (setuptools `packages.find` without `include`). */
  everythingUnder: string[];
  source: string;
}

function normalizeDistName(name: string): string {
  return name.toLowerCase().replace(/[-.]+/g, '_');
}

/** The packages a pyproject.toml declares (read once per run: see readOnce); null when there is none or it does not parse. Do not modify. */
export function readDeclared(file: string): Declared | null {
  return readOnce(readDeclaredFile, file);
}

function readDeclaredFile(file: string): Declared | null {
  const text = configTextIfFile(file);
  if (text === null) return null;
  let data: Record<string, unknown>;
  try {
    data = parseToml(text) as Record<string, unknown>;
  } catch {
    return null;
  }
  const names = new Set<string>();
  const everythingUnder: string[] = [];
  const dir = path.dirname(file);
  const table = (value: unknown): Record<string, unknown> | null =>
    value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  const project = table(data.project);
  if (typeof project?.name === 'string') names.add(normalizeDistName(project.name));
  const tool = table(data.tool);
  const setuptools = table(tool?.setuptools);
  if (Array.isArray(setuptools?.packages)) {
    for (const entry of setuptools!.packages as unknown[]) if (typeof entry === 'string') names.add(entry.split('.')[0]!);
  }
  const find = table(table(setuptools?.packages)?.find);
  if (find) {
    const where = Array.isArray(find.where) ? (find.where as unknown[]).filter((w): w is string => typeof w === 'string') : ['.'];
    const include = Array.isArray(find.include) ? (find.include as unknown[]).filter((w): w is string => typeof w === 'string') : null;
    if (include) for (const pattern of include) names.add(pattern.split('.')[0]!.replace(/\*+$/, '*'));
    else for (const w of where) everythingUnder.push(path.resolve(dir, w));
  }
  const poetry = table(tool?.poetry);
  if (typeof poetry?.name === 'string') names.add(normalizeDistName(poetry.name));
  if (Array.isArray(poetry?.packages)) {
    for (const entry of poetry!.packages as unknown[]) {
      const include = table(entry)?.include;
      if (typeof include === 'string') names.add(include.split('/')[0]!.split('.')[0]!);
    }
  }
  const wheel = table(table(table(table(tool?.hatch)?.build)?.targets)?.wheel);
  if (Array.isArray(wheel?.packages)) {
    for (const entry of wheel!.packages as unknown[]) if (typeof entry === 'string') names.add(path.basename(entry));
  }
  const flitModule = table(table(tool?.flit)?.module);
  if (typeof flitModule?.name === 'string') names.add(flitModule.name);
  return { names, everythingUnder, source: file };
}

/** Is the top-level package `top` (found at `location`, when known) declared by one of these pyprojects? */
export function isDeclared(declared: Declared[], top: string, location: string | null): Declared | null {
  for (const entry of declared) {
    for (const name of entry.names) {
      if (name === top || (name.endsWith('*') && top.startsWith(name.slice(0, -1)))) return entry;
    }
    if (location && entry.everythingUnder.some((dir) => path.dirname(location) === dir)) return entry;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Module resolution, as Python's path finder does it

export interface ResolvedModule {
  dotted: string;
  /** The module's file; null for a namespace package. */
  file: string | null;
  /** The package's search directories; empty for a plain module. */
  dirs: string[];
  /** The sys.path entry the top-level package was found in. */
  entry: string;
}

function findIn(searchDirs: string[], name: string): { file: string | null; dirs: string[]; from: string } | null {
  const portions: string[] = [];
  let portionFrom: string | null = null;
  for (const dir of searchDirs) {
    const found = heldIn(dir, name);
    if (found === null) continue;
    if (found.kind === 'package') return { file: found.file, dirs: [found.dir], from: dir };
    if (found.kind === 'module') return { file: found.file, dirs: [], from: dir };
    portions.push(found.dir);
    portionFrom ??= dir;
  }
  return portions.length ? { file: null, dirs: portions, from: portionFrom! } : null;
}

/** Resolves a dotted module name against sys.path entries (in order); null when it is not found. */
export function resolveModule(entries: string[], dotted: string): ResolvedModule | null {
  const parts = dotted.split('.');
  if (parts.some((part) => !part)) return null;
  let search = entries;
  let current: ResolvedModule | null = null;
  // Index loops: this runs for every import of every module a suite reads, and iterating `entries()`
  // made an iterator result and an [index, part] pair per part.
  for (let index = 0; index < parts.length; index++) {
    if (current !== null && current.dirs.length === 0) return null;
    const found = findIn(search, parts[index]!);
    if (!found) return null;
    current = { dotted: current === null ? parts[0]! : `${current.dotted}.${parts[index]!}`, file: found.file, dirs: found.dirs, entry: current === null ? found.from : current.entry };
    search = found.dirs;
  }
  return current;
}

/** Resolves a relative import (`from ..x import y`) from a module with a known dotted name. */
export function absoluteName(fromDotted: string, fromIsPackage: boolean, level: number, name: string): string | null {
  const parts = fromDotted.split('.');
  const packageParts = fromIsPackage ? parts : parts.slice(0, -1);
  const drop = level - 1;
  if (drop >= packageParts.length) return null;
  const base = packageParts.slice(0, packageParts.length - drop);
  return name ? [...base, name].join('.') : base.join('.');
}

// ---------------------------------------------------------------------------------------------
// The standard library's top-level names most likely to collide with a project folder

export const STDLIB = new Set(
  ('abc argparse ast asyncio base64 bisect builtins calendar collections concurrent configparser contextlib contextvars copy csv ' +
    'ctypes dataclasses datetime decimal difflib email enum errno functools gc getpass glob gzip hashlib heapq hmac html http ' +
    'importlib inspect io ipaddress itertools json logging math mimetypes multiprocessing numbers operator os pathlib pickle ' +
    'platform pprint queue random re secrets select shlex shutil signal site socket sqlite3 ssl stat statistics string ' +
    'struct subprocess sys tempfile test textwrap threading time timeit token tokenize traceback types typing unittest ' +
    'urllib uuid warnings weakref xml zipfile zoneinfo __future__').split(/\s+/),
);
