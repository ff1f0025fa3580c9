// The names in each folder as the project walk listed them, so that the models' questions "is there a
// pyproject.toml here, a Makefile, a tox.ini, an `__init__.py`?" about folders of the project are
// answered without a stat of each candidate (most candidates do not exist). Absence is answered from
// here, and so is the kind of a name the walk saw as a plain file or folder; any other name (a symlink,
// which may dangle or lead anywhere, a socket, a device) is still looked at on disk.
import { existsSync } from 'node:fs';
import path from 'node:path';

/** What the walk saw a name as: a regular file, a folder, or anything else (a symlink, a socket, a device). */
type ListedKind = 'file' | 'dir' | 'other';

/** By folder, each name the walk listed there and what it saw it as. */
const listings = new Map<string, ReadonlyMap<string, ListedKind>>();
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
  const names = new Map<string, ListedKind>();
  // A symlink's entry is neither a file nor a folder: what it leads to is asked of the disk.
  for (const entry of entries) names.set(entry.name, entry.isDirectory() ? 'dir' : entry.isFile() ? 'file' : 'other');
  listings.set(dir, names);
  folded.delete(dir);
}

/**
 * 'file' or 'dir' when the walk listed the path's folder and saw the entry spelled exactly so as a regular
 * file or a folder; undefined otherwise (not listed, another kind, a symlink): then ask the disk.
 */
export function listedKind(file: string): 'file' | 'dir' | undefined {
  const kind = listings.get(path.dirname(file))?.get(path.basename(file));
  return kind === 'other' ? undefined : kind;
}

/**
 * Does the path exist (as `existsSync` tells)? Yes without a stat when the walk saw it as a plain file or
 * folder; anything else (a name the walk did not list, a symlink) is asked of the disk.
 */
export function pathExists(target: string): boolean {
  return listedKind(target) !== undefined || existsSync(target);
}

/** The names the walk listed in a folder (only asked whether it has one); undefined when the walk did not list it. */
export function listedNames(dir: string): Pick<ReadonlySet<string>, 'has'> | undefined {
  return listings.get(dir);
}

/**
 * True when the walk listed the file's folder and nothing in it is spelled like the file's name, even
 * ignoring case: the file is certainly missing. False means "ask the disk".
 */
export function certainlyMissing(file: string): boolean {
  const dir = path.dirname(file);
  const names = listings.get(dir);
  return names !== undefined && !mayHold(dir, names, path.basename(file));
}

/**
 * True when the walk listed `dir` and nothing in it is spelled like any of `names`, even ignoring case:
 * each is certainly missing (as certainlyMissing tells of one). False means "ask the disk".
 */
export function holdsNoneOf(dir: string, names: readonly string[]): boolean {
  const listed = listings.get(dir);
  return listed !== undefined && !names.some((name) => mayHold(dir, listed, name));
}

/** May the listed folder hold `name`: spelled so, or so ignoring case and Unicode composition? */
function mayHold(dir: string, listed: ReadonlyMap<string, ListedKind>, name: string): boolean {
  return listed.has(name) || foldedNames(dir, listed).has(fold(name));
}

function foldedNames(dir: string, names: ReadonlyMap<string, ListedKind>): ReadonlySet<string> {
  let lower = folded.get(dir);
  if (!lower) {
    lower = new Set([...names.keys()].map(fold));
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
  folded.clear();
}
