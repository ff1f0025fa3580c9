// The command line end to end: every format, every exit code, and the bad inputs a user can hand it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { exitCodeFor, main, type Io } from '../src/cli.js';
import type { Diagnostic } from '../src/rule.js';
import { fromText } from '../src/source.js';
import { repoRoot } from './helpers.js';
import { tempDir } from './temp-dir.js';

const GATE = `pytestmark = pytest.mark.skipif(
    os.getenv("RUN_INTEGRATION_TESTS") != "true",
    reason="Integration tests disabled. Set RUN_INTEGRATION_TESTS=true to run.",
)
`;

const GATED_MODULE = `import os

import pytest

${GATE}

def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200
`;

/** A conftest whose `pytestmark` gates nothing (SL104, a warning). */
const CONFTEST_WITH_PYTESTMARK = `import os

import pytest

${GATE}`;

function makeProject(files: Record<string, string | Buffer>): string {
  const root = tempDir('smoke-lint-cli-');
  // These sample suites are deliberately partial (no DB script, no runner): SL704 is off unless a test brings its own config.
  const pyproject = '[project]\nname = "demo"\nversion = "0.1.0"\n\n[tool.smoke-lint]\nignore = ["SL704"]\n';
  writeFileSync(path.join(root, 'pyproject.toml'), files['pyproject.toml'] ?? pyproject);
  for (const [relative, content] of Object.entries(files)) {
    if (relative === 'pyproject.toml') continue;
    mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    writeFileSync(path.join(root, relative), content);
  }
  return root;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, isTTY = false): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), cwd, env, isTTY };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

const warningProject = () =>
  makeProject({
    'tests/integration/conftest.py': CONFTEST_WITH_PYTESTMARK,
    'tests/integration/test_api.py': GATED_MODULE,
  });

const cleanProject = () => makeProject({ 'tests/integration/test_api.py': GATED_MODULE });

test('pretty: a code frame with caret, code, hint, grouped by file, and a summary', async () => {
  const result = await run([], warningProject());
  assert.equal(result.code, 1);
  assert.match(result.stdout, /^tests\/integration\/conftest\.py$/m);
  assert.match(result.stdout, /warning\[SL104\]: `pytestmark` in a conftest\.py/);
  assert.match(result.stdout, /--> tests\/integration\/conftest\.py:5:1/);
  assert.match(result.stdout, /5 \| pytestmark = pytest\.mark\.skipif\(/);
  assert.match(result.stdout, /\| \^{10} SL104/);
  assert.match(result.stdout, /= help: /);
  assert.match(result.stdout, /Found 1 problem \(1 warning\) in 1 file; 1 suite, \d+ files checked\./);
  assert.equal(result.stderr, '');
});

test('a clean suite exits 0 with nothing but the summary', async () => {
  const project = path.join(repoRoot, 'fixtures', 'clean', 'project');
  const result = await run([project], repoRoot);
  assert.equal(result.code, 0);
  assert.match(result.stdout, /^All checks passed! \(1 suite, \d+ files checked\)\n$/);
  assert.equal(result.stderr, '');
});

test('a project without an integration suite gets silence and exit 0', async () => {
  const root = makeProject({ 'tests/test_unit.py': 'def test_one():\n    assert 1\n', 'app/main.py': 'app = None\n' });
  const result = await run(['--format', 'concise'], root);
  assert.equal(result.code, 0);
  assert.equal(result.stdout, 'All checks passed! (no integration suite found)\n');
});

test('concise: path:line:col: CODE message', async () => {
  const result = await run(['--format', 'concise'], warningProject());
  assert.equal(result.code, 1);
  const lines = result.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^tests\/integration\/conftest\.py:5:1: SL104 `pytestmark` in a conftest\.py is ignored by pytest/);
  assert.match(lines.at(-1)!, /^Found 1 problem/);
});

