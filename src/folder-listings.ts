// The names in each folder as the project walk listed them, so that the models' questions "is there a
// pyproject.toml here, a Makefile, a tox.ini, an `__init__.py`?" about folders of the project are
// answered without a stat of each candidate (most candidates do not exist). Absence is answered from
// here, and so is the kind of a name the walk saw as a plain file or folder; any other name (a symlink,
// which may dangle or lead anywhere, a socket, a device) is still looked at on disk.
import path from 'node:path';

const listings = new Map<string, ReadonlySet<string>>();
/** By folder, the names the walk saw as a folder, and those it saw as a regular file (no symlinks). */
const folders = new Map<string, ReadonlySet<string>>();
const files = new Map<string, ReadonlySet<string>>();
/**
 * The same names folded (lower case, composed Unicode), made on first use: a case-insensitive file system
 * finds `makefile` as `Makefile`, and macOS finds a composed `é` under its decomposed spelling.
 */
const folded = new Map<string, ReadonlySet<string>>();

/** What the walk read of a folder's entry: its name, and whether the listing saw a regular file or a folder. */
export interface ListedEntry {
  name: string;
  isFile(): boolean;
  isDirectory(): boolean;
}

/** Notes what the walk read in a folder (absolute path, as the walk spells it). */
export function recordListing(dir: string, entries: readonly ListedEntry[]): void {
  const names = new Set<string>();
  const dirNames = new Set<string>();
  const fileNames = new Set<string>();
  for (const entry of entries) {
    names.add(entry.name);
    // A symlink's entry is neither: what it leads to is asked of the disk.
    if (entry.isDirectory()) dirNames.add(entry.name);
    else if (entry.isFile()) fileNames.add(entry.name);
  }
  listings.set(dir, names);
  folders.set(dir, dirNames);
  files.set(dir, fileNames);
  folded.delete(dir);
}

/**
 * 'file' or 'dir' when the walk listed the path's folder and saw the entry spelled exactly so as a regular
 * file or a folder; undefined otherwise (not listed, another kind, a symlink): then ask the disk.
 */
export function listedKind(file: string): 'file' | 'dir' | undefined {
  const dir = path.dirname(file);
  const base = path.basename(file);
  if (files.get(dir)?.has(base)) return 'file';
  if (folders.get(dir)?.has(base)) return 'dir';
  return undefined;
}

/** The names the walk listed in a folder; undefined when the walk did not list it. */
export function listedNames(dir: string): ReadonlySet<string> | undefined {
  return listings.get(dir);
}

/**
 * True when the walk listed the file's folder and nothing in it is spelled like the file's name, even
 * ignoring case: the file is certainly missing. False means "ask the disk".
 */
export function certainlyMissing(file: string): boolean {
  const dir = path.dirname(file);
  const names = listings.get(dir);
  if (!names) return false;
  const base = path.basename(file);
  if (names.has(base)) return false;
  return !foldedNames(dir, names).has(fold(base));
}

/**
 * True when the walk listed `dir` and nothing in it is spelled like any of `names`, even ignoring case:
 * each is certainly missing (as certainlyMissing tells of one). False means "ask the disk".
 */
export function holdsNoneOf(dir: string, names: readonly string[]): boolean {
  const listed = listings.get(dir);
  if (!listed) return false;
  for (const name of names) if (listed.has(name)) return false;
  const lower = foldedNames(dir, listed);
  for (const name of names) if (lower.has(fold(name))) return false;
  return true;
}

function foldedNames(dir: string, names: ReadonlySet<string>): ReadonlySet<string> {
  let lower = folded.get(dir);
  if (!lower) {
    lower = new Set([...names].map(fold));
    folded.set(dir, lower);
  }
  return lower;
}

function fold(name: string): string {
  // An ASCII name is its own composed form: only lower-cased (normalize goes through ICU for every name).
  return NON_ASCII.test(name) ? name.normalize('NFC').toLowerCase() : name.toLowerCase();
}

const NON_ASCII = /[^\x00-\x7f]/;

/** Forgets the listings (a new walk, or files created since). */
export function clearListings(): void {
  listings.clear();
  folders.clear();
  files.clear();
  folded.clear();
}
