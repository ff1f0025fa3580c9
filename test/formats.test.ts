// The CI formats (junit, gitlab, json-lines, rdjson), --statistics and --output-file, end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeTempProject, runCli } from './project.js';

const GATE = `pytestmark = pytest.mark.skipif(
    os.getenv("RUN_INTEGRATION_TESTS") != "true",
    reason="Integration tests disabled. Set RUN_INTEGRATION_TESTS=true to run.",
)
`;

const CONFTEST = `import os

import pytest
from fastapi.testclient import TestClient

from app.main import app

${GATE}

@pytest.fixture(scope="session")
def client():
    with TestClient(app) as c:
        yield c
`;

/** Two SL401 findings (safe fixes; the first on a line with a non-ASCII name before it) and an SL104 in the conftest. */
const TESTS = `import os

import pytest

${GATE}

def test_health(client):
    rèsponse = client.get("http://testserver/health")
    assert rèsponse.status_code == 200


def test_again(client):
    response = client.get("http://testserver/health")
    assert response.status_code == 200
`;

const PYPROJECT = '[project]\nname = "demo"\nversion = "0.1.0"\n\n[tool.pytest.ini_options]\npythonpath = ["."]\n\n[tool.smoke-lint]\nignore = ["SL704"]\n';

function project(): string {
  return makeTempProject({
    'pyproject.toml': PYPROJECT,
    'app/main.py': 'from fastapi import FastAPI\n\napp = FastAPI()\n',
    'tests/integration/conftest.py': CONFTEST,
    'tests/integration/test_api.py': TESTS,
  });
}

const clean = () =>
  makeTempProject({
    'pyproject.toml': PYPROJECT,
    'app/main.py': 'from fastapi import FastAPI\n\napp = FastAPI()\n',
    'tests/integration/conftest.py': CONFTEST.replace(GATE, ''),
    'tests/integration/test_api.py': TESTS.replace(/http:\/\/testserver/g, ''),
  });

