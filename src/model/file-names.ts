// The names that tell a file's part in a suite from its path alone: test modules, tests folders,
// Makefiles. Kept apart from the models that read those files, so that a run deciding from paths and
// texts (src/model/suite-reach.ts) loads none of them.

/** Folders that hold a project's tests: suites are found at or below them. */
export const TEST_ROOT_NAMES = new Set(['tests', 'test']);

/** pytest's default test module names: `test_*.py` and `*_test.py`. */
export function isTestModuleName(base: string): boolean {
  return (base.startsWith('test_') && base.endsWith('.py')) || (base.endsWith('_test.py') && base !== '_test.py');
}

/** Is this file name one compose picks up by itself, or one named like a compose file? */
export function isComposeFileName(base: string): boolean {
  return /^(docker-)?compose([.-][\w.-]*)?\.ya?ml$/.test(base);
}

/**
 * May a YAML file define a suite's database or runner: a compose file (by its name, or any file with
 * `services:`, which `docker compose -f` may name), a GitHub Actions workflow, a GitLab CI file? Told from
 * the path and the text alone.
 */
export function mayDefineSuiteSetup(relative: string, text: string | null): boolean {
  const base = relative.slice(relative.lastIndexOf('/') + 1);
  if (isComposeFileName(base) || base === '.gitlab-ci.yml' || base === '.gitlab-ci.yaml' || relative.startsWith('.github/workflows/')) return true;
  return text === null || /^\s*services\s*:/m.test(text);
}

/** The names GNU make looks for, in its order. */
export const MAKEFILE_NAMES = ['GNUmakefile', 'makefile', 'Makefile'];

/**
 * A file whose recipes or commands may be a suite's runner, read only through its reader: a Makefile,
 * `tox.ini`, a `setup.cfg` whose text (when known) has tox's `[tox:tox]` section, a `pyproject.toml`
 * whose text (when known) has tox's `legacy_tox_ini`.
 */
export function isTaskFileName(base: string, text?: string | null): boolean {
  if (base === 'setup.cfg') return text === undefined || text === null || /^\[tox:tox\]/m.test(text);
  if (base === 'pyproject.toml') return text === undefined || text === null || text.includes('legacy_tox_ini');
  return MAKEFILE_NAMES.includes(base) || base === 'tox.ini';
}
