// The pytest configuration a suite runs with. pytest looks for its configuration from the folder of the
// paths it is given upward and takes the first folder that holds one (docs.pytest.org, "Initialization:
// determining rootdir and configfile"): a `backend/pytest.ini` is what `pytest backend/tests` and
// `cd backend && pytest` read, not the project root's. So a suite's configuration is the nearest one at or
// above its folder, up to the project root (whose configuration is the project's, read when it opened);
// a run's is the one pytest finds from the run's paths, which may be another (runPytestConfig).
import path from 'node:path';
import { isWithin } from '../discover.js';
import type { Project } from './project.js';
import { PYTEST_CONFIG_FILES, pytestConfigFile, pytestConfigIn, withNativeEnv, type PytestConfig } from './pytest-config.js';
import { holdsNoneOf } from '../folder-listings.js';
import { configTextIfFile } from './app/sys-path.js';
import type { PytestRun } from './scripts.js';

/** Where a suite is: enough to tell its configuration. */
type SuitePlace = { project: Project; dir: string };

const byProject = new WeakMap<Project, Map<string, PytestConfig>>();

/** The pytest configuration for files in `dir` (absolute): the nearest folder at or above it that holds one, else the project's. */
export function pytestConfigFor(project: Project, dir: string): PytestConfig {
  if (dir === project.root || !isWithin(dir, project.root)) return project.pytest;
  let byDir = byProject.get(project);
  if (!byDir) byProject.set(project, (byDir = new Map()));
  const known = byDir.get(dir);
  if (known) return known;
  // Most folders hold no configuration file: the walk's listing tells, without a path built for each name.
  const own = holdsNoneOf(dir, PYTEST_CONFIG_FILES) ? null : pytestConfigIn(dir, configTextIfFile);
  const config = own ? withNativeEnv(own, dir, project.root, configTextIfFile) : pytestConfigFor(project, path.dirname(dir));
  byDir.set(dir, config);
  return config;
}

/** The pytest configuration of a suite: the one for its folder (see pytestConfigFor). */
export function suitePytest(suite: SuitePlace): PytestConfig {
  return pytestConfigFor(suite.project, suite.dir);
}

/**
 * The configuration pytest reads for this run: it looks from the common folder of its path arguments (its
 * working directory when it has none) upward, so `pytest` from the project root reads the root's even for a
 * suite below a `backend/pytest.ini`. Where neither is known, the suite's own.
 */
export function runPytestConfig(suite: SuitePlace, run: Pick<PytestRun, 'targets' | 'cwd' | 'args'>): PytestConfig {
  const named = namedRunConfig(suite, run);
  // `-c FILE`: that file, wherever it is; where it cannot be told, the suite's own.
  if (named !== undefined) return named ?? suitePytest(suite);
  const start = run.targets.length > 0 ? commonFolder(run.targets) : run.cwd;
  return start === null ? suitePytest(suite) : pytestConfigFor(suite.project, start);
}

/**
 * The configuration in the file a run names with `-c FILE` or `--config-file[=]FILE`: undefined when it
 * names none, null when the file cannot be told (its name or, for a relative one, the run's folder is not
 * known statically) or read.
 */
export function namedRunConfig(suite: SuitePlace, run: Pick<PytestRun, 'cwd' | 'args'>): PytestConfig | null | undefined {
  const named = namedConfigFile(run.args);
  if (named === undefined || named === null) return named;
  const file = path.isAbsolute(named) ? named : run.cwd === null ? null : path.resolve(run.cwd, named);
  return file === null ? null : configFileAt(suite.project, file);
}

/** The file a run names with `-c FILE` or `--config-file[=]FILE`: undefined when it names none, null when the name is not known statically. */
function namedConfigFile(args: PytestRun['args']): string | null | undefined {
  for (let index = 0; index < args.length; index++) {
    const value = args[index]!.value;
    if (value === '-c' || value === '--config-file') return args[index + 1]?.value ?? null;
    if (value?.startsWith('--config-file=')) return value.slice('--config-file='.length) || null;
    if (value?.startsWith('-c') && !value.startsWith('--')) return value.slice(2);
  }
  return undefined;
}

const namedFiles = new WeakMap<Project, Map<string, PytestConfig | null>>();

/** The configuration in a file a run names, read once per project (see pytestConfigFile); null when it cannot be read. */
function configFileAt(project: Project, file: string): PytestConfig | null {
  let byFile = namedFiles.get(project);
  if (!byFile) namedFiles.set(project, (byFile = new Map()));
  if (!byFile.has(file)) {
    const config = pytestConfigFile(file, configTextIfFile);
    // pytest-env's table is looked for up to the project root, or in the file's own folder outside the project.
    const top = isWithin(file, project.root) ? project.root : path.dirname(file);
    byFile.set(file, config && withNativeEnv(config, path.dirname(file), top, configTextIfFile));
  }
  return byFile.get(file)!;
}

/** The deepest folder holding every path (a path itself when it is the only one; pytestConfigFor looks past a file's name). */
function commonFolder(paths: string[]): string {
  let common = paths[0]!;
  for (const other of paths.slice(1)) {
    while (!isWithin(other, common)) {
      const parent = path.dirname(common);
      if (parent === common) break;
      common = parent;
    }
  }
  return common;
}
