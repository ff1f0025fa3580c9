// Fixes that must not be written: a fix that leaves its own finding in place (it would pile up lines run after
// run), passes that run out, and read-only files. Synthetic rules stand in for buggy real ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fixProject, planFixes } from '../src/fix/passes.js';
import { formatNote, outcomeMessages } from '../src/fix/report.js';
import { plural } from '../src/report/common.js';
import { defineRule, type RuleContext, type RuleDefinition } from '../src/rule.js';
import { makeTempProject, runCli } from './project.js';
import { tempDir } from './temp-dir.js';
import { repoRoot } from './helpers.js';
import { clearFileSystemCache } from '../src/model/app.js';

const SUITE = 'tests/integration';

function synthetic(code: string, check: (context: RuleContext) => void): RuleDefinition {
  return defineRule({
    code,
    name: `synthetic-${code.toLowerCase()}`,
    summary: 'a rule for testing the fix machinery',
    severity: 'warning',
    fix: 'safe',
    docs: { whatItDoes: 'Tests.', whyItMatters: 'Tests.', example: 'x', useInstead: 'y' },
    check,
  });
}

const whole = { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };

/** SL911: a module without `READY = 1` is reported, and the "fix" inserts `PRE = 1` instead: it never removes its finding. */
const stuck = synthetic('SL911', (context) => {
  for (const file of context.suite.testModules) {
    if (file.text.includes('READY = 1')) continue;
    context.report({ file, range: whole, message: 'not ready', fix: { applicability: 'safe', message: 'Insert a line', edits: [{ file, start: 0, end: 0, text: 'PRE = 1\n' }] } });
  }
});

/** SL912: `XXX` becomes `YYY`, a fix that converges. */
const xToY = synthetic('SL912', (context) => {
  for (const file of context.suite.testModules) {
    const at = file.text.indexOf('XXX');
    if (at < 0) continue;
    context.report({ file, range: whole, message: 'XXX', fix: { applicability: 'safe', message: 'Write YYY', edits: [{ file, start: at, end: at + 3, text: 'YYY' }] } });
  }
});

/** SL913: in test_b.py, `PAIR` becomes `DONE` and the same fix marks test_c.py: one fix over two files. */
const pair = synthetic('SL913', (context) => {
  const b = context.suite.testModules.find((file) => file.path.endsWith('test_b.py'));
  const c = context.suite.testModules.find((file) => file.path.endsWith('test_c.py'));
  if (!b || !c) return;
  const at = b.text.indexOf('PAIR');
  if (at < 0) return;
  context.report({
    file: b,
    range: whole,
    message: 'PAIR',
    fix: { applicability: 'safe', message: 'Pair', edits: [{ file: b, start: at, end: at + 4, text: 'DONE' }, { file: c, start: 0, end: 0, text: 'PAIRED = 1\n' }] },
  });
});

/** Every file under `root` with its bytes and modification time. */
function snapshot(root: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(path.join(root, prefix))) {
    const relative = prefix ? `${prefix}/${name}` : name;
    const full = path.join(root, relative);
    const stat = statSync(full);
    if (stat.isDirectory()) Object.assign(out, snapshot(root, relative));
    else out[relative] = `${stat.mtimeMs}|${stat.mode}|${readFileSync(full, 'base64')}`;
  }
  return out;
}

test('a fix whose own finding is still there after it was applied is dropped whole: no byte changes on disk', async () => {
  const root = makeTempProject({ [`${SUITE}/test_a.py`]: 'A = 1\n', [`${SUITE}/test_b.py`]: 'READY = 1\n' });
  const before = snapshot(root);
  const run = await fixProject({ paths: [], cwd: root, rules: [stuck] }, { unsafe: false });
  assert.deepEqual(snapshot(root), before);
  assert.deepEqual(run.plan.notes, [{ kind: 'not-converging', code: 'SL911', path: path.join(root, SUITE, 'test_a.py'), why: 'left its own finding in place after it was applied' }]);
  assert.equal(run.plan.texts.size, 0);
  assert.deepEqual(run.outcome.fixed, []);
  assert.deepEqual(run.report.diagnostics.map((d) => d.code), ['SL911']);
});

