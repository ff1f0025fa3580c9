// The Python modules a suite's rules read: its test modules and every module pytest loads fixtures
// from for them (conftests above and inside the suite, `pytest_plugins` modules, imported fixture
// modules), and which of those a given module sees. One place, so that every rule reads the whole
// suite the same way and reports where the code is, inside the suite folder or not.
import path from 'node:path';
import type { SourceFile } from '../source.js';
import type { FixtureModule } from './fixture-modules.js';
import type { Suite } from './suite.js';

/** What the functions here need of a suite (tests build suites by hand, some without fixture modules). */
export type SuiteModules = Pick<Suite, 'testModules' | 'conftests' | 'outerConftests'> & { fixtureModules?: FixtureModule[] };

function unique(files: SourceFile[]): SourceFile[] {
  const seen = new Set<string>();
  return files.filter((file) => (seen.has(file.path) ? false : (seen.add(file.path), true)));
}

/** The fixture modules of the suite; conftests only when the suite was built without them. */
export function loadedFixtureModules(suite: SuiteModules): FixtureModule[] {
  if (suite.fixtureModules && suite.fixtureModules.length > 0) return suite.fixtureModules;
  return [...suite.outerConftests, ...suite.conftests].map((file) => ({ file, via: 'conftest' as const, from: null, scope: path.dirname(file.path) }));
}

/** The modules that define the suite's fixtures (not its test modules), outermost first, each once. */
export function fixtureModuleFiles(suite: SuiteModules): SourceFile[] {
  return unique(loadedFixtureModules(suite).map((loaded) => loaded.file));
}

/** Every Python module of the suite the rules read: fixture modules, then test modules, each once. */
export function suitePythonFiles(suite: SuiteModules): SourceFile[] {
  return unique([...fixtureModuleFiles(suite), ...suite.testModules]);
}

function covers(scope: string, file: string): boolean {
  return file === scope || file.startsWith(scope + path.sep);
}

/**
 * The fixture modules whose fixtures a function in `file` may receive, nearest first: those whose scope
 * covers the file (a module the file imports fixtures from, the conftests of its folder and above, the
 * `pytest_plugins` modules). A fixture module outside every scope (a plugin module in a `fixtures/`
 * folder) gets its fixtures from the tests that request them: it sees every module of the suite, the
 * covering ones first.
 */
export function visibleFixtureModules(suite: SuiteModules, file: SourceFile): SourceFile[] {
  const loaded = loadedFixtureModules(suite).filter((entry) => entry.file.path !== file.path);
  const covering = loaded.filter((entry) => covers(entry.scope, file.path));
  const isTest = suite.testModules.some((test) => test.path === file.path);
  const isConftest = path.basename(file.path) === 'conftest.py';
  const chosen = isTest || isConftest || covering.length === loaded.length ? covering : [...covering, ...loaded.filter((entry) => !covering.includes(entry))];
  const ranked = chosen.map((entry, index) => ({ entry, index, covering: covers(entry.scope, file.path) }));
  ranked.sort((a, b) => Number(b.covering) - Number(a.covering) || b.entry.scope.length - a.entry.scope.length || a.index - b.index);
  return unique(ranked.map((item) => item.entry.file));
}
