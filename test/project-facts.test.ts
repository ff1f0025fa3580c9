// Project-wide facts the app model asks once per project: answered from the files' texts, without
// parsing every script of the project again.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { projectTopNames, scriptsSetPythonPath } from '../src/model/app/project-facts.js';
import type { Project } from '../src/model/project.js';
import { projectModel } from './project.js';
import { tempDir } from './temp-dir.js';


function project(files: Record<string, string>): Project {
  const root = tempDir('smoke-lint-project-facts-');
  for (const [name, text] of Object.entries({ 'pyproject.toml': '[project]\nname = "x"\nversion = "0.1.0"\n', ...files })) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return projectModel(root);
}

it('tells whether a script sets PYTHONPATH or runs `python -m pytest`, reading texts only', () => {
  const setting = project({ 'scripts/a.sh': '#!/bin/bash\necho hi\n', 'scripts/b.sh': '#!/bin/bash\nexport PYTHONPATH=.\npytest\n' });
  assert.equal(scriptsSetPythonPath(setting), true);
  assert.deepEqual(setting.loadedFiles(), [], 'no script parsed for it');
  assert.equal(scriptsSetPythonPath(project({ 'run.sh': '#!/bin/sh\npython3 -m pytest tests\n' })), true);
  assert.equal(scriptsSetPythonPath(project({ 'run.sh': '#!/bin/sh\npytest tests  # no PYTHON_PATH here\n' })), false);
});

it("names every folder and module of the project's Python files, and nothing outside the project", () => {
  const facts = project({
    'app.py': '',
    'backend/api/routes.py': '',
    'backend/api/deps.py': '',
    'backend/db/__init__.py': '',
    'tests/integration/test_api.py': '',
    'docs/readme.md': '',
    'scripts/run.sh': '#!/bin/sh\n',
  });
  assert.deepEqual([...projectTopNames(facts)].sort(), ['__init__', 'api', 'app', 'backend', 'db', 'deps', 'integration', 'routes', 'test_api', 'tests']);
});
