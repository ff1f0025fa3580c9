// `smoke-lint init` and SL704: a project without a suite (or with half of one) gets the missing pieces,
// filled with its names, and the result lints clean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { main, type Io } from '../src/cli.js';
import { lint } from '../src/engine.js';
import { clearFileSystemCache } from '../src/model/app.js';
import { initProject, NoAppError } from '../src/scaffold/init.js';
import { slug } from '../src/scaffold/facts.js';
import { repoRoot } from './helpers.js';
import { tempDir } from './temp-dir.js';

const CLEAN = path.join(repoRoot, 'fixtures', 'clean', 'project');
const SUITE = 'backend/tests/integration';

function copyClean(remove: string[]): string {
  const root = path.join(tempDir('smoke-lint-init-'), 'notes');
  cpSync(CLEAN, root, { recursive: true });
  for (const relative of remove) rmSync(path.join(root, relative), { recursive: true, force: true });
  clearFileSystemCache();
  return root;
}

function read(root: string, relative: string): string {
  return readFileSync(path.join(root, relative), 'utf8');
}

function relativeAll(root: string, files: string[]): string[] {
  return files.map((file) => path.relative(root, file).split(path.sep).join('/')).sort();
}

async function findings(root: string, select?: string[]): Promise<string[]> {
  clearFileSystemCache();
  const report = await lint({ paths: [root], cwd: root, ...(select ? { select } : {}) });
  assert.deepEqual(report.errors, []);
  return report.diagnostics.map((d) => `${path.relative(root, d.file.path)}:${d.range.start.line}: ${d.code} ${d.message}`);
}

async function run(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), cwd, env: {}, isTTY: false };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

