// The Makefile reader: recipe lines as shells in the Makefile's folder, make's expansion, positions back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromText } from '../src/source.js';
import { makefileRange, readMakefile } from '../src/readers/makefile.js';
import { pytestRuns } from '../src/model/scripts.js';

const TEXT = [
  'PY ?= python3',
  'FLAGS := -m integration',
  'export STAGE = ci',
  '',
  'check: db',
  '\t@cd backend \\',
  '\t  && $(PY) -m pytest tests $(FLAGS) $(shell cat opts)',
  '\t-docker compose stop db',
  'db:',
  '\tdocker compose up -d db',
  '',
].join('\n');

describe('readMakefile', () => {
  const makefile = readMakefile(fromText('/work/app/Makefile', 'shell', TEXT));
  assert.ok(makefile);
  const check = makefile.targets.get('check')!;

  it('reads targets, prerequisites and one shell per recipe line (continuations joined)', () => {
    assert.deepEqual(check.prerequisites, ['db']);
    assert.equal(check.lines.length, 2);
    assert.equal(check.lines[0]!.ignoreErrors, false);
    assert.equal(check.lines[1]!.ignoreErrors, true);
  });

  it('expands make variables and runs the line in the Makefile folder, after its own cd', () => {
    const runs = pytestRuns(check.lines[0]!.script);
    assert.equal(runs.length, 1);
    const run = runs[0]!;
    assert.equal(run.launcher, 'python3 -m pytest');
    assert.equal(run.cwd, '/work/app/backend');
    assert.deepEqual(run.targets, ['/work/app/backend/tests']);
    assert.deepEqual(run.args.slice(1, 3).map((word) => word.value), ['-m', 'integration']);
    assert.equal(run.targetsKnown, false, '$(shell ...) is unknown');
    assert.equal(run.env.get('STAGE'), 'ci');
  });

  it('maps positions back to the Makefile', () => {
    const line = check.lines[0]!;
    const run = pytestRuns(line.script)[0]!;
    const range = makefileRange(makefile, line, run.command.node);
    assert.deepEqual(range.start, { line: 7, column: 7 });
  });

  it('gives null for a file without rules', () => {
    assert.equal(readMakefile(fromText('/work/app/Makefile', 'shell', 'A = 1\n')), null);
  });
});
