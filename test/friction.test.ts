// Small things a new user meets first: short flags, errors that point at the mistake and name the likely
// fix, stale suppressions removed, a summary that says what was checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GATED_MODULE, makeTempProject, runCli } from './project.js';
import { toolVersion } from '../src/report/common.js';

test('-h prints the help and -V the version, like --help and --version', async () => {
  for (const flag of ['-h', '--help']) {
    const result = await runCli([flag], process.cwd());
    assert.equal(result.code, 0, flag);
    assert.match(result.stdout, /smoke-lint \[check\] \[paths\.\.\]/);
    assert.match(result.stdout, /--output-file/);
  }
  for (const flag of ['-V', '--version']) {
    const result = await runCli([flag], process.cwd());
    assert.equal(result.code, 0, flag);
    assert.equal(result.stdout, `${toolVersion()}\n`);
  }
});

const CONFTEST_WITH_PYTESTMARK = `import os

import pytest

pytestmark = pytest.mark.skipif(os.getenv("RUN_INTEGRATION_TESTS") != "true", reason="off")
`;

test('a TOML syntax error is one line, file:line:col, exit 2', async () => {
  const root = makeTempProject({ 'pyproject.toml': '[project]\nname = "demo"\n\n[tool.smoke-lint]\nignore = ["SL704",,]\n', 'tests/integration/test_api.py': GATED_MODULE });
  const result = await runCli([], root);
  assert.equal(result.code, 2);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /^smoke-lint: error: pyproject\.toml:5:19: invalid TOML: [^\n]+\n$/);
  const dotfile = makeTempProject({ '.smoke-lint.toml': 'select = ["SL1"]\ngate-value = "true\n', 'tests/integration/test_api.py': GATED_MODULE });
  assert.match((await runCli([], dotfile)).stderr, /^smoke-lint: error: \.smoke-lint\.toml:2:19: invalid TOML: [^\n]+\n$/);
});

test('a configuration key or code that is wrong points at where it is written', async () => {
  const pyproject = (table: string) => `[project]\nname = "demo"\n\n[tool.other]\nignore = ["X"]\n\n[tool.smoke-lint]\n${table}`;
  const cases: Array<[string, RegExp]> = [
    ['ignore = [\n  "SL704",\n  "SL999",\n]\n', /^smoke-lint: error: pyproject\.toml:10:3: `ignore` has `SL999`, which matches no rule \(see `smoke-lint rules`\)\n$/],
    ['select = ["sl104"]\n', /^smoke-lint: error: pyproject\.toml:8:11: `select` has `sl104`, which is not a rule code or prefix like SL1 or SL101; did you mean SL104\?\n$/],
    ['per-file-ignores = { "tests/*" = ["SL140"] }\n', /^smoke-lint: error: pyproject\.toml:8:35: `per-file-ignores` has `SL140`, which matches no rule; did you mean SL104\?\n$/],
    ['  ignre = ["SL704"]\n', /^smoke-lint: error: pyproject\.toml:8:3: unknown key `ignre` \(did you mean `ignore`\?\)/],
    ['test-port = "5433"\n', /^smoke-lint: error: pyproject\.toml:8:1: `test-port` must be a port number\n$/],
  ];
  for (const [table, expected] of cases) {
    const root = makeTempProject({ 'pyproject.toml': pyproject(table), 'tests/integration/test_api.py': GATED_MODULE });
    const result = await runCli([], root);
    assert.equal(result.code, 2, table);
    assert.match(result.stderr, expected, table);
  }
});

test('an unknown option is said in smoke-lint\'s words, with the option it most likely meant', async () => {
  const root = makeTempProject({ 'tests/integration/test_api.py': GATED_MODULE });
  const cases: Array<[string[], string]> = [
    [['--foo'], 'unknown option --foo (see smoke-lint --help)'],
    [['--stdin-filename', 'x.py'], 'unknown option --stdin-filename (see smoke-lint --help)'],
    [['--fixx'], 'unknown option --fixx: did you mean --fix? (see smoke-lint --help)'],
    [['--formt=json'], 'unknown option --formt: did you mean --format? (see smoke-lint --help)'],
    [['--no-colour'], 'unknown option --no-colour: did you mean --no-color? (see smoke-lint --help)'],
    [['-x'], 'unknown option -x (see smoke-lint --help)'],
    [['--format', 'jsn'], '--format jsn is not one of pretty, concise, json, json-lines, github, sarif, junit, gitlab, rdjson: did you mean json?'],
    [['rule', 'SL101', 'SL102'], 'unexpected argument SL102 (see smoke-lint --help)'],
    // An option that takes a value and is given none (an empty --select selected no rule at all).
    [['--select'], '--select needs a value (see smoke-lint --help)'],
    [['init', '--dir'], '--dir needs a value (see smoke-lint --help)'],
  ];
  for (const [args, message] of cases) {
    const result = await runCli(args, root);
    assert.equal(result.code, 2, args.join(' '));
    assert.equal(result.stderr, `smoke-lint: error: ${message}\n`, args.join(' '));
    assert.equal(result.stdout, '', args.join(' '));
  }
  // Real options, negated and with values, still parse.
  assert.equal((await runCli(['--no-color', '--format=concise', '-q'], root)).code, 0);
});