/** Parses XML with Python's expat-based ElementTree (a real parser) and returns what the test needs. */
function junitSummary(xml: string): { tests: string; failures: string; cases: number; failed: number; types: string[] } | null {
  const script = `import sys, json, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
cases = root.findall('.//testcase')
failures = [f for c in cases for f in c.findall('failure')]
print(json.dumps({"tests": root.get("tests"), "failures": root.get("failures"), "cases": len(cases), "failed": len(failures), "types": sorted(f.get("type") for f in failures)}))`;
  const result = spawnSync('python3', ['-c', script], { input: xml, encoding: 'utf8' });
  if (result.error) return null;
  assert.equal(result.status, 0, `the junit report parses as XML: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

test('junit: well-formed XML, one failed test case per finding, one passing case when clean', async (t) => {
  const result = await runCli(['--format', 'junit'], project());
  assert.equal(result.code, 1);
  const summary = junitSummary(result.stdout);
  if (!summary) return t.skip('python3 is not installed');
  assert.deepEqual(summary, { tests: '3', failures: '3', cases: 3, failed: 3, types: ['SL104', 'SL401', 'SL401'] });
  assert.match(result.stdout, /<testsuite name="tests\/integration\/test_api\.py" tests="2" failures="2"/);
  const passing = await runCli(['--format', 'junit'], clean());
  assert.equal(passing.code, 0);
  assert.deepEqual(junitSummary(passing.stdout), { tests: '1', failures: '0', cases: 1, failed: 0, types: [] });
});

test('junit: markup in messages is escaped', async (t) => {
  const root = project();
  // A file name with XML's special characters ends up in attributes and text.
  const odd = path.join(root, 'tests', 'integration', 'test_a&b<c>.py');
  writeFileSync(odd, TESTS);
  const result = await runCli(['--format', 'junit'], root);
  const summary = junitSummary(result.stdout);
  if (!summary) return t.skip('python3 is not installed');
  assert.equal(summary.failed, 5);
  assert.match(result.stdout, /test_a&amp;b&lt;c&gt;\.py/);
});

interface GitlabIssue {
  description: string;
  check_name: string;
  fingerprint: string;
  severity: string;
  location: { path: string; lines: { begin: number; end?: number } };
}

test('gitlab: Code Quality issues with description, check_name, severity, location; fingerprints unique and stable when lines move', async () => {
  const root = project();
  const first = await runCli(['--format', 'gitlab'], root);
  assert.equal(first.code, 1);
  const issues = JSON.parse(first.stdout) as GitlabIssue[];
  assert.equal(issues.length, 3);
  const sl104 = issues.find((issue) => issue.check_name === 'SL104')!;
  assert.match(sl104.description, /^SL104 `pytestmark` in a conftest\.py/);
  assert.equal(sl104.severity, 'minor');
  assert.deepEqual(sl104.location, { path: 'tests/integration/conftest.py', lines: { begin: 8, end: 8 } });
  for (const issue of issues) assert.match(issue.fingerprint, /^[0-9a-f]{64}$/);
  assert.equal(new Set(issues.map((issue) => issue.fingerprint)).size, 3, 'two identical findings in one file still differ');
  const again = JSON.parse((await runCli(['--format', 'gitlab'], root)).stdout) as GitlabIssue[];
  assert.deepEqual(again.map((issue) => issue.fingerprint), issues.map((issue) => issue.fingerprint));
  // Lines inserted above every finding: the line numbers move, the fingerprints do not.
  const file = path.join(root, 'tests', 'integration', 'test_api.py');
  writeFileSync(file, `"""Smoke tests."""\n\n${readFileSync(file, 'utf8')}`);
  const conftest = path.join(root, 'tests', 'integration', 'conftest.py');
  writeFileSync(conftest, `# The suite's fixtures.\n${readFileSync(conftest, 'utf8')}`);
  const moved = JSON.parse((await runCli(['--format', 'gitlab'], root)).stdout) as GitlabIssue[];
  assert.notDeepEqual(moved.map((issue) => issue.location.lines.begin), issues.map((issue) => issue.location.lines.begin));
  assert.deepEqual(new Set(moved.map((issue) => issue.fingerprint)), new Set(issues.map((issue) => issue.fingerprint)));
  // A changed line is a new finding.
  writeFileSync(file, readFileSync(file, 'utf8').replace('response = client.get("http://testserver/health")', 'reply = client.get("http://testserver/health")').replace('response.status', 'reply.status'));
  const changed = JSON.parse((await runCli(['--format', 'gitlab'], root)).stdout) as GitlabIssue[];
  assert.equal(changed.filter((issue) => !issues.some((old) => old.fingerprint === issue.fingerprint)).length, 1);
  assert.equal(JSON.parse((await runCli(['--format', 'gitlab'], clean())).stdout).length, 0);
});

test('json-lines: one JSON object per line, the same objects as the json format', async () => {
  const root = project();
  const result = await runCli(['--format', 'json-lines'], root);
  assert.equal(result.code, 1);
  const lines = result.stdout.split('\n');
  assert.equal(lines.pop(), '', 'ends with a newline');
  assert.equal(lines.length, 3);
  const objects = lines.map((line) => JSON.parse(line) as { code: string; file: string; line: number });
  assert.deepEqual(objects.map((o) => o.code), ['SL104', 'SL401', 'SL401']);
  const json = JSON.parse((await runCli(['--format', 'json'], root)).stdout);
  assert.deepEqual(objects, json.diagnostics ?? json);
  assert.equal((await runCli(['--format', 'json-lines'], clean())).stdout, '');
});

interface RdDiagnostic {
  message: string;
  severity: string;
  location: { path: string; range: { start: { line: number; column: number }; end: { line: number; column: number } } };
  code: { value: string; url?: string };
  suggestions?: Array<{ range: { start: { line: number; column: number }; end: { line: number; column: number } }; text: string }>;
}

