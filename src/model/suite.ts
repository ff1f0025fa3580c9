// The project and its integration suites: which directories are suites, and which files belong to each.
import path from 'node:path';
import { readFileSync } from 'node:fs';
import type { Config } from '../config.js';
import { fromText, loadSource, type SourceFile } from '../source.js';
import { NativeLoadError } from '../native.js';
import type { DiscoveredFile } from '../discover.js';
import type { PytestConfig } from './pytest-config.js';
import { isTestModuleName, suiteSpecs, type Evidence, type SuiteReason } from './discovery.js';
import { directFixtureModules, fixtureModuleClosure, type FixtureModule } from './fixture-modules.js';
import { FileIndex } from './file-index.js';

export { DEFAULT_SUITE_NAMES, isTestModuleName } from './discovery.js';

export class Project {
  readonly root: string;
  readonly config: Config;
  readonly pytest: PytestConfig;
  readonly discovered: DiscoveredFile[];
  private readonly loaded = new Map<string, SourceFile>();
  private fileIndex: FileIndex | null = null;
  private suiteDirList: string[] | null = null;
  /** One-line I/O errors met while loading files. */
  readonly ioErrors: string[] = [];
  /** Texts that replace the disk's (absolute path → text, a BOM as U+FEFF): the fix passes' files in memory. */
  private readonly overlay: ReadonlyMap<string, string> | undefined;

  constructor(root: string, config: Config, pytest: PytestConfig, discovered: DiscoveredFile[], overlay?: ReadonlyMap<string, string>) {
    this.root = root;
    this.config = config;
    this.pytest = pytest;
    this.discovered = discovered;
    this.overlay = overlay;
  }

  /** Loads (once) a discovered file; null when it cannot be read at all (the error is recorded). */
  load(file: DiscoveredFile): SourceFile | null {
    const cached = this.loaded.get(file.path);
    if (cached) return cached;
    const overlaid = this.overlay?.get(file.path);
    if (overlaid !== undefined) {
      const source = fromText(file.path, file.language, overlaid);
      this.loaded.set(file.path, source);
      return source;
    }
    try {
      const source = loadSource(file.path, file.language);
      this.loaded.set(file.path, source);
      return source;
    } catch (error) {
      if (error instanceof NativeLoadError) throw error; // the parser itself is missing: no file can be read
      // Released files are loaded again when asked for: an unreadable one is reported once.
      const message = error instanceof Error ? error.message : String(error);
      if (!this.ioErrors.includes(message)) this.ioErrors.push(message);
      return null;
    }
  }

  /**
   * A file's text as this run sees it (the overlay's, else the disk's), read without parsing and without
   * recording an error; null when it cannot be read (then whoever needs the file loads it and reports).
   */
  peekText(filePath: string): string | null {
    const loaded = this.loaded.get(filePath);
    if (loaded) return loaded.unreadable ? null : loaded.text;
    const overlaid = this.overlay?.get(filePath);
    if (overlaid !== undefined) return overlaid;
    try {
      return readFileSync(filePath, 'utf8');
    } catch {
      return null;
    }
  }

  /** Every file loaded so far (by discovery and by the rules: test modules, DB scripts, runners, CI files). */
  loadedFiles(): SourceFile[] {
    return [...this.loaded.values()];
  }

  /**
   * Forgets every loaded Python file (once a suite's rules ran), so that their trees and the models cached
   * on them can be freed: peak memory is then bounded by the largest suite, not by the tree. A file asked
   * for again is read and parsed again (a module shared by suites is parsed once per suite). Shell and
   * YAML files stay: the project-wide script index and the readers share them between suites.
   */
  releasePython(): void {
    for (const [filePath, file] of this.loaded) if (file.language === 'python') this.loaded.delete(filePath);
  }

  /** Path relative to the project root, `/`-separated. */
  relative(target: string): string {
    return path.relative(this.root, target).split(path.sep).join('/');
  }

  /** The discovered files by path, folder and language (built once, on first use). */
  get files(): FileIndex {
    this.fileIndex ??= new FileIndex(this.discovered);
    return this.fileIndex;
  }

  /** The suite directories (see findSuiteDirs), found once: the files do not change during a run. */
  suiteDirs(): string[] {
    if (!this.suiteDirList) {
      this.suiteDirList = findSuiteDirs(this);
      // Finding suites by content reads every test module and conftest: let them go, each suite reads its own.
      this.releasePython();
    }
    return this.suiteDirList;
  }

  /** Shell scripts anywhere in the project (DB scripts and runners need not live inside the suite). */
  shellFiles(): SourceFile[] {
    return this.files.ofLanguage('shell').map((file) => this.load(file)).filter(isPresent);
  }

  /** YAML files anywhere in the project whose path passes `keep` (compose files, CI workflows), loaded on demand. */
  yamlFiles(keep: (absolutePath: string) => boolean = () => true): SourceFile[] {
    return this.files.ofLanguage('yaml').filter((file) => keep(file.path)).map((file) => this.load(file)).filter(isPresent);
  }
}

