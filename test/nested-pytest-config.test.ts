// A suite runs with the pytest configuration nearest its folder (src/model/suite-pytest-config.ts), as
// pytest picks one from the folder of its arguments upward: a `backend/pytest.ini` is read for the suites
// below it instead of the project root's configuration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { nativeEnvIn, pytestConfigIn } from '../src/model/pytest-config.js';
import { pytestConfigFor, runPytestConfig } from '../src/model/suite-pytest-config.js';
import type { PytestRun } from '../src/model/scripts.js';
import { noSuiteCanRead } from '../src/model/suite-reach.js';
import { selectSuites } from '../src/suite-lint.js';
import { clearFileSystemCache } from '../src/model/app/sys-path.js';
import { GATED_MODULE, makeTempProject, projectModel } from './project.js';

/** A folder's files by name, as pytestConfigIn asks for them. */
function folder(files: Record<string, string>): (file: string) => string | null {
  return (file) => files[path.basename(file)] ?? null;
}

test('in one folder, pytest.ini wins even without a [pytest] section, then .pytest.ini, pyproject.toml, tox.ini, setup.cfg', () => {
  const tables = {
    'pyproject.toml': '[tool.pytest.ini_options]\naddopts = "-q"\n',
    'tox.ini': '[pytest]\naddopts = -x\n',
    'setup.cfg': '[tool:pytest]\naddopts = -s\n',
  };
  assert.equal(pytestConfigIn('/p', folder({ 'pytest.ini': '[other]\n', ...tables }))?.source, '/p/pytest.ini');
  assert.equal(pytestConfigIn('/p', folder({ 'pytest.ini': '[other]\n', ...tables }))?.addopts, '');
  assert.equal(pytestConfigIn('/p', folder({ '.pytest.ini': '[pytest]\naddopts = -v\n', ...tables }))?.addopts, '-v');
  assert.equal(pytestConfigIn('/p', folder(tables))?.addopts, '-q');
  // A pyproject.toml, tox.ini or setup.cfg without pytest's section is passed over.
  assert.equal(pytestConfigIn('/p', folder({ ...tables, 'pyproject.toml': '[project]\nname = "x"\n' }))?.addopts, '-x');
  assert.equal(pytestConfigIn('/p', folder({ 'tox.ini': '[testenv]\ncommands = pytest\n', 'setup.cfg': tables['setup.cfg'] }))?.addopts, '-s');
  assert.equal(pytestConfigIn('/p', folder({ 'setup.cfg': '[metadata]\nname = x\n' })), null);
  assert.equal(pytestConfigIn('/p', folder({})), null);
  // pytest-env's flags: `D:` sets a variable only when it is unset, `R:` keeps the value raw.
  const flagged = pytestConfigIn('/p', folder({ 'pytest.ini': '[pytest]\nenv =\n    D:R:APP_ENV=test\n    r:GATE=true\n' }));
  assert.deepEqual([[...(flagged?.env ?? [])], [...(flagged?.envDefaults ?? [])]], [[['APP_ENV', 'test'], ['GATE', 'true']], ['APP_ENV']]);
});