test('rdjson: reviewdog DiagnosticResult with source, severity, ranges in UTF-8 bytes, and suggestions for fixes', async () => {
  const result = await runCli(['--format', 'rdjson'], project());
  assert.equal(result.code, 1);
  const log = JSON.parse(result.stdout) as { source: { name: string; url?: string }; diagnostics: RdDiagnostic[] };
  assert.equal(log.source.name, 'smoke-lint');
  assert.equal(log.diagnostics.length, 3);
  const [sl104, withAccent, plain] = log.diagnostics as [RdDiagnostic, RdDiagnostic, RdDiagnostic];
  assert.equal(sl104.severity, 'WARNING');
  assert.equal(sl104.code.value, 'SL104');
  assert.match(sl104.code.url!, /docs\/rules\/SL104-conftest-pytestmark-ignored\.md$/);
  assert.deepEqual(sl104.location, { path: 'tests/integration/conftest.py', range: { start: { line: 8, column: 1 }, end: { line: 8, column: 11 } } });
  assert.equal(sl104.suggestions, undefined, 'no fix, no suggestions');
  // `    rèsponse = client.get("` is 26 characters but 27 UTF-8 bytes: the URL starts at byte column 28.
  assert.equal(withAccent.location.range.start.line, 12);
  assert.equal(withAccent.location.range.start.column, 28);
  assert.equal(plain.location.range.start.column, 27);
  for (const d of [withAccent, plain]) {
    assert.equal(d.severity, 'WARNING');
    assert.ok(d.suggestions && d.suggestions.length > 0, 'a safe fix becomes suggestions');
  }
  // Applying the suggestions (byte columns) to the file gives what --fix writes.
  const lines = TESTS.split('\n');
  const applyTo = (d: RdDiagnostic) => {
    for (const s of [...d.suggestions!].reverse()) {
      assert.equal(s.range.start.line, s.range.end.line);
      const bytes = Buffer.from(lines[s.range.start.line - 1]!, 'utf8');
      lines[s.range.start.line - 1] = Buffer.concat([bytes.subarray(0, s.range.start.column - 1), Buffer.from(s.text), bytes.subarray(s.range.end.column - 1)]).toString('utf8');
    }
  };
  applyTo(withAccent);
  applyTo(plain);
  assert.ok(lines.includes('    rèsponse = client.get("/health")'), lines.join('\n'));
  assert.ok(lines.includes('    response = client.get("/health")'));
});

test('--statistics: count, code, fixable marker and name per code, most frequent first; JSON with --format json', async () => {
  const root = project();
  const result = await runCli(['--statistics'], root);
  assert.equal(result.code, 1, 'the exit code is the same as without --statistics');
  assert.equal(result.stdout, '2\tSL401\t[*] absolute-client-url\n1\tSL104\t    conftest-pytestmark-ignored\n');
  const json = JSON.parse((await runCli(['--statistics', '--format', 'json'], root)).stdout);
  assert.deepEqual(json, [
    { code: 'SL401', name: 'absolute-client-url', count: 2, fixable: 2 },
    { code: 'SL104', name: 'conftest-pytestmark-ignored', count: 1, fixable: 0 },
  ]);
  const none = await runCli(['--statistics'], clean());
  assert.equal(none.code, 0);
  assert.equal(none.stdout, '');
});

test('--output-file writes the report there and nothing to stdout; missing folders are created', async () => {
  const root = project();
  const result = await runCli(['--format', 'gitlab', '--output-file', 'reports/ci/gl-code-quality.json'], root);
  assert.equal(result.code, 1);
  assert.equal(result.stdout, '');
  assert.equal(result.stderr, '');
  const written = JSON.parse(readFileSync(path.join(root, 'reports', 'ci', 'gl-code-quality.json'), 'utf8')) as GitlabIssue[];
  assert.equal(written.length, 3);
  assert.deepEqual(readdirSync(path.join(root, 'reports', 'ci')), ['gl-code-quality.json'], 'no temporary file is left');
  const short = await runCli(['-o', 'out.txt', '--format', 'concise'], root);
  assert.equal(short.stdout, '');
  assert.match(readFileSync(path.join(root, 'out.txt'), 'utf8'), /^Found 3 problems/m);
});