test('json: a summary and the findings with the documented fields, paths relative to the working directory', async () => {
  const root = warningProject();
  const result = await run(['--format', 'json', 'tests'], root);
  assert.equal(result.code, 1);
  const log = JSON.parse(result.stdout) as { summary: Record<string, number>; diagnostics: Array<Record<string, unknown>> };
  assert.deepEqual(log.summary, { suites: 1, files: 2, problems: 1, fixable: 0 });
  const items = log.diagnostics;
  assert.equal(items.length, 1);
  const item = items[0]!;
  for (const key of ['code', 'name', 'severity', 'message', 'file', 'line', 'column', 'endLine', 'endColumn', 'related', 'fix']) {
    assert.ok(key in item, `json has ${key}`);
  }
  assert.deepEqual(
    { code: item.code, name: item.name, severity: item.severity, file: item.file, line: item.line, column: item.column, endLine: item.endLine, endColumn: item.endColumn, related: item.related, fix: item.fix },
    { code: 'SL104', name: 'conftest-pytestmark-ignored', severity: 'warning', file: 'tests/integration/conftest.py', line: 5, column: 1, endLine: 5, endColumn: 11, related: [], fix: null },
  );
  const fromSubdir = await run(['--format', 'json', '.'], path.join(root, 'tests'));
  assert.equal((JSON.parse(fromSubdir.stdout) as { diagnostics: Array<{ file: string }> }).diagnostics[0]!.file, 'integration/conftest.py');
});

test('github: one workflow command per finding', async () => {
  const result = await run(['--format', 'github'], warningProject());
  assert.equal(result.code, 1);
  assert.equal(
    result.stdout.split('\n')[0],
    '::warning file=tests/integration/conftest.py,line=5,col=1,endLine=5,endColumn=11,title=smoke-lint (SL104)::`pytestmark` in a conftest.py is ignored by pytest: it gates no test%0AGive each test module its own `pytestmark`%2C or skip the suite from a `pytest_collection_modifyitems` hook that checks the item path.'.replace('%2C', ','),
  );
});

test('sarif: a 2.1.0 log with rule metadata and helpUri', async () => {
  const result = await run(['--format', 'sarif'], warningProject());
  assert.equal(result.code, 1);
  const log = JSON.parse(result.stdout);
  assert.equal(log.version, '2.1.0');
  const run0 = log.runs[0];
  assert.equal(run0.tool.driver.name, 'smoke-lint');
  const rule = run0.tool.driver.rules.find((r: { id: string }) => r.id === 'SL104');
  assert.match(rule.helpUri, /^https:\/\/.+\/docs\/rules\/SL104-conftest-pytestmark-ignored\.md$/);
  assert.equal(rule.defaultConfiguration.level, 'warning');
  assert.equal(run0.results.length, 1);
  assert.equal(run0.results[0].ruleId, 'SL104');
  assert.equal(run0.tool.driver.rules[run0.results[0].ruleIndex].id, 'SL104');
  assert.deepEqual(run0.results[0].locations[0].physicalLocation.region, { startLine: 5, startColumn: 1, endLine: 5, endColumn: 11 });
  assert.equal(run0.results[0].locations[0].physicalLocation.artifactLocation.uri, 'tests/integration/conftest.py');
});

test('exit codes: --fail-on error lets warnings pass, --exit-zero always 0', async () => {
  const root = warningProject();
  assert.equal((await run(['--fail-on', 'error'], root)).code, 0);
  assert.equal((await run(['--exit-zero'], root)).code, 0);
  assert.equal((await run(['--fail-on', 'warning'], root)).code, 1);
});

test('exit codes: info never fails, errors do, I/O errors give 2', () => {
  const file = fromText('/x/conftest.py', 'python', 'x = 1\n');
  const make = (severity: Diagnostic['severity']): Diagnostic => ({
    code: 'SL000', name: 'x', severity, message: 'm', file, range: { start: { line: 1, column: 1 }, end: { line: 1, column: 2 } }, related: [], fix: null,
  });
  assert.equal(exitCodeFor([make('info')], [], 'warning', false), 0);
  assert.equal(exitCodeFor([make('warning')], [], 'warning', false), 1);
  assert.equal(exitCodeFor([make('warning')], [], 'error', false), 0);
  assert.equal(exitCodeFor([make('error')], [], 'error', false), 1);
  assert.equal(exitCodeFor([make('error')], [], 'error', true), 0);
  assert.equal(exitCodeFor([], ['cannot read x'], 'warning', true), 2);
});

test('--quiet reports errors only', async () => {
  const result = await run(['--quiet'], warningProject());
  assert.equal(result.code, 0);
  assert.equal(result.stdout, '');
});