test('cli: a dropped fix run is one line naming rule, file and why, exit 2, and the summary counts nothing fixed', async () => {
  const root = makeTempProject({ [`${SUITE}/test_a.py`]: 'A = 1\n', [`${SUITE}/test_b.py`]: 'READY = 1\nB = "XXX"\n' });
  const result = await runCli(['--fix', '--format', 'concise'], root, [stuck, xToY]);
  assert.equal(result.code, 2, result.stderr);
  assert.equal(
    result.stderr,
    'smoke-lint: error: not fixing tests/integration/test_a.py: the fix for SL911 left its own finding in place after it was applied; the file is left as it was (a bug in smoke-lint, please report it)\n',
  );
  assert.equal(readFileSync(path.join(root, SUITE, 'test_a.py'), 'utf8'), 'A = 1\n');
  assert.equal(readFileSync(path.join(root, SUITE, 'test_b.py'), 'utf8'), 'READY = 1\nB = "YYY"\n');
  assert.match(result.stdout, /Found 2 problems \(1 fixed, 1 remaining\); 1 suite, \d+ files? checked\.\n$/);
  const diff = await runCli(['--diff'], root, [stuck]);
  assert.equal(diff.code, 2);
  assert.equal(diff.stdout, '');
});

test('a file changed by the same fix as a dropped file is dropped with it', async () => {
  const root = makeTempProject({ [`${SUITE}/test_b.py`]: 'B = "PAIR"\n', [`${SUITE}/test_c.py`]: 'C = 1\n' });
  const before = snapshot(root);
  // SL913 edits b and c in pass 1; pass 2 finds SL911 stuck on c (PAIRED is not READY), so c goes, and b with it.
  const plan = await planFixes({ paths: [], cwd: root }, { unsafe: false, rules: [pair, synthetic('SL911', (context) => {
    const c = context.suite.testModules.find((file) => file.path.endsWith('test_c.py'));
    if (!c || !c.text.includes('PAIRED')) return;
    context.report({ file: c, range: whole, message: 'not ready', fix: { applicability: 'safe', message: 'Insert', edits: [{ file: c, start: 0, end: 0, text: 'PRE = 1\n' }] } });
  })] });
  assert.deepEqual(plan.notes.map((note) => [note.code, path.basename((note as { path: string }).path)]), [['SL913', 'test_b.py'], ['SL911', 'test_c.py']]);
  assert.equal(plan.texts.size, 0);
  assert.deepEqual(plan.applied, []);
  assert.deepEqual(snapshot(root), before);
});

test('the non-convergence message says "passes", and one finding fixed in every pass is not counted ten times', async () => {
  assert.equal(plural(10, 'pass'), '10 passes');
  assert.equal(plural(1, 'pass'), '1 pass');
  assert.equal(plural(3, 'problem'), '3 problems');
  const note = formatNote({ kind: 'not-converging', code: 'SL903', path: '/p/x.py', why: `was still changing the file after ${plural(10, 'pass')}` }, '/p');
  assert.match(note, /after 10 passes;/);
  assert.doesNotMatch(note, /passs/);
});

test('--fix refuses a read-only file with one line and exit 2; the other files are still fixed', async () => {
  const root = makeTempProject({ [`${SUITE}/test_a.py`]: 'A = "XXX"\n', [`${SUITE}/test_b.py`]: 'B = "XXX"\n' });
  const locked = path.join(root, SUITE, 'test_a.py');
  chmodSync(locked, 0o444);
  const run = await fixProject({ paths: [], cwd: root, rules: [xToY] }, { unsafe: false });
  assert.equal(readFileSync(locked, 'utf8'), 'A = "XXX"\n');
  assert.equal(statSync(locked).mode & 0o777, 0o444);
  assert.equal(readFileSync(path.join(root, SUITE, 'test_b.py'), 'utf8'), 'B = "YYY"\n');
  assert.deepEqual(outcomeMessages(run.outcome, root), [{ level: 'error', text: 'not fixing tests/integration/test_a.py: it is read-only (mode 0444); make it writable to let --fix change it' }]);
  const again = makeTempProject({ [`${SUITE}/test_a.py`]: 'A = "XXX"\n' });
  chmodSync(path.join(again, SUITE, 'test_a.py'), 0o444);
  const cli = await runCli(['--fix', '--format', 'concise'], again, [xToY]);
  assert.equal(cli.code, 2);
  assert.equal(cli.stderr, 'smoke-lint: error: not fixing tests/integration/test_a.py: it is read-only (mode 0444); make it writable to let --fix change it\n');
  assert.match(cli.stdout, /SL912/);
});