test("pytest 9's TOML: pytest.toml wins over pytest.ini even empty, and [tool.pytest] over [tool.pytest.ini_options]", () => {
  const ini = { 'pytest.ini': '[pytest]\naddopts = -x\n' };
  assert.equal(pytestConfigIn('/p', folder({ 'pytest.toml': '', ...ini }))?.source, '/p/pytest.toml');
  assert.equal(pytestConfigIn('/p', folder({ '.pytest.toml': '[pytest]\naddopts = ["-q", "-m", "integration"]\n', ...ini }))?.addopts, '-q -m integration');
  const native = pytestConfigIn('/p', folder({ 'pyproject.toml': '[tool.pytest]\npythonpath = ["."]\nenv = ["RUN_INTEGRATION_TESTS=true"]\n\n[tool.pytest.ini_options]\naddopts = "-x"\n' }));
  assert.deepEqual([native?.pythonpath, [...(native?.env ?? [])], native?.addopts], [['.'], [['RUN_INTEGRATION_TESTS', 'true']], '']);
  assert.equal(pytestConfigIn('/p', folder({ 'pyproject.toml': '[tool.pytest.ini_options]\naddopts = "-x"\n' }))?.addopts, '-x');
  // A pyproject.toml with neither table is no configuration; a broken one neither.
  assert.equal(pytestConfigIn('/p', folder({ 'pyproject.toml': '[tool.ruff]\nline-length = 100\n' })), null);
  assert.equal(pytestConfigIn('/p', folder({ 'pyproject.toml': '[tool.pytest\n' })), null);
});

test("pytest-env's own TOML table: values as Python's str, unset entries left out, the first folder upward with a TOML file decides", () => {
  const table = '[tool.pytest_env]\nRUN_INTEGRATION_TESTS = "true"\nRETRIES = 3\nDEBUG = true\nAPP_ENV = { value = "test", skip_if_set = true }\nDATABASE_URL = { unset = true }\n';
  const native = nativeEnvIn('/p', '/p', folder({ 'pyproject.toml': table }));
  assert.deepEqual([...(native?.env ?? [])], [['RUN_INTEGRATION_TESTS', 'true'], ['RETRIES', '3'], ['DEBUG', 'True'], ['APP_ENV', 'test']]);
  assert.deepEqual([...(native?.envDefaults ?? [])], ['APP_ENV'], 'skip_if_set: only when unset');
  assert.deepEqual([...(nativeEnvIn('/p', '/p', folder({ 'pytest.toml': '[pytest_env]\nX = "1"\n' }))?.env ?? [])], [['X', '1']]);
  assert.equal(nativeEnvIn('/p', '/p', folder({ 'pyproject.toml': '[tool.pytest]\nenv = ["X=1"]\n' })), null);
  // From backend/ upward: the root's pyproject.toml, when backend/ holds no TOML file; not past one that does.
  const files = new Map([['/p/pyproject.toml', table], ['/p/api/pyproject.toml', '[project]\nname = "api"\n']]);
  const textOf = (file: string) => files.get(file) ?? null;
  assert.equal(nativeEnvIn('/p/backend', '/p', textOf)?.env.get('RUN_INTEGRATION_TESTS'), 'true');
  assert.equal(nativeEnvIn('/p/api', '/p', textOf), null);
});

test('a suite takes the nearest configuration at or above its folder, never one above the project root', () => {
  const root = makeTempProject({
    'pyproject.toml': '[project]\nname = "shop"\n\n[tool.pytest.ini_options]\nenv = ["RUN_INTEGRATION_TESTS=true"]\n',
    'backend/pytest.ini': '[pytest]\npythonpath = ..\nenv =\n    APP_ENV=test\n',
    'backend/tests/integration/test_api.py': GATED_MODULE,
    'worker/tests/integration/test_jobs.py': GATED_MODULE,
  });
  clearFileSystemCache();
  const project = projectModel(root);
  const backend = pytestConfigFor(project, path.join(root, 'backend', 'tests', 'integration'));
  assert.equal(backend.source, path.join(root, 'backend', 'pytest.ini'));
  assert.deepEqual(backend.pythonpath, ['..']);
  assert.deepEqual([...backend.env], [['APP_ENV', 'test']], "the root's env entries are not pytest's for this suite");
  assert.equal(pytestConfigFor(project, path.join(root, 'backend')), backend);
  // No configuration below the root: the project's own.
  assert.equal(pytestConfigFor(project, path.join(root, 'worker', 'tests', 'integration')), project.pytest);
  assert.equal(pytestConfigFor(project, root), project.pytest);
  assert.equal(pytestConfigFor(project, path.dirname(root)), project.pytest);
});

