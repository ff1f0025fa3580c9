// A project's integration suites: which directories are suites, and which files belong to each (the
// project itself, its files and their loading, is src/model/project.ts).
import path from 'node:path';
import type { SourceFile } from '../source.js';
import { Project } from './project.js';
import { isTestModuleName, suiteSpecs, type Evidence, type SuiteReason } from './discovery.js';
import { directFixtureModules, fixtureModuleClosure, type FixtureModule } from './fixture-modules.js';

export { DEFAULT_SUITE_NAMES, isTestModuleName } from './discovery.js';

export { Project };

const suiteDirLists = new WeakMap<Project, string[]>();

/** The suite directories of a project (see findSuiteDirs), found once: the files do not change during a run. */
export function projectSuiteDirs(project: Project): string[] {
  let dirs = suiteDirLists.get(project);
  if (!dirs) {
    dirs = findSuiteDirs(project);
    suiteDirLists.set(project, dirs);
    // Finding suites by content reads every test module and conftest: let them go, each suite reads its own.
    project.releasePython();
  }
  return dirs;
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