test('--output-file that cannot be written: one line, exit 2, no half-written file, the old one kept', async () => {
  const root = project();
  // Under /proc, mkdir answers ENOENT for a parent that exists (a recursive mkdir used to loop forever there).
  for (const target of ['/proc/nope/x', path.join(root, 'app', 'main.py', 'report.json'), path.join(root, 'app')]) {
    const result = await runCli(['--format', 'json', '-o', target], root);
    assert.equal(result.code, 2, target);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, new RegExp(`^smoke-lint: error: cannot write the report to ${target.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\([^)]+\\)\\n$`));
  }
  assert.ok(!existsSync('/proc/nope'));
  // A read-only folder keeps its old report whole (root ignores permissions, so only check as a user).
  if (process.getuid?.() !== 0) {
    const { chmodSync, mkdirSync } = await import('node:fs');
    const dir = path.join(root, 'locked');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'report.json'), 'old report\n');
    chmodSync(dir, 0o555);
    const result = await runCli(['--format', 'json', '-o', 'locked/report.json'], root);
    chmodSync(dir, 0o755);
    assert.equal(result.code, 2);
    assert.equal(readFileSync(path.join(dir, 'report.json'), 'utf8'), 'old report\n');
    assert.deepEqual(readdirSync(dir), ['report.json']);
  }
});

test('every format with room for it says how many suites and files were checked', async () => {
  const root = project();
  const json = JSON.parse((await runCli(['--format', 'json'], root)).stdout);
  // The two Python files of the suite (there is no script to read).
  assert.deepEqual(json.summary, { suites: 1, files: 2, problems: 3, fixable: 2 });
  const github = (await runCli(['--format', 'github'], root)).stdout.trimEnd().split('\n');
  assert.equal(github.at(-1), '::notice title=smoke-lint::Found 3 problems (1 suite, 2 files checked)');
  assert.equal((await runCli(['--format', 'github'], clean())).stdout, '::notice title=smoke-lint::All checks passed (1 suite, 2 files checked)\n');
  const none = makeTempProject({ 'tests/test_unit.py': 'def test_one():\n    assert 1\n' });
  assert.equal((await runCli(['--format', 'github'], none)).stdout, '::notice title=smoke-lint::No integration suite found\n');
  assert.deepEqual(JSON.parse((await runCli(['--format', 'json'], none)).stdout).summary, { suites: 0, files: 0, problems: 0, fixable: 0 });
  const sarif = JSON.parse((await runCli(['--format', 'sarif'], root)).stdout);
  assert.deepEqual(sarif.runs[0].properties, { suitesChecked: 1, filesChecked: 2 });
  const junit = (await runCli(['--format', 'junit'], root)).stdout;
  assert.match(junit, /<property name="smoke-lint\.suites" value="1"\/><property name="smoke-lint\.files" value="2"\/>/);
  assert.match((await runCli(['--format', 'junit'], none)).stdout, /<testcase name="No integration suite found"/);
});

test('the file count includes the shell scripts the rules read', async () => {
  const root = project();
  writeFileSync(path.join(root, 'run-integration.sh'), '#!/usr/bin/env bash\nset -euo pipefail\nRUN_INTEGRATION_TESTS=true python -m pytest tests/integration\n');
  const json = JSON.parse((await runCli(['--format', 'json'], root)).stdout);
  assert.equal(json.summary.files, 3);
  const text = await runCli(['--format', 'concise'], clean());
  assert.match(text.stdout, /\(1 suite, 2 files checked\)/);
});
