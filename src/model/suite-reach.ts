// Which requested files no suite can read, told from paths and texts alone, before anything is parsed.
// A pre-commit run names staged files, most of them app modules that no integration suite reads; finding
// the suites to learn that (parsing every test module, conftest and script) costs several times what
// starting node does. A suite reads a file when the file is inside the suite's folder, is a conftest above
// it, or is a fixture module it loads (src/engine.ts, selectSuiteDirs). The answer here is "no suite can"
// only when that follows from what discovery could possibly find; in every other case the suites are
// found as before, so this never changes which suites a run checks or what it reports.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { isTaskFileName, isTestModuleName, MAKEFILE_NAMES, mayDefineSuiteSetup, mayHoldPytestConfig, TEST_ROOT_NAMES } from './file-names.js';
import type { Project } from './project.js';

/** What the whole project allows, read once: every text discovery might read, as plain text. */
interface ProjectTexts {
  /** Every file discovery might load could be read (else it is left to discovery to load and report). */
  readable: boolean;
  /** Some Python file assigns `pytest_plugins`, which can make any module a fixture module by its dotted name. */
  plugins: boolean;
  /**
   * Basenames of the `.py` files the project's scripts, Makefiles and CI files may hand to pytest by name
   * (pytest collects a file named on its command line whatever its name); 'any' when a name is built
   * (`$NAME.py`) and so cannot be read as text.
   */
  runnerNamed: Set<string> | 'any';
}

const cache = new WeakMap<Project, ProjectTexts>();

/** A `.py` word as text: the word before it, up to a separator of shell, make or YAML. */
const PY_WORD = /([^\s'"=;|&<>,()]*)\.py(?![A-Za-z0-9_])/g;
/** A last path segment that is not plain text: variables, globs, escapes, make patterns. */
const BUILT = /[$`{}*?[\]%\\!~@]/;

function readTexts(project: Project): ProjectTexts {
  const cached = cache.get(project);
  if (cached) return cached;
  let readable = true;
  let plugins = false;
  const read = (file: string): string => {
    const text = project.peekText(file);
    if (text === null) readable = false;
    return text ?? '';
  };
  for (const file of project.files.ofLanguage('python')) if (read(file.path).includes('pytest_plugins')) plugins = true;
  // The scripts' pytest runs, and what their callers (Makefiles on the way to them, CI steps) hand them.
  const callers: string[] = [];
  const shells = project.files.ofLanguage('shell');
  const makefileDirs = new Set<string>(shells.length > 0 ? [project.root] : []);
  for (const shell of shells) {
    for (let dir = path.dirname(shell.path); dir.startsWith(project.root) && !makefileDirs.has(dir); dir = path.dirname(dir)) makefileDirs.add(dir);
  }
  for (const dir of makefileDirs) {
    const name = MAKEFILE_NAMES.find((candidate) => existsSync(path.join(dir, candidate)));
    if (name) callers.push(read(path.join(dir, name)));
  }
  for (const file of project.files.ofLanguage('yaml')) callers.push(read(file.path));
  let runnerNamed: ProjectTexts['runnerNamed'] = new Set();
  // Without a shell script there is no pytest run for a caller to start.
  for (const text of shells.length > 0 ? [...shells.map((file) => read(file.path)), ...callers] : []) {
    for (const match of text.matchAll(PY_WORD)) {
      const word = match[1]!;
      const segment = word.slice(word.lastIndexOf('/') + 1);
      if (segment === '' || BUILT.test(segment)) runnerNamed = 'any';
      else if (runnerNamed !== 'any') runnerNamed.add(`${segment}.py`);
    }
  }
  const texts = { readable, plugins, runnerNamed };
  cache.set(project, texts);
  return texts;
}

function isUnder(relative: string, dir: string): boolean {
  return dir === '' || relative === dir || relative.startsWith(dir + '/');
}

/**
 * True only when no suite of the project can read the file (absolute path): then the suites need not be
 * found to know that a run naming it checks nothing. False means "maybe": find the suites. Asynchronous
 * because configured suites are read with the suite models, loaded only then: the verdict from paths and
 * texts loads none of them.
 */
export async function noSuiteCanRead(project: Project, target: string): Promise<boolean> {
  const file = project.files.get(target);
  // Suites read discovered files only. A YAML file is read through the readers, as a suite's compose
  // database or CI runner, and a Makefile or tox's tox.ini, setup.cfg or pyproject.toml as a runner: a staged one selects the suites it sets up.
  // A pytest configuration below the root is the one the suites under it run with.
  if (!file) {
    const base = path.basename(target);
    const textOf = () => project.peekText(target);
    return !isTaskFileName(base, textOf) && !project.isConfigFile(target) && !mayHoldPytestConfig(base, textOf);
  }
  if (file.language === 'yaml') return !mayDefineSuiteSetup(project.relative(target), project.peekText(target));
  // A shell file may be a suite's DB script or runner wherever it lives.
  if (file.language !== 'python') return false;
  const base = path.basename(target);
  if (base === 'conftest.py' || isTestModuleName(base)) return false;
  // A fixture module defines a fixture (`@pytest.fixture`, `@fixture`) or names plugins; a module that
  // says neither can still be one when a `pytest_plugins` entry names it.
  const own = project.peekText(target);
  if (own === null || own.includes('fixture') || own.includes('pytest_plugins')) return false;
  const relative = project.relative(target);
  if (relative.startsWith('..')) return false;
  if (project.config.suites) {
    // Configured suites are found without parsing: is the file in one's folder, or one of its modules?
    const { suiteSpecs } = await import('./discovery.js');
    if (suiteSpecs(project).some((spec) => isUnder(relative, spec.name) || spec.testModules?.includes(target))) return false;
  } else {
    // A suite found by name or by content is a folder at or below a tests folder, or the folder of its
    // outermost conftest, or of its test module: a file under no tests folder is in such a suite only
    // when a conftest or a (possible) test module sits in its own folder or one above it.
    const folders = relative.split('/').slice(0, -1);
    if (folders.some((part) => TEST_ROOT_NAMES.has(part))) return false;
    const texts = readTexts(project);
    for (let dir = path.dirname(target); ; dir = path.dirname(dir)) {
      for (const other of project.files.inDir(dir)) {
        if (other.language !== 'python') continue;
        const name = path.basename(other.path);
        if (name === 'conftest.py' || isTestModuleName(name) || texts.runnerNamed === 'any' || texts.runnerNamed.has(name)) return false;
      }
      if (dir === project.root || path.dirname(dir) === dir) break;
    }
  }
  const texts = readTexts(project);
  return texts.readable && !texts.plugins;
}
