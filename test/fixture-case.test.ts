// The fixture harness's bases: a case's project is its base, less the files it removes, with its own files
// laid over it (modes included, as SL701 reads the exec bit); a header that does not fit its base is an error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildProject, listFiles, readCase } from './fixture-case.js';
import { tempDir } from './temp-dir.js';

function write(root: string, files: Record<string, string>): void {
  for (const [relative, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    writeFileSync(path.join(root, relative), text);
  }
}

function withTree(run: (root: string) => void): void {
  const root = tempDir('smoke-lint-fixture-case-');
  try {
    run(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('a case on a base: base files, less the removed ones, with the case files laid over them', () => {
  withTree((root) => {
    write(path.join(root, 'bases/small'), { 'pyproject.toml': '[project]\n', 'run.sh': 'base\n', 'tests/conftest.py': 'base\n', 'tests/test_a.py': 'base\n' });
    chmodSync(path.join(root, 'bases/small/run.sh'), 0o755);
    write(path.join(root, 'case'), {
      'expected.txt': '# select: SL701\n# base: small\n# without: tests/conftest.py\nrun.sh:1:1: SL701\n',
      'project/run.sh': 'case\n',
      'project/tests/test_b.py': 'case\n',
    });
    chmodSync(path.join(root, 'case/project/run.sh'), 0o644);
    const fixture = readCase(path.join(root, 'case'));
    assert.deepEqual([fixture.select, fixture.base, fixture.without, fixture.expected], [['SL701'], 'small', ['tests/conftest.py'], ['run.sh:1:1: SL701']]);
    const target = path.join(root, 'out');
    buildProject(fixture, target, path.join(root, 'bases'));
    assert.deepEqual(listFiles(target), ['pyproject.toml', 'run.sh', 'tests/test_a.py', 'tests/test_b.py']);
    assert.equal(readFileSync(path.join(target, 'run.sh'), 'utf8'), 'case\n');
    assert.equal(statSync(path.join(target, 'run.sh')).mode & 0o777, 0o644, "the case's mode replaces the base's");
    assert.equal(readFileSync(path.join(target, 'tests/test_a.py'), 'utf8'), 'base\n');
  });
});

test('a base keeps its modes, and a case may have no project/ of its own', () => {
  withTree((root) => {
    write(path.join(root, 'bases/small'), { 'pyproject.toml': '[project]\n', 'run.sh': 'base\n' });
    chmodSync(path.join(root, 'bases/small/run.sh'), 0o755);
    write(path.join(root, 'case'), { 'expected.txt': '# base: small\n' });
    const target = path.join(root, 'out');
    buildProject(readCase(path.join(root, 'case')), target, path.join(root, 'bases'));
    assert.equal(statSync(path.join(target, 'run.sh')).mode & 0o777, 0o755);
  });
});

test('a header that does not fit its base is an error', () => {
  withTree((root) => {
    write(path.join(root, 'bases/small'), { 'pyproject.toml': '[project]\n', 'a.py': 'x = 1\n' });
    const attempt = (files: Record<string, string>) => {
      const dir = mkdtempSync(path.join(root, 'case-'));
      write(dir, files);
      return () => buildProject(readCase(dir), mkdtempSync(path.join(root, 'out-')), path.join(root, 'bases'));
    };
    assert.throws(attempt({ 'expected.txt': '# base: missing\n' }), /no base fixtures\/bases\/missing/);
    assert.throws(attempt({ 'expected.txt': '# base: small\n# without: b.py\n' }), /b\.py is no file of/);
    assert.throws(attempt({ 'expected.txt': '# base: small\n# without: a.py\n', 'project/a.py': 'y = 2\n' }), /also named by # without:/);
    assert.throws(attempt({ 'expected.txt': '# base: small\n', 'project/a.py': 'x = 1\n' }), /repeats fixtures\/bases\/small\/a\.py/);
    assert.throws(attempt({ 'expected.txt': '# without: a.py\n', 'project/pyproject.toml': '' }), /needs a # base:/);
  });
});
