// Where a script starts: the directory its callers (scripts, Makefile recipes, CI steps) run it from, else
// the one candidate directory from which the paths it names exist; and what its callers export to it.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { scriptIndex } from '../src/model/script-index.js';
import { placedCwd } from '../src/model/script-cwd.js';
import type { Project } from '../src/model/project.js';
import { projectModel } from './project.js';
import { tempDir } from './temp-dir.js';

function project(files: Record<string, string>): { project: Project; root: string; start(relative: string): { dir: string | null; how: string; env: Record<string, string | null> | null } } {
  const root = tempDir('smoke-lint-script-cwd-');
  for (const [relative, text] of Object.entries({ 'pyproject.toml': '[project]\nname = "x"\nversion = "0.1.0"\n', ...files })) {
    const file = path.join(root, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text, { mode: 0o755 });
  }
  const built = projectModel(root);
  const index = scriptIndex(built);
  return {
    project: built,
    root,
    start(relative) {
      const script = index.byPath.get(path.join(root, relative));
      assert.ok(script, relative);
      const found = index.startOf(script);
      return { dir: found.dir === null ? null : built.relative(found.dir) || '.', how: found.how, env: found.env && Object.fromEntries(found.env) };
    },
  };
}


const TEST = 'def test_x():\n    pass\n';

