// The runner and layout rules on throw-away projects: what fixtures in this repository cannot show (the git
// index mode of a script, which only exists once a file is committed), and the document scanning that
// decides whether a script is "run by its path".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { lint } from '../src/engine.js';
import { clearModeCache, directRunWords, gitIndexMode, wordNamesScript } from '../src/model/filemode.js';
import { tempDir } from './temp-dir.js';

const TEST_MODULE = `import os
import pytest

pytestmark = pytest.mark.skipif(
    os.getenv("RUN_INTEGRATION_TESTS") != "true",
    reason="Integration tests disabled. Set RUN_INTEGRATION_TESTS=true to run.",
)


def test_health(client):
    assert client.get("/health").status_code == 200
`;

const DB_SCRIPT = `#!/usr/bin/env bash
CONTAINER_NAME="shop-postgres-test"
case "$1" in
    start)
        docker rm -f "$CONTAINER_NAME" >/dev/null 2>&1 || true
        docker run -d --name "$CONTAINER_NAME" -e POSTGRES_PASSWORD=test -p 5433:5432 \\
            --tmpfs /var/lib/postgresql/data postgres:17
        for i in {1..30}; do
            docker exec "$CONTAINER_NAME" pg_isready -h 127.0.0.1 >/dev/null 2>&1 && exit 0
            sleep 1
        done
        exit 1
        ;;
    stop)
        docker rm -f "$CONTAINER_NAME" >/dev/null 2>&1 || true
        ;;
esac
`;

const RUNNER = `#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
DB_SCRIPT=backend/tests/integration/scripts/test-db.sh
trap '"$DB_SCRIPT" stop || true' EXIT
"$DB_SCRIPT" start
RUN_INTEGRATION_TESTS=true pytest backend/tests/integration
`;

const DB_PATH = 'backend/tests/integration/scripts/test-db.sh';

function makeProject(): string {
  const root = tempDir('smoke-lint-runner-');
  const files: Record<string, string> = {
    'pyproject.toml': '[project]\nname = "shop"\nversion = "0.1.0"\n',
    'backend/tests/integration/test_smoke.py': TEST_MODULE,
    [DB_PATH]: DB_SCRIPT,
    'scripts/test-integration.sh': RUNNER,
  };
  for (const [relative, text] of Object.entries(files)) {
    const target = path.join(root, relative);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
  chmodSync(path.join(root, 'scripts/test-integration.sh'), 0o755);
  return root;
}

function git(root: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function hasGit(): boolean {
  try {
    execFileSync('git', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function findings(root: string, code: string): Promise<Array<{ line: string; message: string; modes: number; edits: number }>> {
  clearModeCache();
  const report = await lint({ paths: [root], cwd: root, select: [code] });
  assert.deepEqual(report.errors, []);
  return report.diagnostics.map((d) => ({
    line: `${path.relative(root, d.file.path).split(path.sep).join('/')}:${d.range.start.line}:${d.range.start.column}: ${d.code}`,
    message: d.message,
    modes: d.fix?.modes?.length ?? 0,
    edits: d.fix?.edits.length ?? -1,
  }));
}

test('SL701 reads the git index: executable on disk but 100644 in the index fires, and stops after update-index', { skip: !hasGit() }, async () => {
  const root = makeProject();
  try {
    chmodSync(path.join(root, DB_PATH), 0o644);
    git(root, 'init', '-q');
    git(root, 'config', 'core.fileMode', 'true');
    git(root, 'add', '-A');
    chmodSync(path.join(root, DB_PATH), 0o755); // executable for the author only: the index still says 100644
    assert.equal(gitIndexMode(path.join(root, DB_PATH)), '100644');

    const before = await findings(root, 'SL701');
    assert.deepEqual(before.map((f) => f.line), [`${DB_PATH}:1:1: SL701`]);
    assert.match(before[0]!.message, /100644/);
    assert.doesNotMatch(before[0]!.message, /on disk/);
    assert.equal(before[0]!.modes, 1, 'the fix carries a mode change');
    assert.equal(before[0]!.edits, 0, 'the fix changes no text');

    git(root, 'update-index', '--chmod=+x', DB_PATH);
    assert.deepEqual(await findings(root, 'SL701'), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('SL701 without git uses the disk mode; untracked files are judged by the disk alone', { skip: !hasGit() }, async () => {
  const root = makeProject();
  try {
    chmodSync(path.join(root, DB_PATH), 0o644);
    const outside = await findings(root, 'SL701');
    assert.deepEqual(outside.map((f) => f.line), [`${DB_PATH}:1:1: SL701`]);
    assert.match(outside[0]!.message, /mode 644/);

    git(root, 'init', '-q'); // a repository, but nothing tracked
    chmodSync(path.join(root, DB_PATH), 0o755);
    assert.equal(gitIndexMode(path.join(root, DB_PATH)), null);
    assert.deepEqual(await findings(root, 'SL701'), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('SL701 and SL702 stay silent on a script only ever run through bash', async () => {
  const root = makeProject();
  try {
    const target = path.join(root, DB_PATH);
    writeFileSync(target, DB_SCRIPT.split('\n').slice(1).join('\n')); // no shebang either
    chmodSync(target, 0o644);
    writeFileSync(path.join(root, 'scripts/test-integration.sh'), RUNNER.replace(/"\$DB_SCRIPT" (start|stop)/g, 'bash "$DB_SCRIPT" $1'));
    writeFileSync(path.join(root, 'README.md'), '# Shop\n\n```bash\nbash backend/tests/integration/scripts/test-db.sh start\n```\n');
    assert.deepEqual(await findings(root, 'SL701'), []);
    assert.deepEqual(await findings(root, 'SL702'), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('documents: code blocks and command-like code spans run scripts; prose and interpreters do not', () => {
  const markdown = [
    '# Tests',
    'The runner `scripts/test-integration.sh` does everything.', // a path named in prose: not a run
    '- `./scripts/test-integration.sh`', // ./ in a code span: a run
    'Or `backend/tests/integration/scripts/test-db.sh start` by hand.', // a path with arguments: a run
    '```bash',
    '$ RUN_INTEGRATION_TESTS=true ./scripts/test-integration.sh -x',
    'bash scripts/other.sh',
    'cd backend && tests/integration/scripts/test-db.sh stop',
    '```',
  ].join('\n');
  assert.deepEqual(directRunWords(markdown, true), [
    { line: 3, word: './scripts/test-integration.sh' },
    { line: 4, word: 'backend/tests/integration/scripts/test-db.sh' },
    { line: 6, word: './scripts/test-integration.sh' },
    { line: 8, word: 'cd' },
    { line: 8, word: 'tests/integration/scripts/test-db.sh' },
  ]);
  const workflow = 'jobs:\n  test:\n    steps:\n      - run: ./scripts/test-integration.sh\n      - run: bash scripts/lint.sh\n';
  assert.deepEqual(directRunWords(workflow, false).filter((run) => run.word.includes('/')), [{ line: 4, word: './scripts/test-integration.sh' }]);
});

test('a written path names a script by its path from the project root or by a path suffix', () => {
  assert.equal(wordNamesScript('./scripts/test-integration.sh', 'scripts/test-integration.sh'), true);
  assert.equal(wordNamesScript('tests/integration/scripts/test-db.sh', DB_PATH), true);
  assert.equal(wordNamesScript('test-db.sh', DB_PATH), false, 'a bare name runs from PATH, not the file');
  assert.equal(wordNamesScript('other/scripts/test-db.sh', DB_PATH), false);
  assert.equal(wordNamesScript('../scripts/test-db.sh', DB_PATH), false);
});