export interface Suite {
  project: Project;
  /** Absolute path of the suite's directory. */
  dir: string;
  /** The suite directory relative to the project root ('.' for the root itself). */
  name: string;
  /** The suite's test modules: `test_*.py` / `*_test.py` inside it, only those that use the app or the database when it was found by content, or the modules the `suites` setting names. */
  testModules: SourceFile[];
  /** `conftest.py` files inside the suite directory (any depth). */
  conftests: SourceFile[];
  /** `conftest.py` files above the suite, from the project root down: pytest loads them too. */
  outerConftests: SourceFile[];
  /** Every Python and shell file inside the suite directory (YAML files are read through src/readers/). */
  files: SourceFile[];
  /**
   * Every module pytest loads fixtures from for this suite's tests, outermost first: the conftests
   * above and inside the suite, the modules their `pytest_plugins` name (followed further), and the
   * project modules a conftest or test module imports or star-imports fixtures from. Each says how it
   * was loaded and which tests see it (`scope`). Rules read fixtures, clients, engines and overrides
   * from these and report at the module where the code is, which may lie outside `dir`.
   */
  fixtureModules: FixtureModule[];
  /** Why it is a suite: its folder's name, the `suites` setting, or what its tests use (the file and fixture). */
  reason: SuiteReason;
  /** For a suite found by content: why each test module (absolute path) is in it. */
  evidence: ReadonlyMap<string, Evidence>;
}

function isPresent<T>(value: T | null): value is T {
  return value !== null;
}

/** The suite folders of a project (relative), outermost only: configured, named like a suite, or found by content. */
export function findSuiteDirs(project: Project): string[] {
  return suiteSpecs(project).map((spec) => spec.name);
}

/**
 * The suite in `relativeDir` ('' = the project root): the project's suite there (its test modules, why
 * it is one), or, for a folder that is no suite, every test module in it. Folders of other suites
 * nested inside it, and test modules that are not the suite's (unit tests beside it), are left out.
 */
export function buildSuite(project: Project, relativeDir: string): Suite {
  const specs = suiteSpecs(project);
  const spec = specs.find((candidate) => candidate.name === relativeDir) ?? null;
  const reason: SuiteReason = spec?.reason ?? { kind: 'configured', detail: 'named on the command line', evidence: null };
  const dir = relativeDir ? path.join(project.root, relativeDir) : project.root;
  const nested = specs
    .filter((other) => other.name !== relativeDir && other.testModules === null && (relativeDir === '' || other.name.startsWith(relativeDir + '/')))
    .map((other) => path.join(project.root, other.name));
  const wanted = spec?.testModules ? new Set(spec.testModules) : null;
  const inside = project.files.under(dir).filter((file) => file.language !== 'yaml' && !nested.some((other) => file.path.startsWith(other + path.sep)));
  const isTest = (file: { path: string; language: string }) => file.language === 'python' && isTestModuleName(path.basename(file.path));
  const files = inside.filter((file) => !isTest(file) || !wanted || wanted.has(file.path)).map((file) => project.load(file)).filter(isPresent);
  const testModules = files.filter(isTest);
  for (const extra of spec?.testModules ?? []) {
    // A configured module need not have a test module's name (`tests.py`).
    const loaded = files.find((file) => file.path === extra);
    if (loaded && !testModules.includes(loaded)) testModules.push(loaded);
  }
  const conftests = files.filter((file) => path.basename(file.path) === 'conftest.py');
  const outerConftests: SourceFile[] = [];
  const parts = relativeDir ? relativeDir.split('/') : [];
  for (let length = 0; length < parts.length; length++) {
    const candidate = path.join(project.root, ...parts.slice(0, length), 'conftest.py');
    const discovered = project.files.get(candidate);
    const loaded = discovered ? project.load(discovered) : null;
    if (loaded) outerConftests.push(loaded);
  }
  const fixtureModules = suiteFixtureModules(project, outerConftests, conftests, testModules);
  return { project, dir, name: relativeDir || '.', testModules, conftests, outerConftests, files, fixtureModules, reason, evidence: spec?.evidence ?? new Map() };
}

/** The fixture modules of a suite (see `Suite.fixtureModules`). */
export function suiteFixtureModules(project: Project, outer: SourceFile[], inner: SourceFile[], testModules: SourceFile[]): FixtureModule[] {
  const depth = (file: SourceFile) => file.path.split(path.sep).length;
  const conftests = [...outer, ...[...inner].sort((a, b) => depth(a) - depth(b) || (a.path < b.path ? -1 : 1))];
  const roots: FixtureModule[] = conftests.map((file) => ({ file, via: 'conftest', from: null, scope: path.dirname(file.path) }));
  for (const test of testModules) roots.push(...directFixtureModules(project, test));
  return fixtureModuleClosure(project, roots);
}
