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
 * Does a setup.cfg or pyproject.toml text hold tox's configuration? tox reads a setup.cfg only when it has a
 * `[tox:tox]` section, a pyproject.toml (here) only through `legacy_tox_ini`.
 */
export function holdsToxConfig(base: string, text: string): boolean {
  if (base === 'setup.cfg') return /^\[tox:tox\]/m.test(text);
  return base === 'pyproject.toml' && text.includes('legacy_tox_ini');
}

/**
 * A file whose recipes or commands may be a suite's runner, read only through its reader: a Makefile,
 * `tox.ini`, or a setup.cfg or pyproject.toml that holds tox's configuration (`textOf` is asked for their
 * text only; one that cannot be read may hold it).
 */
export function isTaskFileName(base: string, textOf: () => string | null): boolean {
  if (base === 'setup.cfg' || base === 'pyproject.toml') {
    const text = textOf();
    return text === null || holdsToxConfig(base, text);
  }
  return MAKEFILE_NAMES.includes(base) || base === 'tox.ini';
}

/**
 * May pytest take its configuration from this file: a pytest.toml, pytest.ini or their hidden versions, or
 * a pyproject.toml, tox.ini or setup.cfg with pytest's table or section (`textOf` is asked for their text
 * only; one that cannot be read may hold it)? A staged one below the project root changes what the suites
 * under it run with.
 */
export function mayHoldPytestConfig(base: string, textOf: () => string | null): boolean {
  if (/^\.?pytest\.(?:toml|ini)$/.test(base)) return true;
  if (base !== 'pyproject.toml' && base !== 'tox.ini' && base !== 'setup.cfg') return false;
  const text = textOf();
  return text === null || /^\[(?:tool\.pytest(?:\.ini_options)?|pytest|tool:pytest)\]/m.test(text);
}