describe('the start directory of a script', () => {
  it('comes from a CI step, through the script it calls', () => {
    const { start } = project({
      'tests/e2e/test_site.py': TEST,
      'backend/tests/test_api.py': TEST,
      'backend/scripts/test.sh': '#!/bin/bash\nset -e\npytest tests/\n',
      'backend/scripts/tests-start.sh': '#!/bin/bash\nset -e\nbash scripts/test.sh "$@"\n',
      '.github/workflows/ci.yml':
        'on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: uv run bash scripts/tests-start.sh\n        working-directory: backend\n        env:\n          RUN_INTEGRATION_TESTS: "true"\n',
    });
    assert.deepEqual(start('backend/scripts/tests-start.sh'), { dir: 'backend', how: 'callers', env: { RUN_INTEGRATION_TESTS: 'true' } });
    // Both the root and backend/ hold a `tests/` folder: only the caller tells.
    assert.deepEqual(start('backend/scripts/test.sh'), { dir: 'backend', how: 'callers', env: { RUN_INTEGRATION_TESTS: 'true' } });
  });

  it('comes from a Makefile recipe line, after its cd', () => {
    const { start } = project({
      'tests/test_a.py': TEST,
      'backend/tests/test_b.py': TEST,
      'backend/scripts/test.sh': '#!/bin/bash\npytest tests\n',
      Makefile: 'test:\n\tcd backend && ./scripts/test.sh\n',
    });
    assert.deepEqual(start('backend/scripts/test.sh'), { dir: 'backend', how: 'callers', env: {} });
  });

  it('comes from a calling script, after its cd', () => {
    const { start } = project({
      'tests/test_a.py': TEST,
      'backend/tests/test_b.py': TEST,
      'backend/scripts/test.sh': '#!/bin/bash\npytest tests\n',
      'scripts/ci.sh': '#!/bin/bash\ncd "$(dirname "$0")/../backend"\nexport DATABASE_URL=postgresql://x\nbash scripts/test.sh\n',
    });
    assert.deepEqual(start('backend/scripts/test.sh'), { dir: 'backend', how: 'callers', env: { DATABASE_URL: 'postgresql://x' } });
  });

  it('stays unknown when the callers disagree', () => {
    const { start } = project({
      'backend/tests/test_b.py': TEST,
      'backend/scripts/test.sh': '#!/bin/bash\npytest tests\n',
      Makefile: 'a:\n\tcd backend && bash scripts/test.sh\nb:\n\tbash backend/scripts/test.sh\n',
    });
    assert.deepEqual(start('backend/scripts/test.sh'), { dir: null, how: 'unknown', env: {} });
  });

  it('falls back on the one candidate from which the paths exist', () => {
    const { start } = project({
      'api/tests/test_it.py': TEST,
      'scripts/run-it.sh': '#!/bin/bash\nset -euo pipefail\n(\n  cd api\n  python3 -m pytest -q tests/test_it.py\n)\n',
      'backend/tests/test_b.py': TEST,
      'backend/scripts/test.sh': '#!/bin/bash\npytest tests/\n',
    });
    assert.deepEqual(start('scripts/run-it.sh'), { dir: '.', how: 'candidates', env: null });
    assert.deepEqual(start('backend/scripts/test.sh'), { dir: 'backend', how: 'candidates', env: null });
  });

  it('stays unknown when several candidates fit, or none, or nothing is relative', () => {
    const { start } = project({
      'tests/test_a.py': TEST,
      'backend/tests/test_b.py': TEST,
      'backend/scripts/both.sh': '#!/bin/bash\npytest tests\n',
      'backend/scripts/none.sh': '#!/bin/bash\ncd service\npytest tests\n',
      'backend/scripts/bare.sh': '#!/bin/bash\npytest -q\n',
    });
    assert.equal(start('backend/scripts/both.sh').dir, null);
    assert.equal(start('backend/scripts/none.sh').dir, null);
    assert.equal(start('backend/scripts/bare.sh').dir, null);
  });

  it('places the runs of a script in its start', () => {
    const { project: built, root } = project({
      'api/tests/test_it.py': TEST,
      'scripts/run-it.sh': '#!/bin/bash\n(cd api && pytest tests/test_it.py)\n',
    });
    const index = scriptIndex(built);
    const run = index.runsOf(index.byPath.get(path.join(root, 'scripts/run-it.sh'))!)[0]!;
    assert.equal(run.cwd, path.join(root, 'api'));
    assert.deepEqual(run.targets, [path.join(root, 'api/tests/test_it.py')]);
  });

  it('places the other relative paths a script reads (compose files) once its start is known', () => {
    const { project: built, root } = project({
      'api/tests/test_it.py': TEST,
      'compose.it.yml': 'services: {}\n',
      'scripts/run-it.sh': '#!/bin/bash\ndocker compose -f compose.it.yml up -d --wait\n(cd api && pytest tests/test_it.py)\n',
    });
    const index = scriptIndex(built);
    const script = index.byPath.get(path.join(root, 'scripts/run-it.sh'))!;
    const startDir = index.startOf(script).dir;
    assert.equal(startDir, root);
    assert.equal(placedCwd(script, script.commands[0]!.node.startIndex, startDir), root);
    assert.equal(placedCwd(script, script.commands[2]!.node.startIndex, startDir), path.join(root, 'api'));
    assert.equal(placedCwd(script, script.commands[0]!.node.startIndex, null), null, 'no start known, no cd of its own');
  });

  it('keeps what it inferred by path when the project releases its scripts between suites', () => {
    const { project: built, root } = project({
      'api/tests/test_it.py': TEST,
      'compose.it.yml': 'services: {}\n',
      'scripts/run-it.sh': '#!/bin/bash\ndocker compose -f compose.it.yml up -d --wait\n(cd api && pytest tests/test_it.py)\n',
      'scripts/ci.sh': '#!/bin/bash\ncd "$(dirname "$0")/.."\nbash scripts/run-it.sh\n',
    });
    const index = scriptIndex(built);
    const runner = path.join(root, 'scripts/run-it.sh');
    const before = index.byPath.get(runner)!;
    assert.equal(index.byPath.get(runner), before, 'one model per file while the suite runs');
    built.releaseSuiteFiles();
    const after = index.byPath.get(runner)!;
    assert.notEqual(after, before, 'a fresh model after the release');
    assert.deepEqual(index.startOf(after), index.startOf(before));
    assert.deepEqual(index.runsOf(after)[0]!.targets, [path.join(root, 'api/tests/test_it.py')]);
    assert.equal(placedCwd(after, after.commands[0]!.node.startIndex, index.startOf(after).dir), root);
    const calls = index.callsTo(runner);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.script.file.path, path.join(root, 'scripts/ci.sh'));
    assert.deepEqual(index.mayRun(path.join(root, 'api/tests')), [after]);
    assert.equal(index.byPath.get(path.join(root, 'api/tests/test_it.py')), undefined, 'no script there');
  });
});
