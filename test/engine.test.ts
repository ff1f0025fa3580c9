// The engine on throw-away projects: which files a run analyses (suites around named files,
// .gitignore, virtualenvs, symlink loops), and how bad configuration and bad paths are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../src/config.js';
import { lint, UsageError, type LintReport } from '../src/engine.js';
import { tempDir } from './temp-dir.js';

const GATE = `pytestmark = pytest.mark.skipif(
    os.getenv("RUN_INTEGRATION_TESTS") != "true",
    reason="Integration tests disabled. Set RUN_INTEGRATION_TESTS=true to run.",
)
`;

/** A conftest whose `pytestmark` SL104 reports (line 5, column 1). */
const CONFTEST_WITH_PYTESTMARK = `import os

import pytest

${GATE}`;

const GATED_TEST_MODULE = `import os

import pytest

${GATE}

def test_health(client):
    assert client.get("/health").status_code == 200
`;

/** Writes `files` (relative path → text) under a new temporary project root with a pyproject.toml. */
function makeProject(files: Record<string, string>, pyproject = '[project]\nname = "shop"\nversion = "0.1.0"\n'): string {
  const root = tempDir('smoke-lint-engine-');
  writeFileSync(path.join(root, 'pyproject.toml'), pyproject);
  for (const [relative, text] of Object.entries(files)) {
    const target = path.join(root, relative);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
  return root;
}

/** `path:line:col: CODE` lines, paths relative to the project root. */
function findings(report: LintReport, root: string): string[] {
  return report.diagnostics
    .map((d) => `${path.relative(root, d.file.path).split(path.sep).join('/')}:${d.range.start.line}:${d.range.start.column}: ${d.code}`)
    .sort();
}

function withProject(files: Record<string, string>, body: (root: string) => Promise<void>, pyproject?: string): () => Promise<void> {
  return async () => {
    const root = makeProject(files, pyproject);
    try {
      await body(root);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
}

const SUITE = {
  'backend/tests/integration/conftest.py': CONFTEST_WITH_PYTESTMARK,
  'backend/tests/integration/test_smoketest.py': GATED_TEST_MODULE,
  'backend/tests/test_unit.py': 'def test_add():\n    assert 1 + 1 == 2\n',
};
const SL104_FINDING = 'backend/tests/integration/conftest.py:5:1: SL104';

test(
  'a test module named on the command line brings in its whole suite (its conftest is checked)',
  withProject(SUITE, async (root) => {
    const report = await lint({ paths: ['backend/tests/integration/test_smoketest.py'], cwd: root, select: ['SL104'] });
    assert.deepEqual(report.errors, []);
    assert.deepEqual(findings(report, root), [SL104_FINDING]);
    assert.equal(report.suitesChecked, 1);
  }),
);

test(
  'a folder inside a suite brings in the whole suite',
  withProject(
    { ...SUITE, 'backend/tests/integration/api/test_users.py': GATED_TEST_MODULE },
    async (root) => {
      const report = await lint({ paths: [path.join(root, 'backend/tests/integration/api')], cwd: '/', select: ['SL104'] });
      assert.deepEqual(findings(report, root), [SL104_FINDING]);
    },
  ),
);

test(
  'several files of the same suite give each finding once',
  withProject(SUITE, async (root) => {
    const report = await lint({
      paths: ['backend/tests/integration/test_smoketest.py', 'backend/tests/integration/conftest.py', 'backend/tests/integration', '.'],
      cwd: root,
      select: ['SL104'],
    });
    assert.deepEqual(findings(report, root), [SL104_FINDING]);
    assert.equal(report.suitesChecked, 1);
  }),
);

test(
  'a file outside every suite is skipped quietly, even when it does not parse',
  withProject({ ...SUITE, 'backend/tests/test_broken.py': 'def test_broken(:\n' }, async (root) => {
    for (const file of ['backend/tests/test_unit.py', 'backend/tests/test_broken.py', 'pyproject.toml']) {
      const report = await lint({ paths: [file], cwd: root });
      assert.deepEqual(report.errors, [], file);
      assert.deepEqual(findings(report, root), [], file);
      assert.equal(report.suitesChecked, 0, file);
    }
  }),
);

test(
  'a directory loop through symlinks terminates, and files reached twice are reported once',
  withProject(SUITE, async (root) => {
    const suite = path.join(root, 'backend/tests/integration');
    symlinkSync('..', path.join(suite, 'up'), 'dir');
    symlinkSync(root, path.join(suite, 'root'), 'dir');
    symlinkSync(path.join(root, 'backend'), path.join(root, 'backend/tests/again'), 'dir');
    const report = await lint({ paths: ['.'], cwd: root, select: ['SL104'] });
    assert.deepEqual(report.errors, []);
    assert.deepEqual(findings(report, root), [SL104_FINDING]);
  }),
);

test(
  'suite folders ignored by .gitignore (at the root or nested) are skipped',
  withProject(
    {
      '.gitignore': 'legacy/\n',
      'legacy/tests/integration/conftest.py': CONFTEST_WITH_PYTESTMARK,
      'legacy/tests/integration/test_old.py': GATED_TEST_MODULE,
      'backend/.gitignore': 'tests/e2e/\n',
      'backend/tests/e2e/conftest.py': CONFTEST_WITH_PYTESTMARK,
      'backend/tests/e2e/test_flows.py': GATED_TEST_MODULE,
      'backend/tests/integration/test_smoketest.py': GATED_TEST_MODULE,
    },
    async (root) => {
      const report = await lint({ paths: ['.'], cwd: root, select: ['SL104'] });
      assert.deepEqual(findings(report, root), []);
      assert.equal(report.suitesChecked, 1);
    },
  ),
);

test(
  'node_modules, .venv and other virtualenvs are skipped',
  withProject(
    {
      'node_modules/some-pkg/tests/integration/conftest.py': CONFTEST_WITH_PYTESTMARK,
      '.venv/lib/python3.12/site-packages/pkg/tests/integration/conftest.py': CONFTEST_WITH_PYTESTMARK,
      'env312/pyvenv.cfg': 'home = /usr/bin\n',
      'env312/lib/python3.12/site-packages/pkg/tests/integration/conftest.py': CONFTEST_WITH_PYTESTMARK,
      'backend/tests/integration/test_smoketest.py': GATED_TEST_MODULE,
    },
    async (root) => {
      const report = await lint({ paths: ['.'], cwd: root, select: ['SL104'] });
      assert.deepEqual(findings(report, root), []);
      assert.equal(report.suitesChecked, 1);
    },
  ),
);

test(
  'select and ignore given with the request',
  withProject(SUITE, async (root) => {
    // SL704 (this sample suite has no DB script or runner) is ignored too: these lines test the selection only.
    assert.deepEqual(findings(await lint({ paths: ['.'], cwd: root, ignore: ['SL104', 'SL704'] }), root), []);
    assert.deepEqual(findings(await lint({ paths: ['.'], cwd: root, ignore: ['SL1', 'SL704'] }), root), []);
    assert.deepEqual(findings(await lint({ paths: ['.'], cwd: root, select: ['SL0'] }), root), []);
    assert.deepEqual(findings(await lint({ paths: ['.'], cwd: root, select: ['SL104'], ignore: ['SL1'] }), root), [SL104_FINDING]);
  }),
);

test(
  'a dangling symlink in a suite is a one-line error, not a crash',
  withProject(SUITE, async (root) => {
    symlinkSync('missing.py', path.join(root, 'backend/tests/integration/test_gone.py'));
    const report = await lint({ paths: ['.'], cwd: root, select: ['SL104'] });
    assert.equal(report.errors.length, 1);
    assert.match(report.errors[0]!, /test_gone\.py/);
    assert.doesNotMatch(report.errors[0]!, /\n/);
    assert.deepEqual(findings(report, root), [SL104_FINDING]);
  }),
);

function rejectsWith<E extends Error>(kind: new (...args: never[]) => E, pattern: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof kind, `expected ${kind.name}, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  };
}

test(
  'an unknown [tool.smoke-lint] key is a ConfigError naming the key',
  withProject(SUITE, async (root) => {
    await assert.rejects(lint({ paths: ['.'], cwd: root }), rejectsWith(ConfigError, /`selct`/));
  }, '[project]\nname = "shop"\nversion = "0.1.0"\n\n[tool.smoke-lint]\nselct = ["SL104"]\n'),
);

test('a [tool.smoke-lint] value of the wrong type is a ConfigError naming the key', async () => {
  const cases: Array<[string, RegExp]> = [
    ['test-port = "5433"', /`test-port`/],
    ['ignore = "SL104"', /`ignore`/],
    ['per-file-ignores = { "conftest.py" = "SL104" }', /`per-file-ignores`/],
    ['suites = "qa/checks"', /`suites`/],
    ['ignore = ["E501"]', /`ignore`.*E501/],
  ];
  for (const [line, pattern] of cases) {
    const root = makeProject(SUITE, `[project]\nname = "shop"\nversion = "0.1.0"\n\n[tool.smoke-lint]\n${line}\n`);
    try {
      await assert.rejects(lint({ paths: ['.'], cwd: root }), rejectsWith(ConfigError, pattern), line);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
});

test(
  'a broken pyproject.toml is a ConfigError naming the file',
  withProject(SUITE, async (root) => {
    await assert.rejects(lint({ paths: ['.'], cwd: root }), rejectsWith(ConfigError, /pyproject\.toml/));
  }, '[project\nname = "shop"\n'),
);

test(
  'a broken .smoke-lint.toml, and a missing --config file, are ConfigErrors',
  withProject({ ...SUITE, '.smoke-lint.toml': 'ignore = [\n' }, async (root) => {
    await assert.rejects(lint({ paths: ['.'], cwd: root }), rejectsWith(ConfigError, /\.smoke-lint\.toml/));
    await assert.rejects(lint({ paths: ['.'], cwd: root, configFile: 'nowhere.toml' }), rejectsWith(ConfigError, /nowhere\.toml/));
  }),
);

test(
  'an explicit config file replaces the discovered one',
  withProject(SUITE, async (root) => {
    writeFileSync(path.join(root, 'lint.toml'), 'ignore = ["SL104", "SL704"]\n');
    assert.deepEqual(findings(await lint({ paths: ['.'], cwd: root, select: ['SL104'] }), root), [SL104_FINDING]);
    assert.deepEqual(findings(await lint({ paths: ['.'], cwd: root, configFile: 'lint.toml' }), root), []);
  }),
);

test(
  'a missing path is a UsageError naming it',
  withProject(SUITE, async (root) => {
    await assert.rejects(lint({ paths: ['backend/tests/nope'], cwd: root }), rejectsWith(UsageError, /backend\/tests\/nope/));
    await assert.rejects(lint({ paths: ['.', 'gone.py'], cwd: root }), rejectsWith(UsageError, /gone\.py/));
  }),
);