test('a fix spanning two files is not half-written when one of them is read-only', async () => {
  const root = makeTempProject({ [`${SUITE}/test_b.py`]: 'B = "PAIR"\n', [`${SUITE}/test_c.py`]: 'C = 1\n', [`${SUITE}/test_d.py`]: 'D = "XXX"\n' });
  chmodSync(path.join(root, SUITE, 'test_c.py'), 0o444);
  const run = await fixProject({ paths: [], cwd: root, rules: [pair, xToY] }, { unsafe: false });
  assert.equal(readFileSync(path.join(root, SUITE, 'test_b.py'), 'utf8'), 'B = "PAIR"\n');
  assert.equal(readFileSync(path.join(root, SUITE, 'test_c.py'), 'utf8'), 'C = 1\n');
  assert.equal(readFileSync(path.join(root, SUITE, 'test_d.py'), 'utf8'), 'D = "YYY"\n');
  assert.deepEqual(outcomeMessages(run.outcome, root).map((m) => `${m.level}: ${m.text}`), [
    'error: not fixing tests/integration/test_b.py: a fix that changes it also changes test_c.py, which is read-only',
    'error: not fixing tests/integration/test_c.py: it is read-only (mode 0444); make it writable to let --fix change it',
  ]);
  assert.deepEqual(run.outcome.fixed.map((applied) => applied.code), ['SL912']);
});

/** The bundled clean project with its DB script and the conftest's URL both on the dev port 5432. */
function devPortProject(): { root: string; script: string; conftest: string } {
  const root = tempDir('smoke-lint-readonly-chain-');
  cpSync(path.join(repoRoot, 'fixtures', 'clean', 'project'), root, { recursive: true });
  const script = path.join(root, 'backend/tests/integration/scripts/test-db.sh');
  const conftest = path.join(root, 'backend/tests/integration/conftest.py');
  writeFileSync(script, readFileSync(script, 'utf8').replace('DB_PORT="5433"', 'DB_PORT="5432"'));
  writeFileSync(conftest, readFileSync(conftest, 'utf8').replace('@localhost:5433/', '@localhost:5432/'));
  clearFileSystemCache();
  return { root, script, conftest };
}

test('no fix builds on a change to a read-only file: the URL keeps matching the DB script that could not be fixed', async () => {
  // Writable: SL501 moves the script to 5433, and SL201 then moves the URL with it.
  const open = devPortProject();
  await fixProject({ paths: [], cwd: open.root }, { unsafe: true });
  assert.match(readFileSync(open.script, 'utf8'), /DB_PORT="5433"/);
  assert.match(readFileSync(open.conftest, 'utf8'), /@localhost:5433\//);

  // Read-only script: nothing moves, and the script is named once.
  const locked = devPortProject();
  chmodSync(locked.script, 0o555);
  const before = readFileSync(locked.conftest, 'utf8');
  const run = await fixProject({ paths: [], cwd: locked.root }, { unsafe: true });
  assert.match(readFileSync(locked.script, 'utf8'), /DB_PORT="5432"/);
  assert.equal(readFileSync(locked.conftest, 'utf8'), before, 'the URL was moved to a port the script does not publish');
  assert.deepEqual(outcomeMessages(run.outcome, locked.root).map((message) => `${message.level}: ${message.text}`), [
    'error: not fixing backend/tests/integration/scripts/test-db.sh: it is read-only (mode 0555); make it writable to let --fix change it',
  ]);
  const diff = await runCli(['--diff', '--unsafe-fixes'], locked.root);
  assert.doesNotMatch(diff.stdout, /conftest\.py/);
  assert.match(diff.stderr, /^smoke-lint: warning: --fix would not change backend\/tests\/integration\/scripts\/test-db\.sh: it is read-only \(mode 0555\)/m);
});