test('--select and --ignore choose rules; bad codes are usage errors', async () => {
  const root = warningProject();
  assert.equal((await run(['--ignore', 'SL104'], root)).code, 0);
  assert.equal((await run(['--select', 'SL1'], root)).code, 1);
  assert.equal((await run(['--select', 'SL001,SL002'], root)).code, 0);
  const bad = await run(['--select', 'E501'], root);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^smoke-lint: error: `E501` is not a rule code/);
});

test('colour: off when piped, --no-color, NO_COLOR; on with FORCE_COLOR or --color', async () => {
  const root = warningProject();
  const ansi = /\u001b\[/;
  assert.doesNotMatch((await run([], root)).stdout, ansi);
  assert.doesNotMatch((await run(['--no-color'], root, { FORCE_COLOR: '1' })).stdout, ansi);
  assert.doesNotMatch((await run([], root, { NO_COLOR: '1' }, true)).stdout, ansi);
  assert.match((await run([], root, { FORCE_COLOR: '1' })).stdout, ansi);
  assert.match((await run(['--color'], root)).stdout, ansi);
});

test('`rule CODE` prints the docs; `rules` lists every rule', async () => {
  const root = cleanProject();
  const docs = await run(['rule', 'SL104'], root);
  assert.equal(docs.code, 0);
  for (const heading of ['# conftest-pytestmark-ignored (SL104)', '## What it does', '## Why it matters', '## Example', '## Use instead']) {
    assert.ok(docs.stdout.includes(heading), heading);
  }
  const list = await run(['rules'], root);
  assert.equal(list.code, 0);
  assert.match(list.stdout, /^code\s+name\s+severity\s+fix\s+summary$/m);
  assert.match(list.stdout, /^SL104\s+conftest-pytestmark-ignored\s+warning/m);
  const unknown = await run(['rule', 'SL999'], root);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no rule SL999/);
});

test('usage errors exit 2 with one line: missing path, unknown option, bad format', async () => {
  const root = cleanProject();
  for (const args of [['does-not-exist'], ['--bogus'], ['--format', 'xml'], ['--config', 'missing.toml']]) {
    const result = await run(args, root);
    assert.equal(result.code, 2, args.join(' '));
    assert.equal(result.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, /^smoke-lint: error: /);
  }
});

test('configuration errors exit 2 naming the key or the file', async () => {
  const unknownKey = makeProject({ 'pyproject.toml': '[tool.smoke-lint]\ngate-varible = "X"\n', 'tests/integration/test_api.py': GATED_MODULE });
  const result = await run([], unknownKey);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /unknown key `gate-varible`/);
  const wrongType = makeProject({ 'pyproject.toml': '[tool.smoke-lint]\ntest-port = "5433"\n', 'tests/integration/test_api.py': GATED_MODULE });
  assert.match((await run([], wrongType)).stderr, /`test-port` must be a port number/);
  const broken = makeProject({ 'pyproject.toml': '[tool.smoke-lint\nselect = [', 'tests/integration/test_api.py': GATED_MODULE });
  const brokenRun = await run([], broken);
  assert.equal(brokenRun.code, 2);
  assert.match(brokenRun.stderr, /^smoke-lint: error: pyproject\.toml:1:\d+: invalid TOML: /);
  assert.equal(brokenRun.stderr.trim().split('\n').length, 1);
});

test("names an object holds (constructor, toString) are no config key, wrapper, shell or string method", async () => {
  for (const key of ['constructor', 'toString', '__proto__']) {
    const project = makeProject({ 'pyproject.toml': `[tool.smoke-lint]\n"${key}" = 1\n`, 'tests/integration/test_api.py': GATED_MODULE });
    const result = await run([], project);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`^smoke-lint: error: pyproject\\.toml:2:1: unknown key \`${key}\``), key);
  }
  // A runner whose commands are named so (a wrapper, a shell), and a gate that calls such a method.
  const gated = GATED_MODULE.replace('os.getenv("RUN_INTEGRATION_TESTS")', 'os.getenv("RUN_INTEGRATION_TESTS", "").constructor()');
  assert.notEqual(gated, GATED_MODULE);
  const project = makeProject({
    'tests/integration/test_api.py': gated,
    'scripts/run.sh': '#!/bin/bash\nconstructor --x pytest tests/integration\ntoString -c "pytest tests"\nhasOwnProperty pytest tests\n',
  });
  const result = await run(['--format', 'concise'], project);
  assert.ok(result.code === 0 || result.code === 1, `${result.code}: ${result.stderr}`);
  assert.equal(result.stderr, '');
});

