// The project and its integration suites: which directories are suites, and which files belong to each.
import path from 'node:path';
import type { Config } from '../config.js';
import { globToRegExp } from '../glob.js';
import { fromText, loadSource, type SourceFile } from '../source.js';
import { NativeLoadError } from '../native.js';
import type { DiscoveredFile } from '../discover.js';
import type { PytestConfig } from './pytest-config.js';
import { directFixtureModules, fixtureModuleClosure, type FixtureModule } from './fixture-modules.js';
import { FileIndex } from './file-index.js';

export const DEFAULT_SUITE_NAMES = new Set(['integration', 'smoke', 'smoketest', 'smoketests', 'e2e']);
const TEST_ROOT_NAMES = new Set(['tests', 'test']);

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
      this.ioErrors.push(error instanceof Error ? error.message : String(error));
      return null;
    }
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
    this.suiteDirList ??= findSuiteDirs(this);
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
  /** The suite directory relative to the project root. */
  name: string;
  /** `test_*.py` / `*_test.py` modules inside the suite. */
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
}

function isPresent<T>(value: T | null): value is T {
  return value !== null;
}

/** Is this relative directory a suite by the default rule: a suite-named folder below a tests folder? */
function isDefaultSuiteDir(relativeDir: string): boolean {
  const parts = relativeDir.split('/');
  const last = parts[parts.length - 1]!;
  if (!DEFAULT_SUITE_NAMES.has(last)) return false;
  return parts.slice(0, -1).some((part) => TEST_ROOT_NAMES.has(part));
}

function isSuiteDir(config: Config, relativeDir: string): boolean {
  if (config.suites) return config.suites.some((glob) => globMatchesExactly(glob, relativeDir));
  return isDefaultSuiteDir(relativeDir);
}

function globMatchesExactly(glob: string, relativeDir: string): boolean {
  // A suite glob names the directory itself, not its children.
  return globToRegExp(glob).test(relativeDir);
}

export function isTestModuleName(base: string): boolean {
  return (base.startsWith('test_') && base.endsWith('.py')) || (base.endsWith('_test.py') && base !== '_test.py');
}

/** The suite directories of a project, outermost only (a suite inside a suite belongs to the outer one). */
export function findSuiteDirs(project: Project): string[] {
  const candidates = new Set<string>();
  for (const dir of project.files.dirs()) {
    const relativeDir = project.relative(dir);
    if (!relativeDir || relativeDir.startsWith('..')) continue;
    const parts = relativeDir.split('/');
    for (let length = 1; length <= parts.length; length++) {
      const candidate = parts.slice(0, length).join('/');
      if (isSuiteDir(project.config, candidate)) {
        candidates.add(candidate);
        break;
      }
    }
  }
  return [...candidates].sort();
}

export function buildSuite(project: Project, relativeDir: string): Suite {
  const dir = path.join(project.root, relativeDir);
  const inside = project.files.under(dir).filter((file) => file.language !== 'yaml');
  const files = inside.map((file) => project.load(file)).filter(isPresent);
  const testModules = files.filter((file) => file.language === 'python' && isTestModuleName(path.basename(file.path)));
  const conftests = files.filter((file) => path.basename(file.path) === 'conftest.py');
  const outerConftests: SourceFile[] = [];
  const parts = relativeDir.split('/');
  for (let length = 0; length < parts.length; length++) {
    const candidate = path.join(project.root, ...parts.slice(0, length), 'conftest.py');
    const discovered = project.files.get(candidate);
    const loaded = discovered ? project.load(discovered) : null;
    if (loaded) outerConftests.push(loaded);
  }
  const fixtureModules = suiteFixtureModules(project, outerConftests, conftests, testModules);
  return { project, dir, name: relativeDir, testModules, conftests, outerConftests, files, fixtureModules };
}

/** The fixture modules of a suite (see `Suite.fixtureModules`). */
export function suiteFixtureModules(project: Project, outer: SourceFile[], inner: SourceFile[], testModules: SourceFile[]): FixtureModule[] {
  const depth = (file: SourceFile) => file.path.split(path.sep).length;
  const conftests = [...outer, ...[...inner].sort((a, b) => depth(a) - depth(b) || (a.path < b.path ? -1 : 1))];
  const roots: FixtureModule[] = conftests.map((file) => ({ file, via: 'conftest', from: null, scope: path.dirname(file.path) }));
  for (const test of testModules) roots.push(...directFixtureModules(project, test));
  return fixtureModuleClosure(project, roots);
}
