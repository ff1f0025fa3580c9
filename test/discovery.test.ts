// Which modules form a suite: errors for configured entries that match nothing, and path runs that use
// the same project root as `smoke-lint .` under a nested pytest configuration.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../src/config.js';
import { lint } from '../src/engine.js';
import { findSuiteSpecs } from '../src/model/discovery.js';
import { KEPT_SCRIPT_TEXT, scriptIndex } from '../src/model/script-index.js';
import { projectModel } from './project.js';
import { tempDir } from './temp-dir.js';


function project(files: Record<string, string>): string {
  const root = tempDir('smoke-lint-discovery-');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

test('a configured `suites` entry that matches nothing is an error naming it', async () => {
  const root = project({
    'pyproject.toml': '[tool.smoke-lint]\nsuites = ["backend/tests", "services/*/e2e"]\n',
    'backend/tests/test_a.py': 'def test_a():\n    pass\n',
  });
  await assert.rejects(lint({ paths: ['.'], cwd: root }), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /`suites` entry "services\/\*\/e2e" matches no folder or module/);
    assert.doesNotMatch(error.message, /backend\/tests"/);
    return true;
  });
});

test('a backslash escapes a glob character in a `suites` entry', async () => {
  const root = project({
    'pyproject.toml': '[tool.smoke-lint]\nsuites = ["*/\\\\{\\\\{app\\\\}\\\\}/tests"]\n',
    'tpl/{{app}}/tests/test_a.py': 'def test_a():\n    pass\n',
  });
  const report = await lint({ paths: ['.'], cwd: root, select: ['SL101'] });
  assert.deepEqual(report.diagnostics.map((d) => path.relative(root, d.file.path)), ['tpl/{{app}}/tests/test_a.py']);
});

test('a file run uses the root and configuration of `smoke-lint .` even under a nested pytest.ini', async () => {
  const root = project({
    '.smoke-lint.toml': 'suites = ["backend/checks"]\n',
    '.git/HEAD': 'ref: refs/heads/main\n',
    'backend/pytest.ini': '[pytest]\naddopts = -q\n',
    'backend/checks/test_a.py': 'def test_a():\n    pass\n',
  });
  const whole = await lint({ paths: ['.'], cwd: root, select: ['SL101'] });
  const file = await lint({ paths: ['backend/checks/test_a.py'], cwd: root, select: ['SL101'] });
  assert.equal(whole.diagnostics.length, 1);
  assert.deepEqual(file.diagnostics.map((d) => d.file.path), whole.diagnostics.map((d) => d.file.path));
  assert.equal(file.suitesChecked, 1);
});

test('a unit test beside a content-found suite, named on the command line, is skipped quietly', async () => {
  const root = project({
    'pyproject.toml': '[project]\nname = "x"\n',
    'tests/conftest.py': 'import pytest\nfrom fastapi.testclient import TestClient\nfrom app import app\n\n@pytest.fixture\ndef client():\n    return TestClient(app)\n',
    'tests/test_api.py': 'def test_api(client):\n    client.get("/")\n',
    'tests/test_unit.py': 'def test_unit():\n    assert True\n',
  });
  const report = await lint({ paths: ['tests/test_unit.py'], cwd: root, select: ['SL101'] });
  assert.equal(report.suitesChecked, 0);
  const suite = await lint({ paths: ['tests/conftest.py'], cwd: root, select: ['SL101'] });
  assert.equal(suite.suitesChecked, 1);
  assert.deepEqual(suite.diagnostics.map((d) => path.relative(root, d.file.path)), ['tests/test_api.py']);
});

