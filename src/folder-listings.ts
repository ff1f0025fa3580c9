// The names in each folder as the project walk listed them, so that the models' questions "is there a
// pyproject.toml here, a Makefile, a tox.ini, an `__init__.py`?" about folders of the project are
// answered without a stat of each candidate (most candidates do not exist). Only absence is answered
// from here: a name the listing holds is still looked at on disk (a file, a folder, a dangling link).
import path from 'node:path';

const listings = new Map<string, ReadonlySet<string>>();
/**
 * The same names folded (lower case, composed Unicode), made on first use: a case-insensitive file system
 * finds `makefile` as `Makefile`, and macOS finds a composed `é` under its decomposed spelling.
 */
const folded = new Map<string, ReadonlySet<string>>();

/** Notes what the walk read in a folder (absolute path, as the walk spells it). */
export function recordListing(dir: string, names: readonly string[]): void {
  listings.set(dir, new Set(names));
  folded.delete(dir);
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
  let lower = folded.get(dir);
  if (!lower) {
    lower = new Set([...names].map(fold));
    folded.set(dir, lower);
  }
  return !lower.has(fold(base));
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
