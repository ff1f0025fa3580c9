// The pre-filter of a path run (src/model/suite-reach.ts) may say "no suite can read this file" only when
// finding the suites agrees: checked against full discovery on every fixture project, and on small
// projects built for each way a file outside the suite folders can still be read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { openProject } from '../src/engine.js';
import { buildSuite, projectSuiteDirs } from '../src/model/suite.js';
import { noSuiteCanRead } from '../src/model/suite-reach.js';
import { repoRoot } from './helpers.js';
import { makeTempProject } from './project.js';

/** The files the project's suites read, by full discovery: their own files, outer conftests, fixture modules. */
function filesSuitesRead(root: string): Set<string> {
  const project = openProject(root);
  const read = new Set<string>();
  for (const dir of projectSuiteDirs(project)) {
    const suite = buildSuite(project, dir);
    for (const file of [...suite.files, ...suite.outerConftests, ...suite.fixtureModules.map((module) => module.file)]) read.add(file.path);
  }
  return read;
}

/** The discovered files the pre-filter calls unread (on a project of its own, so no cache is shared). */
async function filesCalledUnread(root: string): Promise<string[]> {
  const project = openProject(root);
  const unread: string[] = [];
  for (const file of project.discovered) if (await noSuiteCanRead(project, file.path)) unread.push(file.path);
  return unread;
}

function fixtureProjects(): string[] {
  const rules = path.join(repoRoot, 'fixtures', 'rules');
  const roots = [path.join(repoRoot, 'fixtures', 'clean', 'project')];
  for (const code of readdirSync(rules)) for (const kase of readdirSync(path.join(rules, code))) roots.push(path.join(rules, code, kase, 'project'));
  return roots;
}

test('on every fixture project, a file called unread is read by no suite that discovery finds', async () => {
  let unread = 0;
  let projects = 0;
  for (const root of fixtureProjects()) {
    let read: Set<string>;
    try {
      read = filesSuitesRead(root);
    } catch {
      continue; // a broken configuration: the run stops with its error either way
    }
    projects++;
    for (const file of await filesCalledUnread(root)) {
      unread++;
      assert.ok(!read.has(file), `${path.relative(repoRoot, file)} is read by a suite, but was called unread`);
    }
  }
  // The check is not empty: many app modules beside the suites are told apart without parsing.
  assert.ok(projects > 500 && unread > 100, `${projects} projects, ${unread} files called unread`);
});

const CONFTEST = 'import pytest\nfrom fastapi.testclient import TestClient\nfrom app.main import app\n\n@pytest.fixture\ndef client():\n    return TestClient(app)\n';
const TEST = 'def test_health(client):\n    assert client.get("/health").status_code == 200\n';
const APP = 'def double(value):\n    return value * 2\n';

async function verdict(files: Record<string, string>, target: string): Promise<{ unread: boolean; read: boolean }> {
  const root = makeTempProject(files);
  const project = openProject(root);
  return { unread: await noSuiteCanRead(project, path.join(root, target)), read: filesSuitesRead(root).has(path.join(root, target)) };
}

test('an app module beside a tests folder is unread, without parsing', async () => {
  assert.deepEqual(await verdict({ 'tests/integration/conftest.py': CONFTEST, 'tests/integration/test_api.py': TEST, 'app/util.py': APP }, 'app/util.py'), { unread: true, read: false });
});

test('a module a pytest_plugins entry names is read, and so is not called unread', async () => {
  const files = { 'tests/integration/conftest.py': 'pytest_plugins = ["app." + "util"]\n' + CONFTEST, 'tests/integration/test_api.py': TEST, 'app/util.py': APP };
  assert.deepEqual(await verdict(files, 'app/util.py'), { unread: false, read: true });
});

test('a module that defines fixtures may be imported by a suite: not called unread', async () => {
  const files = { 'tests/integration/conftest.py': 'from app.fixtures import *\n', 'tests/integration/test_api.py': TEST, 'app/fixtures.py': CONFTEST };
  assert.deepEqual(await verdict(files, 'app/fixtures.py'), { unread: false, read: true });
});

test('a module in the folder of a test module outside any tests folder is in that suite', async () => {
  const files = { 'api/test_api.py': 'from fastapi.testclient import TestClient\nfrom api.main import app\n\ndef test_health():\n    assert TestClient(app).get("/").status_code == 200\n', 'api/util.py': APP };
  assert.deepEqual(await verdict(files, 'api/util.py'), { unread: false, read: true });
});