test('`smoke-lint suites` lists each suite with why it is one, its modules, DB script and runner', async () => {
  const { listSuites, formatSuites } = await import('../src/suites-command.js');
  const root = project({
    'pyproject.toml': '[project]\nname = "x"\n',
    'tests/__init__.py': '',
    'tests/conftest.py': 'pytest_plugins = ["tests.db_fixtures"]\n',
    'tests/db_fixtures.py': 'import pytest\nfrom sqlalchemy import create_engine\n\n@pytest.fixture\ndef engine():\n    return create_engine("postgresql://u:p@localhost:5433/t")\n',
    'tests/test_rows.py': 'def test_rows(engine):\n    pass\n',
    'tests/test_unit.py': 'def test_unit():\n    pass\n',
  });
  const listings = listSuites([], root);
  assert.equal(listings.length, 1);
  const [listing] = listings;
  assert.equal(listing!.suite, 'tests');
  assert.equal(listing!.reason.kind, 'content');
  assert.equal(listing!.reason.fixture, 'engine');
  assert.equal(listing!.reason.file, 'tests/db_fixtures.py');
  assert.deepEqual(listing!.testModules, ['tests/test_rows.py']);
  assert.deepEqual(listing!.fixtureModules, [{ file: 'tests/conftest.py', via: 'conftest' }, { file: 'tests/db_fixtures.py', via: 'pytest_plugins' }]);
  assert.match(formatSuites(listings), /^tests {2}\(content: its tests use fixture `engine`/);
  assert.equal(formatSuites(listSuites([], project({ 'pyproject.toml': '', 'tests/test_a.py': 'def test_a():\n    pass\n' }))), 'No integration suite found.\n');
});

test('the script index keeps a script model until a suite reads it, and lets the models beyond its budget go at once', async () => {
  const files = {
    'pyproject.toml': '[project]\nname = "x"\nversion = "0.1.0"\n',
    'tests/integration/test_it.py': 'def test_it():\n    pass\n',
    'tests/unit/test_u.py': 'def test_u():\n    pass\n',
    'scripts/test-integration.sh': '#!/bin/bash\ncd "$(dirname "$0")/.."\npytest tests/integration\n',
  };
  const shellLoaded = (built: ReturnType<typeof projectModel>) => built.loadedFiles().filter((file) => file.language === 'shell').map((file) => path.basename(file.path));
  // A script over the budget alone goes at once; the runner stays loaded through discovery for its suite.
  // (A script that runs no pytest and calls no script is not read by the index at all: this one runs the unit tests.)
  const root = project({ ...files, 'scripts/release.sh': `#!/bin/bash\n${'echo "step of the release, written out at length"\n'.repeat(12000)}pytest tests/unit\n` });
  const built = projectModel(root);
  const specs = await findSuiteSpecs(built);
  assert.deepEqual(specs.map((spec) => spec.name), ['tests/integration']);
  assert.deepEqual(shellLoaded(built), ['test-integration.sh']);
  const runner = path.join(root, 'scripts/test-integration.sh');
  const index = scriptIndex(built);
  assert.deepEqual(index.paths, [path.join(root, 'scripts/release.sh'), runner].sort());
  // A suite that does not read it leaves it loaded; the suite that reads it takes the same model, and lets it go.
  built.releaseSuiteFiles();
  assert.deepEqual(shellLoaded(built), ['test-integration.sh']);
  const script = index.byPath.get(runner)!;
  assert.deepEqual(index.runsOf(script)[0]!.targets, [path.join(root, 'tests/integration')]);
  built.releaseSuiteFiles();
  assert.deepEqual(shellLoaded(built), []);
  assert.notEqual(index.byPath.get(runner), script, 'read again after its suite, a new model');
});

test('the script index holds no more script models than its budget, besides the one it reads', () => {
  const long = (name: string) => `#!/bin/bash\n${`echo "${name}: a step written out at length"\n`.repeat(4000)}pytest tests/unit\n`;
  const files: Record<string, string> = { 'pyproject.toml': '', 'tests/integration/test_it.py': 'def test_it():\n    pass\n' };
  // Five scripts of about 180 KB each: three fit in the budget.
  for (const name of ['a', 'b', 'c', 'd', 'e']) files[`scripts/${name}.sh`] = long(name);
  files['scripts/test-integration.sh'] = '#!/bin/bash\ncd "$(dirname "$0")/.." && bash scripts/a.sh && pytest tests/integration\n';
  const built = projectModel(project(files));
  const load = built.load.bind(built);
  let most = 0;
  built.load = (file) => {
    const held = built.loadedFiles().filter((loaded) => loaded.language === 'shell').reduce((sum, loaded) => sum + loaded.text.length, 0);
    most = Math.max(most, held);
    return load(file);
  };
  const index = scriptIndex(built);
  assert.ok(most <= KEPT_SCRIPT_TEXT, `at most the budget was held while the next was read (held ${most})`);
  assert.ok(most > 0);
  assert.equal(index.paths.length, 6);
  // What the index knows is the same: the runner's run, and its call with the directory it hands over.
  const runner = index.byPath.get(index.paths.find((scriptPath) => scriptPath.endsWith('test-integration.sh'))!)!;
  assert.deepEqual(index.runsOf(runner)[0]!.targets, [path.join(built.root, 'tests/integration')]);
  const a = index.byPath.get(index.paths.find((scriptPath) => scriptPath.endsWith('a.sh'))!)!;
  assert.equal(index.startOf(a).dir, built.root);
  assert.equal(index.startOf(a).how, 'callers');
});
