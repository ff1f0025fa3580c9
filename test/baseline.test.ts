// --write-baseline and --baseline: record today's findings, report only new ones, count stale entries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeTempProject, runCli } from './project.js';

const GATE = `pytestmark = pytest.mark.skipif(
    os.getenv("RUN_INTEGRATION_TESTS") != "true",
    reason="Integration tests disabled. Set RUN_INTEGRATION_TESTS=true to run.",
)
`;

const module = (calls: string[]) => `import os

import pytest

${GATE}
${calls.map((url, index) => `\ndef test_${index}(client):\n    assert client.get("${url}").status_code == 200\n`).join('')}`;

const CONFTEST = `import pytest
from fastapi.testclient import TestClient

from app.main import app


@pytest.fixture(scope="session")
def client():
    with TestClient(app) as c:
        yield c
`;

function project(calls: string[]): string {
  return makeTempProject({
    'pyproject.toml': '[project]\nname = "demo"\nversion = "0.1.0"\n\n[tool.pytest.ini_options]\npythonpath = ["."]\n\n[tool.smoke-lint]\nignore = ["SL704"]\n',
    'app/main.py': 'from fastapi import FastAPI\n\napp = FastAPI()\n',
    'tests/integration/conftest.py': CONFTEST,
    'tests/integration/test_api.py': module(calls),
  });
}

const testFile = (root: string) => path.join(root, 'tests', 'integration', 'test_api.py');

test('--write-baseline records every finding and exits 0; --baseline then hides them', async () => {
  const root = project(['http://testserver/a', 'http://testserver/a', 'http://testserver/b']);
  const before = await runCli(['--format', 'concise'], root);
  assert.equal(before.code, 1);
  const written = await runCli(['--write-baseline', 'ci/smoke-lint-baseline.json'], root);
  assert.equal(written.code, 0, written.stderr);
  assert.match(written.stdout, /^Recorded 3 findings in ci\/smoke-lint-baseline\.json/);
  const file = JSON.parse(readFileSync(path.join(root, 'ci', 'smoke-lint-baseline.json'), 'utf8'));
  assert.equal(file.tool, 'smoke-lint');
  assert.equal(file.version, 1);
  // Paths are relative to the baseline's folder, and no line numbers are recorded.
  assert.deepEqual(file.findings.map((f: { code: string; file: string; context: string }) => [f.code, f.file, f.context]), [
    ['SL401', '../tests/integration/test_api.py', 'assert client.get("http://testserver/a").status_code == 200'],
    ['SL401', '../tests/integration/test_api.py', 'assert client.get("http://testserver/a").status_code == 200'],
    ['SL401', '../tests/integration/test_api.py', 'assert client.get("http://testserver/b").status_code == 200'],
  ]);
  const after = await runCli(['--format', 'concise', '--baseline', 'ci/smoke-lint-baseline.json'], root);
  assert.equal(after.code, 0);
  assert.equal(after.stdout, 'All checks passed! (1 suite, 2 files checked)\n3 findings hidden by the baseline.\n');
  // From another working directory the same file matches the same findings.
  const fromTests = await runCli(['--format', 'concise', '--baseline', '../ci/smoke-lint-baseline.json', '.'], path.join(root, 'tests'));
  assert.equal(fromTests.code, 0, fromTests.stdout);
});

test('--baseline: matched by the line text, so shifted lines stay hidden; new and changed lines are reported; stale entries are counted', async () => {
  const root = project(['http://testserver/a', 'http://testserver/a', 'http://testserver/b']);
  await runCli(['--write-baseline', 'baseline.json'], root);
  // Lines inserted above: every line number moves.
  writeFileSync(testFile(root), `"""Smoke tests."""\n\n\n${readFileSync(testFile(root), 'utf8')}`);
  const shifted = await runCli(['--format', 'concise', '--baseline', 'baseline.json'], root);
  assert.equal(shifted.code, 0, shifted.stdout);
  // One of the two identical lines fixed, a new finding added: one new finding, one stale entry.
  writeFileSync(testFile(root), readFileSync(testFile(root), 'utf8').replace('client.get("http://testserver/a")', 'client.get("/a")') + '\n\ndef test_new(client):\n    assert client.get("http://testserver/c").status_code == 200\n');
  const changed = await runCli(['--format', 'concise', '--baseline', 'baseline.json'], root);
  assert.equal(changed.code, 1);
  const lines = changed.stdout.trimEnd().split('\n');
  assert.equal(lines.filter((line) => / SL401 /.test(line)).length, 1);
  assert.match(lines[0]!, /test_api\.py:\d+:\d+: SL401 .*http:\/\/testserver\/c/);
  assert.equal(lines.at(-1), '2 findings hidden by the baseline; 1 baseline entry is stale (fixed, or the line changed): rewrite it with --write-baseline.');
  // Machine formats keep their shape: the note goes to stderr.
  const json = await runCli(['--format', 'json', '--baseline', 'baseline.json'], root);
  assert.equal(JSON.parse(json.stdout).diagnostics.length, 1);
  assert.match(json.stderr, /^smoke-lint: 2 findings hidden by the baseline; 1 baseline entry is stale/);
});

test('--baseline: entries for files that were not checked are not stale', async () => {
  const root = project(['http://testserver/a']);
  mkdirSync(path.join(root, 'other'));
  writeFileSync(path.join(root, 'other', 'x.py'), 'x = 1\n');
  await runCli(['--write-baseline', 'baseline.json'], root);
  const partial = await runCli(['--format', 'concise', '--baseline', 'baseline.json', 'other'], root);
  assert.equal(partial.code, 0);
  assert.equal(partial.stdout, 'All checks passed! (no integration suite found)\n');
});

test('--baseline errors: missing, not JSON, not a baseline, combined with --write-baseline: one line, exit 2', async () => {
  const root = project(['http://testserver/a']);
  writeFileSync(path.join(root, 'not-json.json'), '{ nope');
  writeFileSync(path.join(root, 'other.json'), '[1, 2]');
  const cases: Array<[string[], RegExp]> = [
    [['--baseline', 'missing.json'], /cannot read the baseline .*missing\.json: no such file \(create it with --write-baseline\)/],
    [['--baseline', 'not-json.json'], /not-json\.json is not valid JSON/],
    [['--baseline', 'other.json'], /other\.json is not a smoke-lint baseline/],
    [['--baseline', 'other.json', '--write-baseline', 'x.json'], /--write-baseline .* cannot be combined with --baseline/],
    [['--write-baseline', 'x.json', '--fix'], /cannot be combined/],
  ];
  for (const [args, message] of cases) {
    const result = await runCli(args, root);
    assert.equal(result.code, 2, args.join(' '));
    assert.equal(result.stdout, '');
    assert.match(result.stderr, message);
    assert.equal(result.stderr.split('\n').length, 2, 'one line');
  }
});
