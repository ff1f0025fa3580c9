// The pytest runs a CI step reaches through the project scripts it calls, placed as that step runs them:
// its directory, its environment, and its arguments (none makes the script's `"$@"` empty).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { calledRuns } from '../src/model/called-runs.js';
import { workflowJobs } from '../src/readers/workflow-runners.js';
import { projectModel } from './project.js';
import { tempDir } from './temp-dir.js';


/** The runs the first step of the workflow's first job reaches through scripts, summarized. */
function runsOfStep(files: Record<string, string>): Array<{ script: string; cwd: string | null; targetsKnown: boolean; rawTargets: Array<string | null>; gate: string | null | undefined }> {
  const root = tempDir('smoke-lint-called-runs-');
  for (const [relative, text] of Object.entries({ 'pyproject.toml': '[project]\nname = "x"\nversion = "0.1.0"\n', ...files })) {
    const file = path.join(root, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text, { mode: 0o755 });
  }
  const project = projectModel(root);
  const step = workflowJobs(project)[0]!.shells[0]!;
  return calledRuns(project, step.script).map(({ script, run }) => ({
    script: project.relative(script.file.path),
    cwd: run.cwd === null ? null : project.relative(run.cwd) || '.',
    targetsKnown: run.targetsKnown,
    rawTargets: run.rawTargets,
    gate: run.env.get('RUN_INTEGRATION_TESTS'),
  }));
}

const workflow = (run: string, extra = ''): string =>
  `on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ${run}\n${extra}`;

describe('the runs a CI step reaches through project scripts', () => {
  it('places a script called with no arguments in the step directory, with the step env, its "$@" empty', () => {
    const runs = runsOfStep({
      'api/scripts/test': '#!/usr/bin/env bash\nset -e\npytest --cov=api "$@"\n',
      '.github/workflows/ci.yml': workflow('poetry run ./scripts/test', '        working-directory: api\n        env:\n          RUN_INTEGRATION_TESTS: "true"\n'),
    });
    assert.deepEqual(runs, [{ script: 'api/scripts/test', cwd: 'api', targetsKnown: true, rawTargets: [], gate: 'true' }]);
  });

  it('follows a wrapper that forwards its own empty "$@"', () => {
    const runs = runsOfStep({
      'scripts/ci.sh': '#!/bin/bash\nset -e\nbash scripts/test.sh "$@"\n',
      'scripts/test.sh': '#!/bin/bash\nset -e\npytest ${@}\n',
      '.github/workflows/ci.yml': workflow('uv run bash scripts/ci.sh'),
    });
    assert.deepEqual(runs, [{ script: 'scripts/test.sh', cwd: '.', targetsKnown: true, rawTargets: [], gate: undefined }]);
  });

  it('leaves "$@" unknown when the step passes arguments, or the script shifts them', () => {
    const given = runsOfStep({
      'scripts/test': '#!/usr/bin/env bash\npytest "$@"\n',
      '.github/workflows/ci.yml': workflow('./scripts/test tests/unit'),
    });
    assert.deepEqual(given.map((run) => run.targetsKnown), [false]);
    const shifted = runsOfStep({
      'scripts/test': '#!/usr/bin/env bash\nshift\npytest "$@"\n',
      '.github/workflows/ci.yml': workflow('./scripts/test'),
    });
    assert.deepEqual(shifted.map((run) => run.targetsKnown), [false]);
  });
});
