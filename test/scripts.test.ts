// Runners and DB scripts: pytest invocations, script-to-script calls, and pairing them with a suite.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { buildSuite } from '../src/model/suite.js';
import { shellScript, type ShellScript } from '../src/model/shell.js';
import { pytestRuns, scriptCalls, suiteRelation, suiteScripts } from '../src/model/scripts.js';
import { fromText } from '../src/source.js';
import { SKILL_TEST_DB, SKILL_RUNNER } from './skill-scripts.js';
import { projectModel } from './project.js';
import { tempDir } from './temp-dir.js';



function model(text: string, file = '/proj/scripts/run.sh'): ShellScript {
  const script = shellScript(fromText(file, 'shell', text));
  assert.ok(script);
  return script;
}

describe('the skill runner', () => {
  const runner = model(SKILL_RUNNER, '/proj/scripts/test-integration.sh');

  it('runs pytest on the suite, with the gate, under errexit', () => {
    const runs = pytestRuns(runner);
    assert.equal(runs.length, 1);
    const run = runs[0]!;
    assert.deepEqual(run.targets, ['/proj/backend/tests/integration']);
    assert.deepEqual(run.rawTargets, ['tests/integration/']);
    assert.equal(run.targetsKnown, true);
    assert.equal(run.cwd, '/proj/backend');
    assert.equal(run.env.get('RUN_INTEGRATION_TESTS'), 'true');
    assert.equal(run.command.errexit, true);
    assert.equal(run.launcher, 'pytest');
    assert.deepEqual(run.args.map((word) => word.value), ['tests/integration/', '-v']);
  });

  it('calls test-db.sh with start and stop', () => {
    const calls = scriptCalls(runner).filter((call) => call.path?.endsWith('test-db.sh'));
    assert.deepEqual(calls.map((call) => [call.path, call.argument, call.via, call.anchored]), [
      ['/proj/backend/tests/integration/scripts/test-db.sh', 'start', 'direct', true],
      ['/proj/backend/tests/integration/scripts/test-db.sh', 'stop', 'direct', true],
    ]);
    assert.equal(calls[0]!.looksLikeShell, true);
  });

  it('sources the virtualenv', () => {
    const source = scriptCalls(runner).find((call) => call.via === 'source');
    assert.equal(source?.path, '/proj/.venv/bin/activate');
    assert.equal(source?.anchored, true);
  });
});

describe('pytest spellings', () => {
  const cases: Array<[string, string, string[]]> = [
    ['pytest tests/integration', 'pytest', ['tests/integration']],
    ['py.test tests/integration', 'py.test', ['tests/integration']],
    ['python -m pytest tests/integration', 'python -m pytest', ['tests/integration']],
    ['python3 -m pytest -x tests/integration', 'python3 -m pytest', ['-x', 'tests/integration']],
    ['python3.12 -B -m pytest tests/integration', 'python3.12 -m pytest', ['tests/integration']],
    ['.venv/bin/pytest tests/integration', 'pytest', ['tests/integration']],
    ['uv run pytest tests/integration', 'uv run pytest', ['tests/integration']],
    ['uv run --with pytest-cov --extra test pytest tests/integration', 'uv run pytest', ['tests/integration']],
    ['uv run -m pytest tests/integration', 'uv run -m pytest', ['tests/integration']],
    ['uv run python -m pytest tests/integration', 'uv run python -m pytest', ['tests/integration']],
    ['poetry run pytest tests/integration', 'poetry run pytest', ['tests/integration']],
    ['pipenv run pytest tests/integration', 'pipenv run pytest', ['tests/integration']],
    ['hatch run pytest tests/integration', 'hatch run pytest', ['tests/integration']],
    ['hatch run test:pytest tests/integration', 'hatch run pytest', ['tests/integration']],
    ['pdm run pytest tests/integration', 'pdm run pytest', ['tests/integration']],
    ['coverage run -m pytest tests/integration', 'coverage run -m pytest', ['tests/integration']],
    ['exec pytest tests/integration', 'pytest', ['tests/integration']],
    ['env X=1 pytest tests/integration', 'pytest', ['tests/integration']],
    ['timeout 600 pytest tests/integration', 'pytest', ['tests/integration']],
  ];
  for (const [line, launcher, args] of cases) {
    it(line, () => {
      const runs = pytestRuns(model(line + '\n'));
      assert.equal(runs.length, 1);
      assert.equal(runs[0]!.launcher, launcher);
      assert.deepEqual(runs[0]!.args.map((word) => word.value), args);
    });
  }

  it('is not fooled by look-alikes', () => {
    for (const line of ['echo pytest', 'python script.py', 'python -c "import pytest"', 'uv run ruff check', 'pip install pytest', 'python -m mypy .']) {
      assert.deepEqual(pytestRuns(model(line + '\n')), [], line);
    }
  });
});

