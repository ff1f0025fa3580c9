// Selecting the suites a requested file belongs to builds every suite to ask whether it reads the file;
// the suites not chosen must not stay alive (with their files' trees) for the rest of the run.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import vm from 'node:vm';
import { it } from 'node:test';
import { findSuiteSpecs } from '../src/model/discovery.js';
import { selectSuiteDirs } from '../src/suite-lint.js';
import { projectModel } from './project.js';
import { tempDir } from './temp-dir.js';

setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;


it('lets the suites built only to test a requested file go', async () => {
  const root = tempDir('smoke-lint-selection-');
  const files: Record<string, string> = {
    'pyproject.toml': '[project]\nname = "x"\nversion = "0.1.0"\n',
    'a/tests/integration/test_a.py': 'def test_a():\n    pass\n',
    'b/tests/integration/test_b.py': 'def test_b():\n    pass\n',
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  const project = projectModel(root);
  await findSuiteSpecs(project);
  const selection = selectSuiteDirs(project, [path.join(root, 'a/tests/integration/test_a.py')]);
  assert.deepEqual(selection.dirs, ['a/tests/integration']);
  // The file the unchosen suite was built from, as the project still holds it (the same object the suite holds).
  const held = new WeakRef(project.load(project.files.get(path.join(root, 'b/tests/integration/test_b.py'))!)!);
  project.releasePython();
  for (let turn = 0; turn < 3; turn++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.equal(held.deref(), undefined, 'the unchosen suite kept its files');
  assert.equal(selection.build('a/tests/integration').dir, path.join(root, 'a/tests/integration'));
});

it('a staged compose file, workflow, Makefile, tox.ini, tox setup.cfg or pytest configuration checks the suites it sets up, and reports what is wrong in it', async () => {
  const { caseProject, readCase, fixturesRoot } = await import('./fixture-case.js');
  const { runCli } = await import('./project.js');
  const cases: Array<[string, string, RegExp]> = [
    ['rules/SL501/fires-compose-dev-port', 'docker-compose.test.yml', /^docker-compose\.test\.yml:10:9: SL501 /m],
    ['rules/SL502/fires-ci-service-no-ports', '.github/workflows/integration.yml', /^\.github\/workflows\/integration\.yml:7:7: SL502 /m],
    ['rules/SL601/fires-makefile-target-without-gate', 'Makefile', /^Makefile:13:2: SL601 /m],
    ['rules/SL601/fires-tox-env-without-gate', 'tox.ini', /^tox\.ini:15:5: SL601 /m],
    ['rules/SL601/fires-tox-in-setup-cfg-without-gate', 'setup.cfg', /^setup\.cfg:10:5: SL601 /m],
    ['rules/SL601/fires-tox-in-pyproject-without-gate', 'pyproject.toml', /^pyproject\.toml:13:5: SL601 /m],
    // The pytest configuration bears on every suite: its addopts deselect the suite's tests in the runner.
    ['rules/SL606/fires-addopts-deselects', 'pyproject.toml', /^scripts\/run-integration\.sh:12:1: SL606 /m],
  ];
  for (const [name, staged, finding] of cases) {
    const { project, dispose } = caseProject(readCase(path.join(fixturesRoot, name)));
    try {
      const whole = await runCli(['--format', 'concise', '--no-color', '.'], project);
      assert.match(whole.stdout, finding, `${name}: the whole run`);
      const hook = await runCli(['--format', 'concise', '--no-color', staged], project);
      assert.match(hook.stdout, finding, `${name}: the run naming ${staged} alone, as pre-commit does`);
    } finally {
      dispose();
    }
  }
});
