// The pytest configuration a suite runs with. pytest looks for its configuration from the folder of the
// paths it is given upward and takes the first folder that holds one (docs.pytest.org, "Initialization:
// determining rootdir and configfile"): a `backend/pytest.ini` is what `pytest backend/tests` and
// `cd backend && pytest` read, not the project root's. So a suite's configuration is the nearest one at or
// above its folder, up to the project root (whose configuration is the project's, read when it opened).
import path from 'node:path';
import { isWithin } from '../discover.js';
import type { Project } from './project.js';
import { pytestConfigIn, type PytestConfig } from './pytest-config.js';
import { configText, kindOf } from './app/sys-path.js';

const byProject = new WeakMap<Project, Map<string, PytestConfig>>();

/** The pytest configuration for files in `dir` (absolute): the nearest folder at or above it that holds one, else the project's. */
export function pytestConfigFor(project: Project, dir: string): PytestConfig {
  if (dir === project.root || !isWithin(dir, project.root)) return project.pytest;
  let byDir = byProject.get(project);
  if (!byDir) byProject.set(project, (byDir = new Map()));
  const known = byDir.get(dir);
  if (known) return known;
  const config = pytestConfigIn(dir, textIfFile) ?? pytestConfigFor(project, path.dirname(dir));
  byDir.set(dir, config);
  return config;
}

/** The pytest configuration of a suite: the one for its folder (see pytestConfigFor). */
export function suitePytest(suite: { project: Project; dir: string }): PytestConfig {
  return pytestConfigFor(suite.project, suite.dir);
}

/** Every folder is asked about five names, most of them missing: the walk's listings answer those without a read. */
function textIfFile(file: string): string | null {
  return kindOf(file) === 'file' ? configText(file) : null;
}