test('init on the clean project without its suite writes a suite that lints clean with every rule', async () => {
  const root = copyClean([SUITE, 'scripts/test-integration.sh']);
  assert.ok((await findings(root)).length === 0, 'no suite, nothing to report before');
  const result = await initProject(root);
  assert.deepEqual(relativeAll(root, result.written), [
    `${SUITE}/conftest.py`,
    `${SUITE}/scripts/test-db.sh`,
    `${SUITE}/test_smoketest.py`,
    'scripts/test-integration.sh',
  ]);
  assert.deepEqual(result.skipped, []);
  assert.deepEqual(await findings(root), []);

  // Scripts are executable; Python files are not.
  for (const script of [`${SUITE}/scripts/test-db.sh`, 'scripts/test-integration.sh']) {
    assert.equal(statSync(path.join(root, script)).mode & 0o777, 0o755, script);
  }
  assert.equal(statSync(path.join(root, SUITE, 'conftest.py')).mode & 0o111, 0);

  // Filled with the project's names, free of the skill's known defects.
  const dbScript = read(root, `${SUITE}/scripts/test-db.sh`);
  assert.match(dbScript, /^#!\/usr\/bin\/env bash\n/);
  assert.match(dbScript, /CONTAINER_NAME="notes-postgres-test"/);
  assert.match(dbScript, /DB_NAME="notes_test"/);
  assert.match(dbScript, /DB_PORT="5433"/);
  assert.match(dbScript, /pg_isready -h 127\.0\.0\.1/);
  assert.match(dbScript, /--tmpfs \/var\/lib\/postgresql\/data/);
  assert.match(dbScript, /postgres:17\n/);
  assert.ok(dbScript.indexOf('docker rm -f "$CONTAINER_NAME"') < dbScript.indexOf('docker run'), 'stale container removed before the run');

  const runner = read(root, 'scripts/test-integration.sh');
  assert.match(runner, /trap cleanup EXIT/);
  assert.match(runner, /rc=0\nRUN_INTEGRATION_TESTS=true pytest backend\/tests\/integration -v \|\| rc=\$\?/);
  assert.match(runner, /exit \$rc\n$/);
  assert.match(runner, /TEST_DB="\$PROJECT_ROOT\/backend\/tests\/integration\/scripts\/test-db\.sh"/);

  const conftest = read(root, `${SUITE}/conftest.py`);
  assert.doesNotMatch(conftest, /^pytestmark\s*=/m, 'the gate belongs in the test modules');
  assert.match(conftest, /TEST_DB_URL = "postgresql:\/\/testuser:testpass@localhost:5433\/notes_test"/);
  assert.match(conftest, /sys\.path\.insert\(0, str\(Path\(__file__\)\.resolve\(\)\.parents\[3\]\)\)/);
  assert.equal((conftest.match(/@pytest\.fixture\(scope="session"\)/g) ?? []).length, 2);
  assert.match(conftest, /engine\.dispose\(\)/);
  assert.match(conftest, /with TestClient\(app\) as c:/);
  assert.match(conftest, /from backend\.main import app/);
  assert.match(conftest, /from backend\.database import get_session/);
  assert.match(conftest, /app\.dependency_overrides\[get_session\] = override_get_session/);
  assert.match(conftest, /app\.dependency_overrides\.clear\(\)/);

  const testModule = read(root, `${SUITE}/test_smoketest.py`);
  assert.match(testModule, /pytestmark = pytest\.mark\.skipif\(\n    os\.getenv\("RUN_INTEGRATION_TESTS"\) != "true",/);
  assert.match(testModule, /client\.get\("\/health"\)/);
  // /api/v1/notes/ needs a user: a bare GET would be 401, so it is not smoke-tested.
  assert.doesNotMatch(testModule, /\/api\/v1\/notes/);

  // A second run has nothing left to write.
  const again = await initProject(root);
  assert.deepEqual(again.written, []);
  assert.deepEqual(again.skipped, []);
});

test('init on half a suite writes only the missing files, and SL704 is then silent', async () => {
  const root = copyClean([`${SUITE}/conftest.py`, `${SUITE}/scripts`, `${SUITE}/test_notes.py`, 'scripts']);
  // Only the gated test module is left (renamed as the practice names it).
  cpSync(path.join(root, SUITE, 'test_health.py'), path.join(root, SUITE, 'test_smoketest.py'));
  rmSync(path.join(root, SUITE, 'test_health.py'));
  const before = await findings(root, ['SL704']);
  assert.equal(before.length, 3, before.join('\n'));
  assert.ok(before.every((line) => line.startsWith(`${SUITE}/test_smoketest.py:1: SL704`)));

  const original = read(root, `${SUITE}/test_smoketest.py`);
  const result = await initProject(root);
  assert.deepEqual(relativeAll(root, result.written), [`${SUITE}/conftest.py`, `${SUITE}/scripts/test-db.sh`, 'scripts/test-integration.sh']);
  assert.equal(read(root, `${SUITE}/test_smoketest.py`), original, 'the existing test module is untouched');
  assert.deepEqual(await findings(root, ['SL704']), []);
  assert.deepEqual(await findings(root), []);
});

test('init reuses the database an existing DB script starts', async () => {
  const root = copyClean([`${SUITE}/conftest.py`, 'scripts/test-integration.sh']);
  const result = await initProject(root);
  assert.deepEqual(relativeAll(root, result.written), [`${SUITE}/conftest.py`, 'scripts/test-integration.sh']);
  assert.match(read(root, `${SUITE}/conftest.py`), /TEST_DB_URL = "postgresql:\/\/notes:notes-test-password@localhost:5433\/notes_test"/);
  assert.deepEqual(await findings(root), []);
});

test('init --dry-run prints paths and contents and writes nothing', async () => {
  const root = copyClean([SUITE, 'scripts/test-integration.sh']);
  const result = await initProject(root, { dryRun: true });
  assert.equal(result.written.length, 4);
  assert.ok(result.written.every((file) => !existsSync(file)));
  assert.ok(!existsSync(path.join(root, SUITE)));

  const cli = await run(['init', '--dry-run'], root);
  assert.equal(cli.code, 0, cli.stderr);
  assert.ok(!existsSync(path.join(root, SUITE)), 'nothing written');
  assert.ok(!existsSync(path.join(root, 'scripts', 'test-integration.sh')));
  assert.match(cli.stdout, /Would write backend\/tests\/integration\/conftest\.py:\n/);
  assert.match(cli.stdout, /Would write backend\/tests\/integration\/scripts\/test-db\.sh \(mode 0755\):\n {4}#!\/usr\/bin\/env bash/);
  assert.match(cli.stdout, / {4}TEST_DB_URL = "postgresql:\/\/testuser:testpass@localhost:5433\/notes_test"/);
  assert.match(cli.stdout, /Would write 4 files \(dry run: nothing was written\)\.\n$/);
});

test('init never overwrites a file: it skips it and says so', async () => {
  const root = copyClean([SUITE, 'scripts/test-integration.sh']);
  const placeholder = '#!/usr/bin/env bash\necho "TODO: integration runner"\n';
  writeFileSync(path.join(root, 'scripts', 'test-integration.sh'), placeholder);
  const cli = await run(['init', root], path.dirname(root));
  assert.equal(cli.code, 0, cli.stderr);
  assert.equal(read(root, 'scripts/test-integration.sh'), placeholder);
  assert.match(cli.stdout, /Skipped notes\/scripts\/test-integration\.sh: a file is already there/);
  assert.match(cli.stdout, /Wrote notes\/backend\/tests\/integration\/conftest\.py\n/);
  assert.match(cli.stdout, /Wrote 3 files\.\n$/);
  // The runner is still missing, so SL704 says so.
  const left = await findings(root, ['SL704']);
  assert.equal(left.length, 1);
  assert.match(left[0]!, /has no runner/);
  assert.match(left[0]!, /scripts\/test-integration\.sh/);
});

test('init on a path without a FastAPI app exits 2 with a one-line error', async () => {
  const root = tempDir('smoke-lint-init-noapp-');
  writeFileSync(path.join(root, 'pyproject.toml'), '[project]\nname = "tool"\nversion = "0.1.0"\n');
  mkdirSync(path.join(root, 'tool'));
  writeFileSync(path.join(root, 'tool', 'cli.py'), 'def main():\n    return 0\n');
  await assert.rejects(initProject(root), NoAppError);
  const cli = await run(['init'], root);
  assert.equal(cli.code, 2);
  assert.equal(cli.stdout, '');
  assert.match(cli.stderr, /^smoke-lint: error: no FastAPI app found in .*\n$/);
  assert.equal(cli.stderr.split('\n').length, 2);
  assert.equal((await run(['init', 'does-not-exist'], root)).code, 2);
});

test('init fills in the configured test port and the project name, and finds plain SQLAlchemy apps', async () => {
  const root = tempDir('smoke-lint-init-sqla-');
  writeFileSync(path.join(root, 'pyproject.toml'), '[project]\nname = "My Shop.API"\nversion = "0.1.0"\n\n[tool.smoke-lint]\ntest-port = 5544\n');
  writeFileSync(
    path.join(root, 'database.py'),
    'from sqlalchemy import create_engine\nfrom sqlalchemy.orm import declarative_base, sessionmaker\n\nengine = create_engine("postgresql://shop:shop@localhost:5432/shop")\nSessionLocal = sessionmaker(bind=engine)\nBase = declarative_base()\n\n\ndef get_db():\n    db = SessionLocal()\n    try:\n        yield db\n    finally:\n        db.close()\n',
  );
  writeFileSync(
    path.join(root, 'main.py'),
    'from fastapi import Depends, FastAPI\nfrom sqlalchemy.orm import Session\n\nfrom database import get_db\n\napp = FastAPI()\n\n\n@app.get("/items")\ndef items(db: Session = Depends(get_db)):\n    return []\n',
  );
  const result = await initProject(root);
  assert.deepEqual(relativeAll(root, result.written), ['scripts/test-integration.sh', 'tests/integration/conftest.py', 'tests/integration/scripts/test-db.sh', 'tests/integration/test_smoketest.py']);
  const conftest = read(root, 'tests/integration/conftest.py');
  assert.match(conftest, /TEST_DB_URL = "postgresql:\/\/testuser:testpass@localhost:5544\/my_shop_api_test"/);
  assert.match(conftest, /parents\[2\]/);
  assert.match(conftest, /from database import Base/);
  assert.match(conftest, /app\.dependency_overrides\[get_db\] = override_get_db/);
  assert.match(read(root, 'tests/integration/scripts/test-db.sh'), /CONTAINER_NAME="my-shop-api-postgres-test"\nDB_PORT="5544"/);
  assert.deepEqual(await findings(root), []);
});

test('project names become container and database names', () => {
  assert.equal(slug('My Shop.API', '-'), 'my-shop-api');
  assert.equal(slug('My Shop.API', '_'), 'my_shop_api');
  assert.equal(slug('--', '_'), 'app');
});

test('SL704 attaches an unsafe fix writing what init would, and points at `smoke-lint init`', async () => {
  const root = copyClean([`${SUITE}/scripts`]);
  clearFileSystemCache();
  const report = await lint({ paths: [root], cwd: root, select: ['SL704'] });
  assert.equal(report.diagnostics.length, 1);
  const [diagnostic] = report.diagnostics;
  assert.match(diagnostic!.message, /has no DB script/);
  assert.match(diagnostic!.hint ?? '', /smoke-lint init/);
  const fix = diagnostic!.fix!;
  assert.equal(fix.applicability, 'unsafe');
  assert.deepEqual(fix.edits, []);
  assert.equal(fix.message, `Write ${SUITE}/scripts/test-db.sh from the practice's template`);
  const planned = await initProject(root, { dryRun: true });
  assert.deepEqual(
    fix.creates,
    planned.files.map((file) => ({ path: file.path, text: file.content, executable: file.executable })),
  );
});

/** An app in `backend/app` (imported as `app.main` from `backend/`) whose unit tests are in `backend/tests`. */
function backendProject(): string {
  const root = tempDir('smoke-lint-init-backend-');
  const files: Record<string, string> = {
    'pyproject.toml': '[project]\nname = "larder"\nversion = "0.1.0"\n',
    'backend/app/__init__.py': '',
    'backend/app/db.py':
      'from sqlalchemy import create_engine\nfrom sqlalchemy.orm import declarative_base, sessionmaker\n\nengine = create_engine("postgresql://larder:larder@localhost:5432/larder")\nSessionLocal = sessionmaker(bind=engine)\nBase = declarative_base()\n\n\ndef get_db():\n    db = SessionLocal()\n    try:\n        yield db\n    finally:\n        db.close()\n',
    'backend/app/main.py':
      'from fastapi import Depends, FastAPI\nfrom sqlalchemy.orm import Session\n\nfrom app.db import get_db\n\napp = FastAPI()\n\n\n@app.get("/jars")\ndef jars(db: Session = Depends(get_db)):\n    return []\n',
    'backend/tests/test_units.py': 'def test_sum():\n    assert 1 + 1 == 2\n',
  };
  for (const [relative, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    writeFileSync(path.join(root, relative), content);
  }
  clearFileSystemCache();
  return root;
}

test('init puts the suite in the app\'s existing tests folder: backend/tests gets backend/tests/integration', async () => {
  const root = backendProject();
  const result = await initProject(root);
  assert.deepEqual(relativeAll(root, result.written), [
    'backend/tests/integration/conftest.py',
    'backend/tests/integration/scripts/test-db.sh',
    'backend/tests/integration/test_smoketest.py',
    'scripts/test-integration.sh',
  ]);
  assert.match(read(root, 'backend/tests/integration/conftest.py'), /from app\.main import app/);
  assert.deepEqual(await findings(root), []);
});

test('init --dir puts the suite where it is told, completes a suite already there, and refuses a folder outside the project', async () => {
  const root = backendProject();
  const cli = await run(['init', '--dir', 'backend/tests/e2e'], root);
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, /Wrote backend\/tests\/e2e\/conftest\.py\n/);
  assert.ok(existsSync(path.join(root, 'backend/tests/e2e/test_smoketest.py')));
  assert.ok(!existsSync(path.join(root, 'backend/tests/integration')));
  assert.deepEqual(await findings(root), []);
  // The same folder again: it is a complete suite now, and nothing is overwritten.
  const conftest = read(root, 'backend/tests/e2e/conftest.py');
  clearFileSystemCache();
  const again = await run(['init', '--dir', 'backend/tests/e2e'], root);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^Nothing to write: `backend\/tests\/e2e` has every piece of the practice\.\n$/);
  assert.equal(read(root, 'backend/tests/e2e/conftest.py'), conftest);
  // A second suite beside it gets its own runner rather than none.
  clearFileSystemCache();
  const second = await run(['init', '--dir', 'backend/tests/smoke'], root);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /Wrote scripts\/test-integration-backend-tests-smoke\.sh \(mode 0755\)\n/);
  assert.deepEqual(await findings(root), []);
  const outside = await run(['init', '--dir', path.dirname(root)], root);
  assert.equal(outside.code, 2);
  assert.match(outside.stderr, /^smoke-lint: error: --dir .* is not a folder inside the project .*\n$/);
});

test('a suite whose database is a compose service gets no runner that would call a DB script it does not have', async () => {
  const root = copyClean([`${SUITE}/scripts`, 'scripts/test-integration.sh']);
  writeFileSync(
    path.join(root, 'docker-compose.test.yml'),
    'services:\n  db:\n    image: postgres:17\n    environment:\n      POSTGRES_USER: notes\n      POSTGRES_PASSWORD: notes-test-password\n      POSTGRES_DB: notes_test\n    ports:\n      - "5433:5432"\n    tmpfs:\n      - /var/lib/postgresql/data\n    healthcheck:\n      test: ["CMD", "pg_isready", "-h", "127.0.0.1", "-U", "notes"]\n',
  );
  clearFileSystemCache();
  const report = await lint({ paths: [root], cwd: root, select: ['SL704'] });
  assert.deepEqual(report.diagnostics.map((d) => d.message.split(':')[0]), ['integration suite `backend/tests/integration` has no runner']);
  const [runner] = report.diagnostics;
  assert.equal(runner!.fix, null, 'no fix: the template would call a DB script that does not exist');
  assert.match(runner!.hint ?? '', /^Write a runner that starts the suite's database \(compose service `db` \(docker-compose\.test\.yml\)\), runs pytest on the suite with `RUN_INTEGRATION_TESTS=true` and removes it/);

  const planned = await initProject(root, { dryRun: true });
  assert.deepEqual(planned.written, []);
  assert.deepEqual(planned.unwritten, [`${SUITE}: runner`]);
  assert.match(planned.notes.join('\n'), /^no runner written for backend\/tests\/integration: .*compose service `db`/m);

  // And --fix --unsafe-fixes writes nothing that smoke-lint itself would then report (SL604: a runner calling a missing script).
  const run = await main(['--fix', '--unsafe-fixes', '--format', 'concise', '--no-color', '.'], { stdout: () => {}, stderr: () => {}, cwd: root, env: {}, isTTY: false });
  assert.equal(run, 1);
  assert.ok(!existsSync(path.join(root, 'scripts/test-integration.sh')));
  assert.deepEqual((await findings(root)).filter((finding) => / SL604 /.test(finding)), []);
});