test('--ignore and --select of a code that matches no rule are usage errors, with the likely code', async () => {
  const root = makeTempProject({ 'tests/integration/conftest.py': CONFTEST_WITH_PYTESTMARK, 'tests/integration/test_api.py': GATED_MODULE });
  const cases: Array<[string[], string]> = [
    [['--ignore', 'SL999'], '--ignore SL999 matches no rule (see `smoke-lint rules`)'],
    [['--select', 'SL9'], '--select SL9 matches no rule (see `smoke-lint rules`)'],
    [['--ignore', 'SL140'], '--ignore SL140 matches no rule; did you mean SL104?'],
    [['--ignore', 'sl104'], '`sl104` is not a rule code or prefix (like SL1 or SL101); did you mean SL104?'],
    [['--ignore', 'SL1O4'], '`SL1O4` is not a rule code or prefix (like SL1 or SL101); did you mean SL104?'],
  ];
  for (const [args, message] of cases) {
    const result = await runCli([...args, '.'], root);
    assert.equal(result.code, 2, args.join(' '));
    assert.equal(result.stderr, `smoke-lint: error: ${message}\n`, args.join(' '));
  }
  // A prefix that matches some rule is fine.
  assert.equal((await runCli(['--ignore', 'SL10', '.'], root)).code, 0);
  assert.equal((await runCli(['--ignore', 'SL104', '.'], root)).code, 0);
});

test('a suppression with a lower-case or mistyped code gets "did you mean"; SL002 removes what is stale and keeps the line ending', async () => {
  const module = GATED_MODULE.replace('def test_health(client):', 'def test_health(client):  # smoke-lint: ignore[SL101]').replace(/\n/g, '\r\n');
  const conftest = CONFTEST_WITH_PYTESTMARK.replace('reason="off")', 'reason="off")  # smoke-lint: ignore[SL1O4]');
  const root = makeTempProject({ 'tests/integration/conftest.py': conftest, 'tests/integration/test_api.py': module });
  const result = await runCli(['--format', 'concise', '--no-color'], root);
  assert.match(result.stdout, /conftest\.py:5:\d+: SL002 Suppression names `SL1O4`, which is not a smoke-lint rule: did you mean SL104\?/);
  assert.match(result.stdout, /conftest\.py:5:1: SL104 /);
  assert.match(result.stdout, /test_api\.py:11:\d+: SL002 Unused suppression: `SL101`/);
  const fixed = await runCli(['--fix', '--no-color'], root);
  assert.equal(fixed.code, 1);
  assert.equal(readFileSync(path.join(root, 'tests/integration/test_api.py'), 'utf8'), GATED_MODULE.replace(/\n/g, '\r\n'));
  // The mistyped code is the user's to correct: --fix leaves it.
  assert.equal(readFileSync(path.join(root, 'tests/integration/conftest.py'), 'utf8'), conftest);
});

test('the summary says how many suites and files were checked, with findings as without', async () => {
  const root = makeTempProject({ 'tests/integration/conftest.py': CONFTEST_WITH_PYTESTMARK, 'tests/integration/test_api.py': GATED_MODULE });
  for (const format of ['pretty', 'concise']) {
    const result = await runCli(['--format', format, '--no-color'], root);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /\nFound 1 problem \(1 warning\) in 1 file; 1 suite, 2 files checked\.\n$/, format);
  }
  const clean = await runCli(['--ignore', 'SL104'], root);
  assert.match(clean.stdout, /^All checks passed! \(1 suite, 2 files checked\)\n$/);
});
