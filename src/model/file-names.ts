// The names that tell a file's part in a suite from its path alone: test modules, tests folders,
// Makefiles. Kept apart from the models that read those files, so that a run deciding from paths and
// texts (src/model/suite-reach.ts) loads none of them.

/** Folders that hold a project's tests: suites are found at or below them. */
export const TEST_ROOT_NAMES = new Set(['tests', 'test']);

/** pytest's default test module names: `test_*.py` and `*_test.py`. */
export function isTestModuleName(base: string): boolean {
  return (base.startsWith('test_') && base.endsWith('.py')) || (base.endsWith('_test.py') && base !== '_test.py');
}

/** The names GNU make looks for, in its order. */
export const MAKEFILE_NAMES = ['GNUmakefile', 'makefile', 'Makefile'];
