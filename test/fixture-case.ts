// What a fixture case is, and the project it is run on. A case is a folder under fixtures/ with:
//   expected.txt   the findings, one `path:line:col: CODE` per line, paths relative to the project; it may
//                  open with header lines, each `# key: value`:
//                    # select: SL101, SL102           the run is limited to those rules
//                    # base: <name>                   the project starts as a copy of fixtures/bases/<name>/
//                    # without: path/a.py, path/b.sh  base files this case does not have (the line may repeat)
//   project/       the case's own files. Without a base, the whole sample project (it needs a pyproject.toml,
//                  which makes it a project root). With a base, only the files that make the case what it
//                  is: each is laid over the base, replacing the base's file of the same path (its mode too,
//                  so a script's exec bit is the case's); the folder may be absent when the base is the case
//   fixed/         (optional) files of the project as they must read once every fix of the run is applied
// A base is a correct sample project held once (fixtures/bases/), so that a case holds only what it is
// about instead of another full copy of the same project. A case file that repeats its base's file, or a
// `without` naming no base file, is an error: the case would not say what it is about.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './helpers.js';
import { tempDir } from './temp-dir.js';

export const fixturesRoot = path.join(repoRoot, 'fixtures');
export const basesRoot = path.join(fixturesRoot, 'bases');

export interface FixtureCase {
  dir: string;
  /** The case's path below fixtures/ (`rules/SL101/fires-x`). */
  name: string;
  select: string[] | undefined;
  base: string | undefined;
  /** Base files (paths relative to the base, `/`-separated) the case removes. */
  without: string[];
  /** The expected findings, sorted. */
  expected: string[];
}

/** Every case below `folder` (fixtures/bases/ holds bases, not cases). */
export function findCases(folder: string = fixturesRoot): FixtureCase[] {
  const cases: FixtureCase[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = path.join(folder, entry.name);
    if (existsSync(path.join(dir, 'expected.txt'))) cases.push(readCase(dir));
    else if (entry.name !== 'project' && entry.name !== 'fixed' && dir !== basesRoot) cases.push(...findCases(dir));
  }
  return cases;
}

export function readCase(dir: string): FixtureCase {
  const lines = readFileSync(path.join(dir, 'expected.txt'), 'utf8').split('\n').map((line) => line.trim()).filter(Boolean);
  const header = new Map<string, string[]>();
  for (const line of lines) {
    const match = line.match(/^#\s*(select|base|without):\s*(.+)$/);
    if (!match) continue;
    const values = match[2]!.split(',').map((value) => value.trim()).filter(Boolean);
    header.set(match[1]!, [...(header.get(match[1]!) ?? []), ...values]);
  }
  const base = header.get('base');
  if (base && base.length !== 1) throw new Error(`${dir}/expected.txt: one # base: line naming one base`);
  return {
    dir,
    name: path.relative(fixturesRoot, dir).split(path.sep).join('/'),
    select: header.get('select'),
    base: base?.[0],
    without: header.get('without') ?? [],
    expected: lines.filter((line) => !line.startsWith('#')).sort(),
  };
}

/** The files below `folder`, relative and `/`-separated, sorted. */
export function listFiles(folder: string, prefix = ''): string[] {
  const files: string[] = [];
  for (const name of readdirSync(path.join(folder, prefix)).sort()) {
    const relative = prefix ? `${prefix}/${name}` : name;
    if (statSync(path.join(folder, relative)).isDirectory()) files.push(...listFiles(folder, relative));
    else files.push(relative);
  }
  return files;
}

function copyFile(from: string, to: string): void {
  mkdirSync(path.dirname(to), { recursive: true });
  rmSync(to, { force: true });
  copyFileSync(from, to); // keeps the mode: SL701 reads a script's exec bit
}

/**
 * Writes the case's project into `target` (an empty folder): its base, less the `without` files, then
 * its own project/ files over it. Throws when the case's header does not fit its base.
 */
export function buildProject(fixture: FixtureCase, target: string, bases: string = basesRoot): void {
  const own = path.join(fixture.dir, 'project');
  const ownFiles = existsSync(own) ? listFiles(own) : [];
  if (fixture.base === undefined) {
    if (fixture.without.length > 0) throw new Error(`${fixture.name}: # without: needs a # base:`);
    for (const relative of ownFiles) copyFile(path.join(own, relative), path.join(target, relative));
    return;
  }
  const base = path.join(bases, fixture.base);
  if (!existsSync(base)) throw new Error(`${fixture.name}: no base fixtures/bases/${fixture.base}`);
  const baseFiles = new Set(listFiles(base));
  for (const relative of fixture.without) {
    if (!baseFiles.has(relative)) throw new Error(`${fixture.name}: # without: ${relative} is no file of fixtures/bases/${fixture.base}`);
    if (ownFiles.includes(relative)) throw new Error(`${fixture.name}: project/${relative} is also named by # without:`);
  }
  for (const relative of baseFiles) if (!fixture.without.includes(relative)) copyFile(path.join(base, relative), path.join(target, relative));
  for (const relative of ownFiles) {
    const from = path.join(own, relative);
    if (baseFiles.has(relative) && sameFile(from, path.join(base, relative))) {
      throw new Error(`${fixture.name}: project/${relative} repeats fixtures/bases/${fixture.base}/${relative}; remove it from the case`);
    }
    copyFile(from, path.join(target, relative));
  }
}

function sameFile(a: string, b: string): boolean {
  return statSync(a).mode === statSync(b).mode && readFileSync(a).equals(readFileSync(b));
}

/**
 * The folder to lint for the case: its own project/ when it has no base (so that it is read in place, in
 * this git work tree), else a temporary folder holding the base with the case laid over it. `dispose`
 * removes the temporary folder.
 */
export function caseProject(fixture: FixtureCase): { project: string; dispose: () => void } {
  if (fixture.base === undefined) {
    if (fixture.without.length > 0) throw new Error(`${fixture.name}: # without: needs a # base:`);
    return { project: path.join(fixture.dir, 'project'), dispose: () => {} };
  }
  const project = tempDir('smoke-lint-case-');
  try {
    buildProject(fixture, project);
  } catch (error) {
    rmSync(project, { recursive: true, force: true });
    throw error;
  }
  return { project, dispose: () => rmSync(project, { recursive: true, force: true }) };
}
