// Command-line defects found by trying smoke-lint as a new user would: each test failed before its fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GATED_MODULE, makeTempProject, runCli } from './project.js';
import { tempDir } from './temp-dir.js';
import { repoRoot } from './helpers.js';

/** A conftest whose `pytestmark` gates nothing: SL104, a warning. */
const WARNING_CONFTEST = 'import os\n\nimport pytest\n\npytestmark = pytest.mark.skipif(os.getenv("RUN_INTEGRATION_TESTS") != "true", reason="off")\n';

test('a run that fails (exit 2) never says "All checks passed!" on stdout', async () => {
  const root = makeTempProject({ 'tests/integration/test_api.py': GATED_MODULE });
  symlinkSync(path.join(root, 'nowhere.py'), path.join(root, 'tests/integration/test_gone.py'));
  symlinkSync('test_loop.py', path.join(root, 'tests/integration/test_loop.py'));
  for (const format of ['pretty', 'concise']) {
    const result = await runCli(['--format', format], root);
    assert.equal(result.code, 2);
    assert.doesNotMatch(result.stdout, /All checks passed/);
    assert.match(result.stdout, /the run failed: 2 errors/);
    assert.match(result.stderr, /test_gone\.py: no such file or directory/);
    assert.match(result.stderr, /test_loop\.py: too many levels of symbolic links/);
  }
  const quiet = await runCli(['-q'], root);
  assert.equal(quiet.code, 2);
  assert.doesNotMatch(quiet.stdout, /All checks passed/);
});

test('-q trims the output to what fails; an explicit --fail-on still decides the exit code', async () => {
  const root = makeTempProject({ 'tests/integration/conftest.py': WARNING_CONFTEST, 'tests/integration/test_api.py': GATED_MODULE });
  const quiet = await runCli(['-q'], root);
  assert.equal(quiet.code, 0);
  assert.equal(quiet.stdout, '');
  const strict = await runCli(['-q', '--fail-on', 'warning', '--format', 'concise'], root);
  assert.equal(strict.code, 1);
  assert.match(strict.stdout, /conftest\.py:\d+:\d+: SL104 /);
  const lenient = await runCli(['-q', '--fail-on', 'error'], root);
  assert.equal(lenient.code, 0);
  assert.equal(lenient.stdout, '');
  assert.equal((await runCli(['--fail-on', 'warning'], root)).code, 1);
});

test('`smoke-lint -` is a one-line usage error, not a lint of the current folder', async () => {
  const root = makeTempProject({ 'tests/integration/conftest.py': WARNING_CONFTEST, 'tests/integration/test_api.py': GATED_MODULE });
  const result = await runCli(['-'], root);
  assert.equal(result.code, 2);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /^smoke-lint: error: `-` \(stdin\) is not supported[^\n]*\n$/);
});

test('a bare `# smoke-lint: ignore` (no codes) suppresses nothing and is reported by SL002', async () => {
  const root = makeTempProject({
    'tests/integration/conftest.py': WARNING_CONFTEST.replace('reason="off")', 'reason="off")  # smoke-lint: ignore'),
    'tests/integration/test_api.py': GATED_MODULE.replace('import pytest\n', 'import pytest  # smoke-lint: ignore-file -- old habit\n'),
  });
  const result = await runCli(['--format', 'concise'], root);
  assert.equal(result.code, 1);
  const codes = result.stdout.split('\n').filter((line) => /: SL\d{3} /.test(line)).map((line) => line.replace(/^(\S+?):\d+:\d+: (SL\d{3}).*$/, '$1 $2'));
  assert.deepEqual(codes, ['tests/integration/conftest.py SL104', 'tests/integration/conftest.py SL002', 'tests/integration/test_api.py SL002']);
  assert.match(result.stdout, /Suppression names no code/);
});

test('a native parser that cannot load is one line of advice and exit 2, not a stack trace', () => {
  // A preload makes tree-sitter's binary fail to load, as a binary built for another node or platform
  // does, whether it is loaded through the build's record of it (src/native-record.ts) or the usual way;
  // node_modules itself is not touched.
  const dir = tempDir('smoke-lint-native-');
  const preload = path.join(dir, 'break-tree-sitter.cjs');
  writeFileSync(
    preload,
    `const dlopen = process.dlopen;\nprocess.dlopen = function (module, filename, ...rest) {\n  if (/[\\\\/]tree-sitter[\\\\/]/.test(filename)) throw new Error(filename + ': invalid ELF header');\n  return dlopen.call(this, module, filename, ...rest);\n};\n`,
  );
  const project = path.join(repoRoot, 'fixtures', 'clean', 'project');
  const result = spawnSync(process.execPath, ['--require', preload, path.join(repoRoot, 'bin', 'smoke-lint.js'), project], { encoding: 'utf8' });
  assert.equal(result.status, 2, result.stderr);
  assert.equal(result.stdout, '');
  assert.equal(result.stderr.split('\n').filter(Boolean).length, 1, result.stderr);
  assert.match(result.stderr, /^smoke-lint: error: cannot load the native parser `tree-sitter` .*npm rebuild tree-sitter/);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
});