describe('pytest arguments', () => {
  it('separates targets from option values', () => {
    const run = pytestRuns(model('pytest -k "not slow" -m integration tests/integration --cov src -p no:cacheprovider --tb=short -n4 -rA -vx tests/other/test_a.py::TestA::test_b --junitxml out.xml\n', '/proj/run.sh'))[0]!;
    assert.deepEqual(run.rawTargets, ['tests/integration', 'tests/other/test_a.py']);
    // The caller's directory is unknown to the script: relative targets wait for the runner model to place them.
    assert.deepEqual(run.targets, []);
    assert.equal(run.cwdFromStart, '.');
  });

  it('has no targets for a bare pytest', () => {
    const run = pytestRuns(model('cd /proj/backend\npytest -q\n'))[0]!;
    assert.deepEqual(run.targets, []);
    assert.equal(run.cwd, '/proj/backend');
  });

  it('resolves targets against cd in a subshell and env -C', () => {
    const script = model('(cd /proj/backend && pytest tests/integration)\npytest tests/integration\nenv -C /srv pytest t\n', '/proj/scripts/run.sh');
    const runs = pytestRuns(script);
    assert.deepEqual(runs.map((run) => [run.cwd, run.cwdFromStart, run.targets]), [
      ['/proj/backend', null, ['/proj/backend/tests/integration']],
      [null, '.', []],
      ['/srv', null, ['/srv/t']],
    ]);
  });

  it('keeps the cwd relative to the start after relative cd and env -C', () => {
    const script = model('cd api\npytest tests\n(cd ../web && pytest e2e)\nenv -C sub pytest t\ncd "$WHERE"\npytest x\n', '/proj/scripts/run.sh');
    assert.deepEqual(pytestRuns(script).map((run) => [run.cwd, run.cwdFromStart]), [
      [null, 'api'],
      [null, 'web'],
      [null, 'api/sub'],
      [null, null],
    ]);
  });

  it('says when a target cannot be read', () => {
    const run = pytestRuns(model('pytest "$SUITE" $EXTRA\n'))[0]!;
    assert.equal(run.targetsKnown, false);
    assert.deepEqual(run.rawTargets, [null]);
  });

  it('gathers the environment: exports in force, env, prefixes', () => {
    const runs = pytestRuns(model('export RUN_INTEGRATION_TESTS=true\nexport DB=x\nDB=y pytest a\nenv RUN_INTEGRATION_TESTS=false pytest b\nif x; then export MAYBE=1; fi\npytest c\n'));
    assert.deepEqual(Object.fromEntries(runs[0]!.env), { RUN_INTEGRATION_TESTS: 'true', DB: 'y' });
    assert.equal(runs[1]!.env.get('RUN_INTEGRATION_TESTS'), 'false');
    assert.equal(runs[2]!.env.has('MAYBE'), true);
    assert.equal(runs[2]!.env.get('MAYBE'), null);
  });
});

describe('script calls', () => {
  it('reads direct, bash, sh and source calls', () => {
    const script = model(
      [
        'DIR="$(cd "$(dirname "$0")" && pwd)"',
        '"$DIR/test-db.sh" start',
        'bash "$DIR/test-db.sh" stop',
        'sh -e ./other.sh',
        'source "$DIR/env.sh"',
        '. ./lib.sh',
        '$0 restart',
        './relative.sh go',
        'bash -c "echo hi"',
        '/usr/bin/env true',
        '.venv/bin/python x.py',
        '"$UNKNOWN_DIR/x.sh" start',
      ].join('\n') + '\n',
      '/proj/scripts/run.sh',
    );
    assert.deepEqual(scriptCalls(script).map((call) => [call.via, call.path, call.argument, call.anchored]), [
      ['direct', '/proj/scripts/test-db.sh', 'start', true],
      ['bash', '/proj/scripts/test-db.sh', 'stop', true],
      ['sh', '/proj/scripts/other.sh', null, false],
      ['source', '/proj/scripts/env.sh', null, true],
      ['source', '/proj/scripts/lib.sh', null, false],
      ['direct', '/proj/scripts/run.sh', 'restart', true],
      ['direct', '/proj/scripts/relative.sh', 'go', false],
      ['direct', null, 'start', false],
    ]);
    assert.deepEqual(scriptCalls(script).map((call) => call.fromStart), [null, null, 'other.sh', null, 'lib.sh', null, 'relative.sh', null]);
  });

  it('sees the script a project launcher runs', () => {
    const script = model('cd backend\nuv run bash scripts/test.sh cov\npoetry run -q ./scripts/x.sh\nuv run --with httpx pytest\nuv run -m pkg\n');
    assert.deepEqual(scriptCalls(script).map((call) => [call.via, call.fromStart, call.argument]), [
      ['bash', 'backend/scripts/test.sh', 'cov'],
      ['direct', 'backend/scripts/x.sh', null],
    ]);
  });
});