test('a module below a root conftest is not called unread', async () => {
  const files = { 'conftest.py': CONFTEST, 'checks/test_api.py': TEST, 'checks/util.py': APP };
  assert.equal((await verdict(files, 'checks/util.py')).unread, false);
});

test('a module a script hands to pytest by name, or by a built name, is not called unread', async () => {
  const suite = 'from fastapi.testclient import TestClient\nfrom api.main import app\n\ndef test_health():\n    assert TestClient(app).get("/").status_code == 200\n';
  const named = await verdict({ 'api/checks.py': suite, 'api/util.py': APP, 'scripts/run.sh': '#!/bin/bash\npytest api/checks.py\n' }, 'api/util.py');
  assert.deepEqual(named, { unread: false, read: true });
  const built = await verdict({ 'api/checks.py': suite, 'api/util.py': APP, 'scripts/run.sh': '#!/bin/bash\nNAME=checks\npytest "api/${NAME}.py"\n' }, 'api/util.py');
  assert.equal(built.unread, false);
});

/** A suite by name, its conftest building a client. */
const A_SUITE = { 'tests/integration/conftest.py': CONFTEST, 'tests/integration/test_api.py': TEST };

test('the pytest or smoke-lint configuration is read for every suite; a pyproject.toml with neither is not', async () => {
  const withPytest = { ...A_SUITE, 'pyproject.toml': '[project]\nname = "demo"\nversion = "0.1.0"\n\n[tool.pytest.ini_options]\naddopts = "-q"\n' };
  assert.equal((await verdict(withPytest, 'pyproject.toml')).unread, false);
  // pytest.ini wins over pyproject.toml, which holds no smoke-lint table either here.
  const withIni = { ...A_SUITE, 'pytest.ini': '[pytest]\naddopts = -q\n', 'setup.cfg': '[metadata]\nname = demo\n', 'pyproject.toml': '[project]\nname = "demo"\nversion = "0.1.0"\n' };
  assert.equal((await verdict(withIni, 'pytest.ini')).unread, false);
  assert.equal((await verdict(withIni, 'setup.cfg')).unread, true);
  assert.equal((await verdict(withIni, 'pyproject.toml')).unread, true);
});

test('a YAML file that cannot set a suite up, or a file discovery did not find, is read by no suite', async () => {
  const files = {
    ...A_SUITE,
    'mkdocs.yml': 'site_name: demo\nnav:\n  - index.md\n',
    '.pre-commit-config.yaml': 'repos: []\n',
    'README.md': '# demo\n',
  };
  assert.equal((await verdict(files, 'mkdocs.yml')).unread, true);
  assert.equal((await verdict(files, '.pre-commit-config.yaml')).unread, true);
  assert.equal((await verdict(files, 'README.md')).unread, true);
});

test('a compose file, a file with compose services, a workflow, a GitLab CI file, a Makefile or tox.ini may set a suite up', async () => {
  const files = {
    ...A_SUITE,
    'tests/integration/compose.yml': 'services: {}\n',
    'docker/test-db.yml': 'services:\n  db:\n    image: postgres:17\n',
    '.github/workflows/ci.yml': 'on: push\njobs: {}\n',
    '.gitlab-ci.yml': 'stages: [test]\n',
    Makefile: 'test:\n\tpytest tests\n',
    'tox.ini': '[testenv]\ncommands = pytest tests\n',
  };
  for (const file of ['tests/integration/compose.yml', 'docker/test-db.yml', '.github/workflows/ci.yml', '.gitlab-ci.yml', 'Makefile', 'tox.ini']) {
    assert.equal((await verdict(files, file)).unread, false, file);
  }
});

test('a setup.cfg with tox\'s [tox:tox] section may set a suite up; one without it is read by no suite', async () => {
  const tox = { ...A_SUITE, 'setup.cfg': '[metadata]\nname = demo\n\n[tox:tox]\nenv_list = it\n\n[testenv:it]\ncommands = pytest tests\n' };
  assert.equal((await verdict(tox, 'setup.cfg')).unread, false);
  const notTox = { ...A_SUITE, 'setup.cfg': '[metadata]\nname = demo\n\n[testenv:it]\ncommands = pytest tests\n' };
  assert.equal((await verdict(notTox, 'setup.cfg')).unread, true);
});

test('a pyproject.toml with tox\'s legacy_tox_ini may set a suite up', async () => {
  const tox = { ...A_SUITE, 'pyproject.toml': '[project]\nname = "demo"\nversion = "0.1.0"\n\n[tool.tox]\nlegacy_tox_ini = """\n[testenv]\ncommands = pytest tests\n"""\n' };
  assert.equal((await verdict(tox, 'pyproject.toml')).unread, false);
});
