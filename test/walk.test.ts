// The walk and symlinked folders, with real symlinks in temporary projects: never out of the project, each
// folder inside it once, loops cut.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { walkProject } from '../src/discover.js';
import { GATED_MODULE, makeTempProject, runCli } from './project.js';

const relativeFiles = (root: string) => walkProject(root).map((file) => path.relative(root, file.path).split(path.sep).join('/'));

test('a symlink to / is not walked', () => {
  const root = makeTempProject({ 'tests/integration/test_api.py': GATED_MODULE });
  symlinkSync('/', path.join(root, 'tests/integration/everything'));
  symlinkSync('/', path.join(root, 'rootlink'));
  assert.deepEqual(relativeFiles(root), ['tests/integration/test_api.py']);
});

test("a symlink to another project's suite does not bring its files or findings", async () => {
  const other = makeTempProject({ 'tests/integration/conftest.py': 'import pytest\n\npytestmark = pytest.mark.skip\n', 'tests/integration/test_x.py': 'def test_x():\n    pass\n' });
  const root = makeTempProject({ 'tests/integration/test_api.py': GATED_MODULE });
  symlinkSync(path.join(other, 'tests/integration'), path.join(root, 'tests/integration/vendored'));
  symlinkSync(path.join(other, 'tests'), path.join(root, 'othertests'));
  assert.deepEqual(relativeFiles(root), ['tests/integration/test_api.py']);
  const result = await runCli(['--format', 'concise'], root);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.doesNotMatch(result.stdout, /vendored|othertests/);
});

test('a symlink inside the project is followed once: a folder reached two ways is walked under its own path', () => {
  const root = makeTempProject({ 'tests/integration/test_api.py': GATED_MODULE, 'lib/helpers.py': 'X = 1\n', 'hidden/extra.py': 'Y = 1\n' });
  writeFileSync(path.join(root, '.gitignore'), 'hidden/\n');
  symlinkSync('../../lib', path.join(root, 'tests/integration/lib'));
  symlinkSync(path.join(root, 'hidden'), path.join(root, 'tests/integration/extra'));
  // lib/ is walked as lib/; hidden/ is ignored by .gitignore, so the link is the only way in and is followed.
  assert.deepEqual(relativeFiles(root).sort(), ['lib/helpers.py', 'tests/integration/extra/extra.py', 'tests/integration/test_api.py']);
});

test('symlink loops are cut: every file once', () => {
  const root = makeTempProject({ 'tests/integration/test_api.py': GATED_MODULE });
  symlinkSync('..', path.join(root, 'tests/integration/up'));
  symlinkSync('.', path.join(root, 'tests/integration/self'));
  mkdirSync(path.join(root, 'a'));
  symlinkSync(path.join(root, 'b'), path.join(root, 'a/to-b'));
  mkdirSync(path.join(root, 'b'));
  symlinkSync(path.join(root, 'a'), path.join(root, 'b/to-a'));
  writeFileSync(path.join(root, 'b/script.sh'), '#!/bin/sh\necho hi\n');
  assert.deepEqual(relativeFiles(root).sort(), ['b/script.sh', 'tests/integration/test_api.py']);
});

test('every path the walk gives is the one path.join gives, from a root written with a trailing slash, a dot segment or a relative path', () => {
  const root = makeTempProject({ 'tests/integration/test_api.py': GATED_MODULE, 'tests/integration/conftest.py': 'X = 1\n', 'scripts/run.sh': 'pytest\n', 'app/..data/m.py': 'Y = 1\n' });
  const expected = walkProject(root).map((file) => file.path);
  assert.deepEqual(expected.map((file) => path.relative(root, file).split(path.sep).join('/')).sort(), ['app/..data/m.py', 'scripts/run.sh', 'tests/integration/conftest.py', 'tests/integration/test_api.py']);
  for (const written of [`${root}/`, path.join(root, 'app') + '/../', `${root}/./`, path.relative(process.cwd(), root)]) {
    const paths = walkProject(written).map((file) => file.path);
    assert.deepEqual(paths, expected.map((file) => path.join(written, path.relative(root, file))), written);
  }
});