describe('suite scripts', () => {
  const root = tempDir('smoke-lint-scripts-');
  after(() => rmSync(root, { recursive: true, force: true }));
  const write = (relative: string, text: string): void => {
    const file = path.join(root, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text, { mode: 0o755 });
  };
  write('pyproject.toml', '[project]\nname = "shop"\nversion = "0.1.0"\n');
  write('backend/tests/integration/test_smoke.py', 'def test_x():\n    pass\n');
  write('backend/tests/integration/scripts/test-db.sh', SKILL_TEST_DB);
  write('scripts/test-integration.sh', SKILL_RUNNER);
  write('scripts/test-unit.sh', '#!/bin/bash\ncd "$(dirname "$0")/../backend"\npytest tests/unit\n');
  write('scripts/test-all.sh', '#!/bin/bash\ncd "$(dirname "$0")/../backend"\npytest tests\n');
  write('services/api/tests/e2e/test_e2e.py', 'def test_y():\n    pass\n');
  write('services/api/run-e2e.sh', '#!/usr/bin/env bash\nset -euo pipefail\nHERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"\nbash "$HERE/../../tools/pg.sh" up\nRUN_INTEGRATION_TESTS=true uv run pytest "$HERE/tests/e2e"\n');
  write('tools/pg.sh', '#!/bin/sh\ndocker run -d --rm --name e2e-db -p 5434:5432 postgres:16\n');
  const project = projectModel(root);

  it('pairs the skill layout', () => {
    const suite = buildSuite(project, 'backend/tests/integration');
    const scripts = suiteScripts(suite);
    assert.deepEqual(scripts.dbScripts.map((script) => project.relative(script.file.path)), ['backend/tests/integration/scripts/test-db.sh']);
    assert.deepEqual(scripts.runners.map((script) => project.relative(script.file.path)), ['scripts/test-all.sh', 'scripts/test-integration.sh']);
    assert.deepEqual(scripts.runs.map((entry) => [project.relative(entry.script.file.path), entry.relation]), [
      ['scripts/test-all.sh', 'ancestor'],
      ['scripts/test-integration.sh', 'inside'],
    ]);
    assert.deepEqual(scripts.dbCalls.map((entry) => entry.call.argument), ['start', 'stop']);
    assert.equal(suiteScripts(suite), scripts, 'cached per suite');
  });

  it('follows a runner to a DB script outside the suite', () => {
    const suite = buildSuite(project, 'services/api/tests/e2e');
    const scripts = suiteScripts(suite);
    assert.deepEqual(scripts.runners.map((script) => project.relative(script.file.path)), ['services/api/run-e2e.sh']);
    assert.deepEqual(scripts.dbScripts.map((script) => project.relative(script.file.path)), ['tools/pg.sh']);
    assert.equal(scripts.runs[0]!.run.env.get('RUN_INTEGRATION_TESTS'), 'true');
  });

  it('tells how a run reaches a suite', () => {
    const suite = buildSuite(project, 'backend/tests/integration');
    const unit = pytestRuns(shellScript(project.load(project.files.ofLanguage('shell').find((file) => file.path.endsWith('test-unit.sh'))!)!)!)[0]!;
    assert.equal(suiteRelation(unit, suite), null);
    const bare = pytestRuns(model('cd /x/backend\npytest\n', '/x/scripts/a.sh'))[0]!;
    const otherSuite = { ...suite, dir: '/x/backend/tests/integration' };
    assert.equal(suiteRelation(bare, otherSuite), 'cwd');
  });

  it('finds a DB script by proximity when nothing names it', () => {
    const other = tempDir('smoke-lint-scripts-');
    try {
      const put = (relative: string, text: string): void => {
        const file = path.join(other, relative);
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, text);
      };
      put('pyproject.toml', '[project]\nname = "x"\nversion = "0.1.0"\n');
      put('tests/integration/test_a.py', 'def test_a():\n    pass\n');
      put('scripts/db.sh', '#!/bin/bash\ndocker run -d -p 5433:5432 postgres:17\n');
      put('scripts/redis.sh', '#!/bin/bash\ndocker run -d redis:7\n');
      const otherProject = projectModel(other);
      const scripts = suiteScripts(buildSuite(otherProject, 'tests/integration'));
      assert.deepEqual(scripts.dbScripts.map((script) => otherProject.relative(script.file.path)), ['scripts/db.sh']);
      assert.deepEqual(scripts.runners, []);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