test('bad files: binary, non-UTF-8, empty, syntax error are diagnostics, not crashes', async () => {
  const root = makeProject({
    'tests/integration/test_binary.py': Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01, 0x02]),
    'tests/integration/test_latin1.py': Buffer.from('# caf\xe9\ndef test_x():\n    pass\n', 'latin1'),
    'tests/integration/test_empty.py': '',
    'tests/integration/conftest.py': 'def client(:\n    pass\n',
  });
  const result = await run(['--format', 'concise'], root);
  assert.equal(result.code, 1);
  assert.match(result.stdout, /test_binary\.py:1:1: SL001 Cannot analyse this file: binary file/);
  assert.match(result.stdout, /test_latin1\.py:1:1: SL001 Cannot analyse this file: not valid UTF-8/);
  assert.match(result.stdout, /conftest\.py:1:\d+: SL001 Python syntax error/);
  assert.doesNotMatch(result.stdout, /test_empty/);
  assert.equal(result.stderr, '');
});

test('a dangling symlink in a suite is a one-line I/O error and exit 2; the rest is still checked', async () => {
  const root = warningProject();
  symlinkSync(path.join(root, 'nowhere.py'), path.join(root, 'tests/integration/test_gone.py'));
  const result = await run(['--format', 'concise'], root);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^smoke-lint: error: cannot read .*test_gone\.py: no such file or directory\n$/);
  assert.match(result.stdout, /SL104/);
});

test('a directory loop through symlinks terminates', async () => {
  const root = cleanProject();
  symlinkSync(path.join(root, 'tests'), path.join(root, 'tests/integration/loop'));
  const result = await run(['--format', 'concise'], root);
  assert.equal(result.code, 0);
});

test('the installed binary never prints a stack trace', () => {
  const root = makeProject({ 'pyproject.toml': 'this is = = not toml' });
  const bin = path.join(repoRoot, 'bin', 'smoke-lint.js');
  const broken = spawnSync(process.execPath, [bin, root], { encoding: 'utf8' });
  assert.equal(broken.status, 2);
  assert.doesNotMatch(broken.stderr, /\n\s+at /);
  const clean = spawnSync(process.execPath, [bin, '--format', 'concise', cleanProject()], { encoding: 'utf8' });
  assert.equal(clean.status, 0, clean.stderr);
  assert.match(clean.stdout, /^All checks passed!/);
});

test('a runner named on the command line (as pre-commit does) brings in the suite it runs', async () => {
  const project = path.join(repoRoot, 'fixtures', 'skill-verbatim', 'project');
  const result = await run(['--format', 'concise', 'scripts/test-integration.sh'], project);
  assert.equal(result.code, 1);
  assert.match(result.stdout, /^scripts\/test-integration\.sh:19:1: SL603 /m);
  assert.match(result.stdout, /^backend\/tests\/integration\/conftest\.py:21:1: SL104 /m);
  const unrelated = await run(['--format', 'concise', 'backend/main.py'], project);
  assert.equal(unrelated.code, 0);
});

test('json and sarif carry fixes that create files; no SARIF fix is left without an artifact change', async () => {
  const project = path.join(repoRoot, 'fixtures', 'rules', 'SL704', 'fires-only-test-module', 'project');
  const json = (JSON.parse((await run(['--format', 'json'], project)).stdout) as { diagnostics: Array<{ code: string; fix: { creates?: Array<{ file: string; executable: boolean; content: string }> } | null }> }).diagnostics;
  const created = json.flatMap((item) => item.fix?.creates ?? []).map((c) => `${c.file}:${c.executable}`).sort();
  assert.deepEqual(created, ['backend/tests/integration/conftest.py:false', 'backend/tests/integration/scripts/test-db.sh:true', 'scripts/test-integration.sh:true']);
  const sarif = JSON.parse((await run(['--format', 'sarif'], project)).stdout);
  for (const result of sarif.runs[0].results) {
    for (const fix of result.fixes ?? []) assert.ok(fix.artifactChanges.length > 0, `${result.ruleId} fix has artifact changes`);
  }
  assert.equal(sarif.runs[0].results.filter((r: { fixes?: unknown[] }) => r.fixes).length, 3);
});