test("pytest-env's table replaces the env entries of the configuration it goes with, found from that configuration's folder up", () => {
  const root = makeTempProject({
    'pyproject.toml': '[project]\nname = "shop"\n\n[tool.pytest_env]\nRUN_INTEGRATION_TESTS = "true"\n',
    'backend/pytest.ini': '[pytest]\nenv =\n    APP_ENV=test\n',
    'backend/tests/integration/test_api.py': GATED_MODULE,
  });
  clearFileSystemCache();
  const project = projectModel(root);
  assert.deepEqual([...project.pytest.env], [['RUN_INTEGRATION_TESTS', 'true']]);
  const backend = pytestConfigFor(project, path.join(root, 'backend', 'tests', 'integration'));
  assert.equal(backend.source, path.join(root, 'backend', 'pytest.ini'));
  assert.deepEqual([...backend.env], [['RUN_INTEGRATION_TESTS', 'true']]);
  assert.equal(pytestConfigFor(project, path.join(root, 'backend')), backend, 'one configuration object per file');
});

test('a run that names its configuration with -c reads that file, whatever its folder; an unknown name leaves the suite its own', () => {
  const root = makeTempProject({
    'pyproject.toml': '[project]\nname = "shop"\n\n[tool.pytest.ini_options]\naddopts = "-q"\n',
    'ci/integration.ini': '[pytest]\nenv =\n    RUN_INTEGRATION_TESTS=true\n',
    'ci/integration.toml': '[tool.pytest]\naddopts = ["-x"]\n',
    'backend/tests/integration/test_api.py': GATED_MODULE,
  });
  clearFileSystemCache();
  const project = projectModel(root);
  const suite = { project, dir: path.join(root, 'backend', 'tests', 'integration') };
  const words = (...values: Array<string | null>) => values.map((value) => ({ value })) as unknown as PytestRun['args'];
  const run = (args: PytestRun['args'], cwd: string | null = root) => runPytestConfig(suite, { args, cwd, targets: [suite.dir] });
  assert.equal(run(words('-c', 'ci/integration.ini')).env.get('RUN_INTEGRATION_TESTS'), 'true');
  assert.equal(run(words('--config-file=ci/integration.toml')).addopts, '-x');
  assert.equal(run(words(`-c${path.join(root, 'ci', 'integration.ini')}`), null).source, path.join(root, 'ci', 'integration.ini'));
  // Not known: the value, or the folder a relative name is read from.
  assert.equal(run(words('-c', null)), project.pytest);
  assert.equal(run(words('-c', 'ci/integration.ini'), null), project.pytest);
  assert.equal(run(words('-q', '--co')), project.pytest);
});

test('a staged pytest configuration below the root selects the suites that run with it, and only those', async () => {
  const root = makeTempProject({
    'backend/pytest.ini': '[pytest]\naddopts = -q\n',
    'backend/tests/integration/test_api.py': GATED_MODULE,
    'worker/tests/integration/test_jobs.py': GATED_MODULE,
    'docs/pytest.ini': '[pytest]\n',
    'worker/setup.cfg': '[metadata]\nname = worker\n',
  });
  clearFileSystemCache();
  const project = projectModel(root);
  const staged = path.join(root, 'backend', 'pytest.ini');
  assert.equal(await noSuiteCanRead(project, staged), false);
  assert.deepEqual(selectSuites(project, [staged]).map((suite) => suite.name), ['backend/tests/integration']);
  // A configuration no suite runs with selects none; a setup.cfg without pytest's section is no configuration.
  assert.deepEqual(selectSuites(project, [path.join(root, 'docs', 'pytest.ini')]), []);
  assert.equal(await noSuiteCanRead(project, path.join(root, 'worker', 'setup.cfg')), true);
  assert.equal(await noSuiteCanRead(project, path.join(root, 'worker', 'pytest.toml')), false);
});
