// The fix machinery: passes in memory, overlaps, convergence, syntax checks, and writes that never lose data.
// Rules that really fix things are tested by the fixture harness; here tiny synthetic rules are injected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { allRules } from '../rules/index.js';
import { main, type Io } from '../src/cli.js';
import type { LintRequest } from '../src/engine.js';
import { applyEdits, applyFixesToText, editsOverlap } from '../src/fix/apply.js';
import { unifiedDiff } from '../src/fix/diff.js';
import { fixProject, MAX_FIX_PASSES, planFixes } from '../src/fix/passes.js';
import { formatPlanDiff, outcomeMessages, unsafeHint } from '../src/fix/report.js';
import { createFileExclusively, executableMode, writeFileAtomically } from '../src/fix/write.js';
import { clearFileSystemCache } from '../src/model/app.js';
import { defineRule, type Edit, type Fix, type RuleContext, type RuleDefinition } from '../src/rule.js';
import { fromText, offsetRange, type SourceFile } from '../src/source.js';
import { repoRoot } from './helpers.js';
import { tempDir } from './temp-dir.js';

// ---------------------------------------------------------------------------------------------
// Synthetic rules

function synthetic(code: string, check: (context: RuleContext) => void, fix: 'safe' | 'unsafe' = 'safe'): RuleDefinition {
  return defineRule({
    code,
    name: `synthetic-${code.toLowerCase()}`,
    summary: 'a rule for testing the fix machinery',
    severity: 'warning',
    fix,
    docs: { whatItDoes: 'Tests.', whyItMatters: 'Tests.', example: 'x', useInstead: 'y' },
    check,
  });
}

/** Every occurrence of `word` in the file, as [start, end) offsets. */
function occurrences(file: SourceFile, word: RegExp): Array<{ start: number; end: number; text: string }> {
  const found: Array<{ start: number; end: number; text: string }> = [];
  for (const match of file.text.matchAll(new RegExp(word.source, 'g'))) {
    found.push({ start: match.index, end: match.index + match[0].length, text: match[0] });
  }
  return found;
}

function reportEach(context: RuleContext, files: SourceFile[], word: RegExp, makeFix: (file: SourceFile, at: { start: number; end: number; text: string }) => Fix | null): void {
  for (const file of files) {
    for (const at of occurrences(file, word)) {
      // At the word itself: the engine keeps one of several findings with the same rule, place and message.
      context.report({ file, range: offsetRange(file, at.start, at.end), message: `found ${at.text}`, fix: makeFix(file, at) });
    }
  }
}

const replace = (file: SourceFile, at: { start: number; end: number }, text: string, applicability: 'safe' | 'unsafe' = 'safe'): Fix => ({
  applicability,
  message: `Write ${text}`,
  edits: [{ file, start: at.start, end: at.end, text }],
});

/** SL901: `XXX` becomes `YYY` in test modules. */
const xToY = synthetic('SL901', (context) => reportEach(context, context.suite.testModules, /XXX/, (file, at) => replace(file, at, 'YYY')));

/** SL902: `XXX` or `YYY` not followed by `!` gets one; its edit covers the word, so it overlaps SL901's. */
const bang = synthetic('SL902', (context) => reportEach(context, context.suite.testModules, /(XXX|YYY)(?!!)/, (file, at) => replace(file, at, `${at.text}!`)));

/** SL903: flips `flip` and `flop` forever. */
const flipFlop = synthetic('SL903', (context) => reportEach(context, context.suite.testModules, /fl[io]p/, (file, at) => replace(file, at, at.text === 'flip' ? 'flop' : 'flip')));

/** SL904: `BREAK` becomes `(`: a syntax error. */
const breaker = synthetic('SL904', (context) => reportEach(context, context.suite.testModules, /BREAK/, (file, at) => replace(file, at, '(')));

/** SL905: a shell script without the exec bit gets it (a mode-only fix, like SL701). */
const makeExecutable = synthetic('SL905', (context) => {
  for (const file of context.suite.files.filter((candidate) => candidate.language === 'shell')) {
    if ((statSync(file.path).mode & 0o111) !== 0) continue;
    context.report({
      file,
      range: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } },
      message: `${path.basename(file.path)} is not executable`,
      fix: { applicability: 'safe', message: 'Make it executable', edits: [], modes: [{ file, executable: true }] },
    });
  }
});

/** SL906: `UNSAFE` becomes `SAFE`, an unsafe fix. */
const unsafeRule = synthetic('SL906', (context) => reportEach(context, context.suite.testModules, /UNSAFE/, (file, at) => replace(file, at, 'SAFE', 'unsafe')), 'unsafe');

/** SL907: `PAIR` in test_b.py becomes `DONE`, and the same fix turns test_a.py's XXX or YYY into ZZZ. */
const pair = synthetic('SL907', (context) => {
  const a = context.suite.testModules.find((file) => file.path.endsWith('test_a.py'));
  const b = context.suite.testModules.find((file) => file.path.endsWith('test_b.py'));
  if (!a || !b) return;
  const target = occurrences(a, /XXX|YYY/)[0];
  for (const at of occurrences(b, /PAIR/)) {
    const edits: Edit[] = [{ file: b, start: at.start, end: at.end, text: 'DONE' }];
    if (target) edits.push({ file: a, start: target.start, end: target.end, text: 'ZZZ' });
    context.report({ file: b, range: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } }, message: 'found PAIR', fix: { applicability: 'safe', message: 'Pair up', edits } });
  }
});

// ---------------------------------------------------------------------------------------------
// Projects

const SUITE = 'tests/integration';

function makeProject(files: Record<string, string | Buffer>): string {
  const root = tempDir('smoke-lint-fix-');
  // The sample suites are deliberately partial (no DB script, no runner), so SL704 is off.
  writeFileSync(path.join(root, 'pyproject.toml'), '[project]\nname = "demo"\nversion = "0.1.0"\n\n[tool.smoke-lint]\nignore = ["SL704"]\n');
  for (const [relative, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    writeFileSync(path.join(root, relative), content);
  }
  return root;
}

const requestFor = (root: string): LintRequest => ({ paths: [], cwd: root });
const read = (root: string, relative: string) => readFileSync(path.join(root, relative), 'utf8');
const readBytes = (root: string, relative: string) => readFileSync(path.join(root, relative));

async function fix(root: string, rules: RuleDefinition[], unsafe = false) {
  return fixProject(requestFor(root), { unsafe, rules });
}

// ---------------------------------------------------------------------------------------------
// In memory

test('applyEdits and editsOverlap: non-overlapping edits apply from the end; touching edits do not overlap', () => {
  assert.equal(applyEdits('abcdef', [{ start: 0, end: 1, text: 'A' }, { start: 3, end: 5, text: '' }, { start: 6, end: 6, text: '!' }]), 'Abcf!');
  assert.equal(applyEdits('abc', [{ start: 1, end: 1, text: '<' }, { start: 1, end: 2, text: 'B' }]), 'a<Bc');
  assert.ok(editsOverlap({ start: 1, end: 3 }, { start: 2, end: 4 }));
  assert.ok(editsOverlap({ start: 2, end: 2 }, { start: 2, end: 2 }));
  assert.ok(editsOverlap({ start: 2, end: 2 }, { start: 1, end: 3 }));
  assert.ok(!editsOverlap({ start: 1, end: 2 }, { start: 2, end: 3 }));
  const file = fromText('/p/x.py', 'python', 'abc');
  const result = applyFixesToText('abc', '/p/x.py', [
    { applicability: 'safe', message: 'a', edits: [{ file, start: 0, end: 2, text: 'X' }] },
    { applicability: 'safe', message: 'b', edits: [{ file, start: 1, end: 3, text: 'Y' }] },
  ]);
  assert.equal(result.text, 'Xc');
  assert.equal(result.applied.length, 1);
  assert.equal(result.deferred.length, 1);
});

test('unified diff: hunks with three lines of context, merged when close, a missing final newline marked', () => {
  const before = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', '13', '14', '15', '16', '17', '18', '19', '20'].join('\n') + '\n';
  const after = before.replace('2\n', 'two\n').replace('5\n', 'five\n').replace('18\n', '');
  assert.equal(
    unifiedDiff(before, after, 'x.py'),
    [
      '--- a/x.py', '+++ b/x.py',
      '@@ -1,8 +1,8 @@', ' 1', '-2', '+two', ' 3', ' 4', '-5', '+five', ' 6', ' 7', ' 8',
      '@@ -15,6 +15,5 @@', ' 15', ' 16', ' 17', '-18', ' 19', ' 20',
    ].join('\n') + '\n',
  );
  assert.equal(unifiedDiff('a\nb', 'a\nc', 'y.py'), '--- a/y.py\n+++ b/y.py\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n');
  assert.equal(unifiedDiff('a\n', 'a', 'z.py'), '--- a/z.py\n+++ b/z.py\n@@ -1 +1 @@\n-a\n+a\n\\ No newline at end of file\n');
  assert.equal(unifiedDiff('', 'new\n', 'n.py'), '--- a/n.py\n+++ b/n.py\n@@ -0,0 +1 @@\n+new\n');
  assert.equal(unifiedDiff('same\n', 'same\n', 's.py'), '');
});

test('unified diff: the edit script is a shortest one and reproduces the new text', () => {
  const a = 'a\nb\nc\na\nb\nb\na\n';
  const b = 'c\nb\na\nb\na\nc\n';
  const diff = unifiedDiff(a, b, 'm.txt');
  const body = diff.split('\n').filter((line) => /^[-+ ]/.test(line) && !line.startsWith('---') && !line.startsWith('+++'));
  const changes = body.filter((line) => line[0] !== ' ').length;
  assert.equal(changes, 5, diff); // Myers' example: D = 5
  assert.equal(body.filter((line) => line[0] !== '-').map((line) => line.slice(1) + '\n').join(''), b);
  assert.equal(body.filter((line) => line[0] !== '+').map((line) => line.slice(1) + '\n').join(''), a);
});

// ---------------------------------------------------------------------------------------------
// The loop

test('--fix applies, and a second run finds nothing more to fix', async () => {
  const root = makeProject({ [`${SUITE}/test_a.py`]: 'A = "XXX"\nB = "XXX"\n' });
  const first = await fix(root, [xToY]);
  assert.equal(read(root, `${SUITE}/test_a.py`), 'A = "YYY"\nB = "YYY"\n');
  assert.equal(first.outcome.fixed.length, 2);
  assert.equal(first.report.diagnostics.length, 0);
  const before = statSync(path.join(root, SUITE, 'test_a.py')).mtimeMs;
  const second = await fix(root, [xToY]);
  assert.equal(second.plan.applied.length, 0);
  assert.equal(second.outcome.written.length, 0);
  assert.equal(statSync(path.join(root, SUITE, 'test_a.py')).mtimeMs, before);
});

test('CRLF stays CRLF, a BOM stays, a missing final newline stays missing', async () => {
  const root = makeProject({
    [`${SUITE}/test_crlf.py`]: 'A = "XXX"\r\nB = 1\r\n',
    [`${SUITE}/test_bom.py`]: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('A = "XXX"\n')]),
    [`${SUITE}/test_eof.py`]: 'A = 1\nB = "XXX"',
  });
  await fix(root, [xToY]);
  assert.equal(read(root, `${SUITE}/test_crlf.py`), 'A = "YYY"\r\nB = 1\r\n');
  assert.deepEqual(readBytes(root, `${SUITE}/test_bom.py`), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('A = "YYY"\n')]));
  assert.equal(read(root, `${SUITE}/test_eof.py`), 'A = 1\nB = "YYY"');
});

test('the mode survives the rename, and no temporary file is left behind', async () => {
  const root = makeProject({ [`${SUITE}/test_a.py`]: 'A = "XXX"\n' });
  const file = path.join(root, SUITE, 'test_a.py');
  chmodSync(file, 0o755);
  await fix(root, [xToY]);
  assert.equal(statSync(file).mode & 0o777, 0o755);
  assert.equal(read(root, `${SUITE}/test_a.py`), 'A = "YYY"\n');
  assert.deepEqual(readdirSync(path.join(root, SUITE)).filter((name) => name.includes('smoke-lint')), []);
});

test('overlapping fixes wait for the next pass', async () => {
  const root = makeProject({ [`${SUITE}/test_a.py`]: 'A = "XXX"\n' });
  const run = await fix(root, [xToY, bang]);
  assert.equal(read(root, `${SUITE}/test_a.py`), 'A = "YYY!"\n');
  assert.deepEqual(run.plan.applied.map((applied) => `${applied.code}@${applied.pass}`), ['SL901@1', 'SL902@2']);
  assert.equal(run.plan.passes, 2);
});

test('a fix spanning two files is taken whole or waits whole', async () => {
  const root = makeProject({ [`${SUITE}/test_a.py`]: 'A = "XXX"\n', [`${SUITE}/test_b.py`]: 'B = "PAIR"\n' });
  const run = await fix(root, [xToY, pair]);
  // SL901 (on test_a.py, first in order) takes XXX; SL907 overlaps it in test_a.py, so its test_b.py edit waits too.
  assert.deepEqual(run.plan.applied.map((applied) => `${applied.code}@${applied.pass}`), ['SL901@1', 'SL907@2']);
  assert.equal(read(root, `${SUITE}/test_a.py`), 'A = "ZZZ"\n');
  assert.equal(read(root, `${SUITE}/test_b.py`), 'B = "DONE"\n');
});

test('a fix that never converges is reported after the last pass, not looped on, and its file is not written', async () => {
  const root = makeProject({ [`${SUITE}/test_a.py`]: 'A = "flip"\n', [`${SUITE}/test_b.py`]: 'B = "XXX"\n' });
  const run = await fix(root, [flipFlop, xToY]);
  assert.equal(run.plan.passes, MAX_FIX_PASSES);
  assert.deepEqual(run.plan.notes, [{ kind: 'not-converging', code: 'SL903', path: path.join(root, SUITE, 'test_a.py'), why: `was still changing the file after ${MAX_FIX_PASSES} passes` }]);
  assert.equal(read(root, `${SUITE}/test_a.py`), 'A = "flip"\n');
  // The other file converged and is written; nothing of the dropped file counts as fixed.
  assert.equal(read(root, `${SUITE}/test_b.py`), 'B = "YYY"\n');
  assert.deepEqual(run.outcome.fixed.map((applied) => applied.code), ['SL901']);
});

test('a fix that would leave a syntax error is dropped; the other fixes of the file still apply', async () => {
  const root = makeProject({ [`${SUITE}/test_a.py`]: 'A = "XXX"\nBREAK = 1\nC = "XXX"\n' });
  const run = await fix(root, [xToY, breaker]);
  assert.equal(read(root, `${SUITE}/test_a.py`), 'A = "YYY"\nBREAK = 1\nC = "YYY"\n');
  assert.deepEqual(run.plan.notes, [{ kind: 'syntax', code: 'SL904', path: path.join(root, SUITE, 'test_a.py') }]);
  assert.deepEqual(run.report.diagnostics.map((d) => d.code), ['SL904']);
  const alone = makeProject({ [`${SUITE}/test_a.py`]: 'BREAK = 1\n' });
  const aloneRun = await fix(alone, [breaker]);
  assert.equal(read(alone, `${SUITE}/test_a.py`), 'BREAK = 1\n');
  assert.equal(aloneRun.outcome.written.length, 0);
});

test('unsafe fixes apply only with --unsafe-fixes, and are counted when held back', async () => {
  const files = { [`${SUITE}/test_a.py`]: 'A = "UNSAFE"\nB = "XXX"\n' };
  const held = makeProject(files);
  const heldRun = await fix(held, [xToY, unsafeRule]);
  assert.equal(read(held, `${SUITE}/test_a.py`), 'A = "UNSAFE"\nB = "YYY"\n');
  assert.equal(heldRun.plan.unsafeHidden, 1);
  assert.equal(unsafeHint(heldRun.plan.unsafeHidden), '1 more fix available with `--unsafe-fixes`.');
  const applied = makeProject(files);
  const appliedRun = await fix(applied, [xToY, unsafeRule], true);
  assert.equal(read(applied, `${SUITE}/test_a.py`), 'A = "SAFE"\nB = "YYY"\n');
  assert.equal(appliedRun.plan.unsafeHidden, 0);
});

test('--diff (the plan alone) writes nothing and shows a unified diff', async () => {
  const root = makeProject({ [`${SUITE}/test_a.py`]: 'A = "XXX"\n', [`${SUITE}/scripts/run.sh`]: '#!/usr/bin/env bash\necho hi\n' });
  chmodSync(path.join(root, SUITE, 'scripts/run.sh'), 0o644);
  const plan = await planFixes(requestFor(root), { unsafe: false, rules: [xToY, makeExecutable] });
  assert.equal(
    formatPlanDiff(plan, root),
    `--- a/${SUITE}/test_a.py\n+++ b/${SUITE}/test_a.py\n@@ -1 +1 @@\n-A = "XXX"\n+A = "YYY"\n${SUITE}/scripts/run.sh: would make executable (SL905)\n`,
  );
  assert.equal(read(root, `${SUITE}/test_a.py`), 'A = "XXX"\n');
  assert.equal(statSync(path.join(root, SUITE, 'scripts/run.sh')).mode & 0o777, 0o644);
});

// ---------------------------------------------------------------------------------------------
// Writes

test('a symlink to a file outside the linted tree is not written through; one inside the tree is', async () => {
  const outside = tempDir('smoke-lint-outside-');
  writeFileSync(path.join(outside, 'shared.py'), 'A = "XXX"\n');
  const root = makeProject({ 'lib/inner.py': 'B = "XXX"\n', [`${SUITE}/test_real.py`]: 'C = 1\n' });
  symlinkSync(path.join(outside, 'shared.py'), path.join(root, SUITE, 'test_outside.py'));
  symlinkSync(path.join(root, 'lib/inner.py'), path.join(root, SUITE, 'test_inside.py'));
  const run = await fix(root, [xToY]);
  assert.equal(readFileSync(path.join(outside, 'shared.py'), 'utf8'), 'A = "XXX"\n');
  assert.equal(run.outcome.failures.length, 1);
  assert.equal(run.outcome.failures[0]!.path, path.join(root, SUITE, 'test_outside.py'));
  assert.ok(run.outcome.failures[0]!.refused);
  assert.match(run.outcome.failures[0]!.reason, /outside the linted tree/);
  assert.equal(read(root, 'lib/inner.py'), 'B = "YYY"\n');
  assert.ok(statSync(path.join(root, SUITE, 'test_inside.py')).isFile());
  assert.equal(readFileSync(path.join(root, SUITE, 'test_inside.py'), 'utf8'), 'B = "YYY"\n');
  // What was not written is still reported, from the disk.
  assert.deepEqual(run.report.diagnostics.map((d) => path.basename(d.file.path)), ['test_outside.py']);
  assert.deepEqual(run.outcome.fixed.map((applied) => path.basename(applied.file)), ['test_inside.py']);
});

test('a file changed on disk after it was linted is not overwritten', async () => {
  const root = makeProject({ [`${SUITE}/test_a.py`]: 'A = "XXX"\n', [`${SUITE}/test_b.py`]: 'B = "XXX"\n' });
  const target = path.join(root, SUITE, 'test_a.py');
  const run = await fixProject(requestFor(root), { unsafe: false, rules: [xToY] }, { beforeWrite: () => appendFileSync(target, '# edited meanwhile\n') });
  assert.equal(readFileSync(target, 'utf8'), 'A = "XXX"\n# edited meanwhile\n');
  assert.equal(read(root, `${SUITE}/test_b.py`), 'B = "YYY"\n');
  assert.match(run.outcome.failures[0]!.reason, /changed on disk/);
  assert.deepEqual(outcomeMessages(run.outcome, root).map((m) => m.level), ['warning']);
});

test('the writer itself: refuses when the bytes differ, keeps the mode, replaces atomically', () => {
  const root = makeProject({ 'x.py': 'old\n' });
  const file = path.join(root, 'x.py');
  chmodSync(file, 0o640);
  const stale = writeFileAtomically(file, Buffer.from('new\n'), { expected: Buffer.from('older\n'), roots: [root] });
  assert.equal(stale.ok, false);
  assert.equal(readFileSync(file, 'utf8'), 'old\n');
  const done = writeFileAtomically(file, Buffer.from('new\n'), { expected: Buffer.from('old\n'), roots: [root] });
  assert.deepEqual(done, { ok: true, path: file });
  assert.equal(readFileSync(file, 'utf8'), 'new\n');
  assert.equal(statSync(file).mode & 0o777, 0o640);
  const elsewhere = writeFileAtomically(file, Buffer.from('x\n'), { expected: Buffer.from('new\n'), roots: [tempDir('smoke-lint-other-')] });
  assert.equal(elsewhere.ok, false);
  assert.deepEqual(readdirSync(root).sort(), ['pyproject.toml', 'x.py']);
});

test('exec bit: added where the read bit is', () => {
  assert.equal(executableMode(0o644, true), 0o755);
  assert.equal(executableMode(0o640, true), 0o750);
  assert.equal(executableMode(0o600, true), 0o700);
  assert.equal(executableMode(0o755, false), 0o644);
});

test('a mode fix sets the exec bit on disk and in the git index, and says so', async () => {
  const root = makeProject({ [`${SUITE}/scripts/test-db.sh`]: '#!/usr/bin/env bash\necho up\n', [`${SUITE}/scripts/untracked.sh`]: '#!/usr/bin/env bash\necho up\n' });
  const tracked = path.join(root, SUITE, 'scripts/test-db.sh');
  const untracked = path.join(root, SUITE, 'scripts/untracked.sh');
  chmodSync(tracked, 0o644);
  chmodSync(untracked, 0o644);
  // Run from a git hook, these would point every git call (ours and the fixer's) at the outer repository.
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE']) delete process.env[name];
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' });
  git('init', '-q');
  git('add', `${SUITE}/scripts/test-db.sh`);
  assert.match(git('ls-files', '-s', `${SUITE}/scripts/test-db.sh`), /^100644 /);
  const run = await fix(root, [makeExecutable]);
  assert.equal(statSync(tracked).mode & 0o777, 0o755);
  assert.equal(statSync(untracked).mode & 0o777, 0o755);
  assert.match(git('ls-files', '-s', `${SUITE}/scripts/test-db.sh`), /^100755 /);
  assert.equal(git('ls-files', `${SUITE}/scripts/untracked.sh`), '');
  assert.deepEqual(outcomeMessages(run.outcome, root).map((m) => m.text), [
    `${SUITE}/scripts/test-db.sh: made executable (and in the git index)`,
    `${SUITE}/scripts/untracked.sh: made executable`,
  ]);
  assert.equal(run.outcome.fixed.length, 2);
  assert.equal(run.report.diagnostics.length, 0);
  const again = await fix(root, [makeExecutable]);
  assert.equal(again.plan.applied.length, 0);
});

test('a mode fix outside a git repository changes the disk only', async () => {
  const root = makeProject({ [`${SUITE}/run.sh`]: '#!/usr/bin/env bash\necho up\n' });
  chmodSync(path.join(root, SUITE, 'run.sh'), 0o600);
  const run = await fix(root, [makeExecutable]);
  assert.equal(statSync(path.join(root, SUITE, 'run.sh')).mode & 0o777, 0o700);
  assert.deepEqual(run.outcome.modesSet.map((m) => m.inIndex), [false]);
});

// ---------------------------------------------------------------------------------------------
// The command line, with the real rules (SL103 adds `reason=`)

const NO_REASON = `import os

import pytest

pytestmark = pytest.mark.skipif(
    os.getenv("RUN_INTEGRATION_TESTS") != "true"
)


def test_health(client):
    assert client.get("/health").status_code == 200
`;

async function run(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), cwd, env: {}, isTTY: false };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

test('cli: --diff prints the patch, writes nothing and exits 1; --fix then fixes, exits 0 and --diff has nothing left', async () => {
  const root = makeProject({ [`${SUITE}/test_api.py`]: NO_REASON.replace(/\n/g, '\r\n') });
  const diff = await run(['--diff'], root);
  assert.equal(diff.code, 1, diff.stderr);
  assert.match(diff.stdout, /^--- a\/tests\/integration\/test_api\.py\n\+\+\+ b\/tests\/integration\/test_api\.py\n@@ /);
  assert.match(diff.stdout, /^\+    reason="Integration tests disabled\. Set RUN_INTEGRATION_TESTS=true to run\."\r?$/m);
  assert.match(diff.stderr, /Would fix 1 problem\./);
  assert.equal(read(root, `${SUITE}/test_api.py`), NO_REASON.replace(/\n/g, '\r\n'));

  const fixed = await run(['--fix', '--show-fixes', '--format', 'concise'], root);
  assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
  assert.match(fixed.stdout, /^Fixed 1 problem:\n {2}tests\/integration\/test_api\.py: SL103 .* \(fixed\)\n/);
  assert.match(fixed.stdout, /Found 1 problem \(1 fixed, 0 remaining\); 1 suite, \d+ files? checked\.\n$/);
  const after = read(root, `${SUITE}/test_api.py`);
  assert.match(after, /reason="Integration tests disabled\. Set RUN_INTEGRATION_TESTS=true to run\."/);
  assert.doesNotMatch(after.replace(/\r\n/g, ''), /\n/, 'every line still ends in CRLF');

  const again = await run(['--diff'], root);
  assert.equal(again.code, 0);
  assert.equal(again.stdout, '');
  const check = await run([], root);
  assert.equal(check.code, 0);
});

test('cli: --exit-non-zero-on-fix exits 1 when something was fixed; remaining findings still fail', async () => {
  const root = makeProject({ [`${SUITE}/test_api.py`]: NO_REASON });
  const result = await run(['--fix', '--exit-non-zero-on-fix'], root);
  assert.equal(result.code, 1);
  assert.match(result.stdout, /Found 1 problem \(1 fixed, 0 remaining\); 1 suite, \d+ files? checked\./);
  assert.equal((await run(['--fix', '--exit-non-zero-on-fix'], root)).code, 0, 'nothing left to fix');
  const remaining = makeProject({
    [`${SUITE}/test_api.py`]: NO_REASON,
    [`${SUITE}/conftest.py`]: 'import os\n\nimport pytest\n\npytestmark = pytest.mark.skipif(os.getenv("RUN_INTEGRATION_TESTS") != "true", reason="off")\n',
  });
  const partial = await run(['--fix', '--select', 'SL103,SL104'], remaining);
  assert.equal(partial.code, 1);
  assert.match(partial.stdout, /Found 2 problems \(1 fixed, 1 remaining\); 1 suite, \d+ files? checked\./);
  assert.match(partial.stdout, /SL104/);
});

const SL701_CASE = path.join(repoRoot, 'fixtures/rules/SL701/fires-db-script-called-by-runner/project');

test('cli: the real SL701 fix makes a tracked script executable on disk and in the index', { skip: !existsSync(path.join(repoRoot, 'rules/SL701-script-not-executable.ts')) && 'SL701 not written yet' }, async () => {
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE']) delete process.env[name];
  const root = tempDir('smoke-lint-sl701-');
  cpSync(SL701_CASE, root, { recursive: true });
  const script = path.join(root, 'backend/tests/integration/scripts/test-db.sh');
  chmodSync(script, 0o644);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' });
  git('init', '-q');
  git('add', '-A');
  const result = await run(['--fix', '--select', 'SL701'], root);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stderr, /test-db\.sh: made executable \(and in the git index\)/);
  assert.equal(statSync(script).mode & 0o777, 0o755);
  assert.match(git('ls-files', '-s', 'backend/tests/integration/scripts/test-db.sh'), /^100755 /);
});

// ---------------------------------------------------------------------------------------------
// New files (SL704's unsafe fix writes the missing pieces as `smoke-lint init` would)

const SL704_CASE = path.join(repoRoot, 'fixtures/rules/SL704/fires-only-test-module/project');
const SL704_NEW = ['backend/tests/integration/conftest.py', 'backend/tests/integration/scripts/test-db.sh', 'scripts/test-integration.sh'];

function copySl704Case(): string {
  const root = tempDir('smoke-lint-create-');
  cpSync(SL704_CASE, root, { recursive: true });
  clearFileSystemCache();
  return root;
}

/** Every file under `root`, relative and sorted (temporary files left behind would show here). */
function allFiles(root: string, prefix = ''): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(path.join(root, prefix), { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) found.push(...allFiles(root, relative));
    else found.push(relative);
  }
  return found.sort();
}

test('cli: --fix --unsafe-fixes writes the missing pieces exactly as init would; SL704 is then silent and a second run creates nothing', async () => {
  const root = copySl704Case();
  const result = await run(['--fix', '--unsafe-fixes', '--show-fixes', '--select', 'SL704'], root);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  for (const relative of SL704_NEW) assert.ok(existsSync(path.join(root, relative)), `${relative} created`);
  assert.equal(statSync(path.join(root, SL704_NEW[0]!)).mode & 0o777, 0o644);
  assert.equal(statSync(path.join(root, SL704_NEW[1]!)).mode & 0o777, 0o755);
  assert.equal(statSync(path.join(root, SL704_NEW[2]!)).mode & 0o777, 0o755);
  assert.match(result.stdout, /^Fixed 3 problems:\n/);
  assert.match(result.stdout, /SL704 integration suite `backend\/tests\/integration` has no runner.* \(fixed\)/);
  assert.match(result.stdout, /Found 3 problems \(3 fixed, 0 remaining\); 1 suite, \d+ files? checked\.\n$/);
  assert.match(result.stderr, /^smoke-lint: scripts\/test-integration\.sh: created \(mode 0755\) \(SL704\)$/m);
  assert.match(result.stderr, /^smoke-lint: backend\/tests\/integration\/conftest\.py: created \(SL704\)$/m);
  assert.deepEqual(allFiles(root).filter((file) => file.includes('smoke-lint-')), [], 'no temporary file is left');

  // The same files, byte for byte, as `smoke-lint init` writes into a fresh copy.
  const byInit = copySl704Case();
  assert.equal((await run(['init'], byInit)).code, 0);
  assert.deepEqual(allFiles(root), allFiles(byInit));
  for (const relative of SL704_NEW) assert.equal(read(root, relative), read(byInit, relative), relative);

  clearFileSystemCache();
  const check = await run(['--select', 'SL704'], root);
  assert.equal(check.code, 0, check.stdout);
  const before = allFiles(root).map((file) => `${file}:${read(root, file)}`);
  const again = await run(['--fix', '--unsafe-fixes', '--select', 'SL704'], root);
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.doesNotMatch(again.stderr, /created/);
  assert.deepEqual(allFiles(root).map((file) => `${file}:${read(root, file)}`), before);
});

test('cli: without --unsafe-fixes nothing is created and the summary says unsafe fixes are available', async () => {
  const root = copySl704Case();
  const files = allFiles(root);
  const result = await run(['--fix', '--select', 'SL704'], root);
  assert.equal(result.code, 1);
  assert.deepEqual(allFiles(root), files);
  assert.match(result.stdout, /3 more fixes available with `--unsafe-fixes`\./);
  assert.match(result.stdout, /suggestion \(unsafe fix\): Write scripts\/test-integration\.sh from the practice's template/);
  const diff = await run(['--diff', '--select', 'SL704'], root);
  assert.equal(diff.code, 0);
  assert.equal(diff.stdout, '');
  assert.match(diff.stderr, /No fixes available\. 3 more fixes available with `--unsafe-fixes`\./);
});

test('cli: --diff --unsafe-fixes shows each new file as a diff from /dev/null, creates nothing and exits 1', async () => {
  const root = copySl704Case();
  const files = allFiles(root);
  const result = await run(['--diff', '--unsafe-fixes', '--select', 'SL704'], root);
  assert.equal(result.code, 1, result.stderr);
  assert.deepEqual(allFiles(root), files, 'nothing written');
  for (const relative of SL704_NEW) {
    const escaped = relative.replace(/[.]/g, '\\.');
    assert.match(result.stdout, new RegExp(`^--- /dev/null\\n\\+\\+\\+ b/${escaped}\\n@@ -0,0 \\+1,\\d+ @@\\n`, 'm'), relative);
  }
  assert.match(result.stdout, /^\+#!\/usr\/bin\/env bash$/m);
  assert.match(result.stdout, /^scripts\/test-integration\.sh: would create with mode 0755 \(SL704\)$/m);
  assert.match(result.stderr, /Would fix 3 problems\./);
  // The hunk holds the whole file: applied to nothing, it gives init's text.
  const byInit = copySl704Case();
  await run(['init'], byInit);
  const hunk = result.stdout.split('+++ b/scripts/test-integration.sh\n')[1]!.split('\n').slice(1);
  const added = hunk.filter((line) => line.startsWith('+')).map((line) => line.slice(1));
  assert.equal(added.join('\n') + '\n', read(byInit, 'scripts/test-integration.sh'));
});

test('a file that appears at the path before the write is not overwritten: the creation is skipped with a warning', async () => {
  const root = copySl704Case();
  const placeholder = '#!/usr/bin/env bash\necho "my own runner"\n';
  const runResult = await fixProject({ paths: [], cwd: root, select: ['SL704'] }, { unsafe: true, rules: await allRules() }, {
    beforeWrite: () => {
      mkdirSync(path.join(root, 'scripts'), { recursive: true });
      writeFileSync(path.join(root, 'scripts/test-integration.sh'), placeholder);
    },
  });
  assert.equal(read(root, 'scripts/test-integration.sh'), placeholder);
  assert.deepEqual(runResult.outcome.created.map((creation) => path.relative(root, creation.path).split(path.sep).join('/')), SL704_NEW.slice(0, 2));
  assert.equal(runResult.outcome.fixed.length, 2, 'the runner finding is not counted as fixed');
  const messages = outcomeMessages(runResult.outcome, root);
  assert.ok(messages.some((message) => message.level === 'warning' && /^not creating scripts\/test-integration\.sh: .*never overwritten/.test(message.text)), JSON.stringify(messages));
  assert.deepEqual(allFiles(root).filter((file) => file.includes('smoke-lint-')), []);
});

/** SL908: creates `tests/integration/NEW.txt` for each test module that mentions CREATE (two findings, one path). */
function creator(target: (root: string) => string, executable = false): RuleDefinition {
  return synthetic(
    'SL908',
    (context) =>
      reportEach(context, context.suite.testModules, /CREATE/, () => ({
        applicability: 'unsafe',
        message: 'Write NEW.txt',
        edits: [],
        creates: [{ path: target(context.suite.project.root), text: 'new\n', executable }],
      })),
    'unsafe',
  );
}

test('two findings creating the same file create it once; an existing file is never a target', async () => {
  const root = makeProject({ [`${SUITE}/test_a.py`]: '# CREATE\n', [`${SUITE}/test_b.py`]: '# CREATE\n' });
  const rule = creator((projectRoot) => path.join(projectRoot, SUITE, 'NEW.txt'));
  const plan = await planFixes(requestFor(root), { unsafe: true, rules: [rule] });
  assert.equal(plan.creates.size, 1);
  assert.ok(plan.passes <= 1, 'creations do not feed the passes');
  const done = await fix(root, [rule], true);
  assert.equal(read(root, `${SUITE}/NEW.txt`), 'new\n');
  assert.equal(done.outcome.created.length, 1);
  assert.deepEqual(done.outcome.failures, []);

  writeFileSync(path.join(root, SUITE, 'NEW.txt'), 'mine\n');
  const again = await planFixes(requestFor(root), { unsafe: true, rules: [rule] });
  assert.equal(again.creates.size, 0);
  assert.deepEqual(again.notes.map((note) => note.kind), ['exists']);
  assert.equal(formatPlanDiff(again, root), '');
  await fix(root, [rule], true);
  assert.equal(read(root, `${SUITE}/NEW.txt`), 'mine\n');
});

test('a creation outside the project root is refused, by the passes and by the writer', async () => {
  const root = makeProject({ [`${SUITE}/test_a.py`]: '# CREATE\n' });
  const outside = tempDir('smoke-lint-outside-');
  const rule = creator(() => path.join(outside, 'NEW.txt'));
  const plan = await planFixes(requestFor(root), { unsafe: true, rules: [rule] });
  assert.equal(plan.creates.size, 0);
  assert.deepEqual(plan.notes.map((note) => note.kind), ['malformed']);
  await fix(root, [rule], true);
  assert.ok(!existsSync(path.join(outside, 'NEW.txt')));

  // A folder of the tree that is a symlink out of it does not lead the writer out either.
  symlinkSync(outside, path.join(root, 'escape'));
  const refused = createFileExclusively(path.join(root, 'escape', 'sub', 'NEW.txt'), Buffer.from('x\n'), false, [root]);
  assert.equal(refused.ok, false);
  assert.ok(!existsSync(path.join(outside, 'sub')));
  const relativeRefused = createFileExclusively('NEW.txt', Buffer.from('x\n'), false, [root]);
  assert.equal(relativeRefused.ok, false);
  const written = createFileExclusively(path.join(root, 'deep', 'er', 'run.sh'), Buffer.from('#!/bin/sh\n'), true, [root]);
  assert.ok(written.ok);
  assert.equal(statSync(path.join(root, 'deep', 'er', 'run.sh')).mode & 0o777, 0o755);
  const twice = createFileExclusively(path.join(root, 'deep', 'er', 'run.sh'), Buffer.from('other\n'), false, [root]);
  assert.equal(twice.ok, false);
  assert.equal(read(root, 'deep/er/run.sh'), '#!/bin/sh\n');
  assert.deepEqual(readdirSync(path.join(root, 'deep', 'er')), ['run.sh']);
});

/** SL908 creates `target` for a module that says MAKE; SL909, once `target` exists on disk, turns MAKE into DONE. */
function makeThenDone(target: string): [RuleDefinition, RuleDefinition] {
  const make = synthetic('SL908', (context) =>
    reportEach(context, context.suite.testModules, /MAKE/, () => ({ applicability: 'safe', message: 'Write NEW.txt', edits: [], creates: [{ path: target, text: 'new\n', executable: false }] })),
  );
  const done = synthetic('SL909', (context) => {
    if (!existsSync(target)) return;
    reportEach(context, context.suite.testModules, /MAKE/, (file, at) => ({ applicability: 'safe', message: 'Say DONE', edits: [{ file, start: at.start, end: at.end, text: 'DONE' }] }));
  });
  return [make, done];
}

test('a fix that a created file makes possible is written by the same --fix, so a second one changes nothing', async () => {
  const root = makeProject({ [`${SUITE}/test_a.py`]: '# MAKE\n' });
  const target = path.join(root, SUITE, 'NEW.txt');
  const [make, done] = makeThenDone(target);
  const run = await fix(root, [make, done]);
  assert.equal(read(root, `${SUITE}/NEW.txt`), 'new\n');
  assert.equal(read(root, `${SUITE}/test_a.py`), '# DONE\n', 'the second round wrote the fix the new file made possible');
  assert.deepEqual(run.outcome.fixed.map((fixed) => fixed.code).sort(), ['SL908', 'SL909']);
  assert.deepEqual(run.report.diagnostics, []);
  const again = await planFixes(requestFor(root), { unsafe: false, rules: [make, done] });
  assert.equal(again.applied.length, 0);
});

test('--fix --unsafe-fixes on a suite without its DB script writes the script and then matches the URL to it', async () => {
  // The conftest's URL is on 5432; SL704 writes a DB script that publishes 5433, and SL201 then moves the URL.
  const root = tempDir('smoke-lint-rounds-');
  writeFileSync(path.join(root, 'pyproject.toml'), '[project]\nname = "shop"\nversion = "0.1.0"\n');
  mkdirSync(path.join(root, 'shop'));
  writeFileSync(path.join(root, 'shop/__init__.py'), '');
  writeFileSync(
    path.join(root, 'shop/main.py'),
    'from fastapi import Depends, FastAPI\nfrom sqlalchemy import create_engine\nfrom sqlalchemy.orm import Session\n\nengine = create_engine("postgresql+psycopg://shop:shop@localhost:5432/shop")\napp = FastAPI()\n\n\ndef get_session():\n    with Session(engine) as session:\n        yield session\n\n\n@app.get("/ping")\ndef ping(session: Session = Depends(get_session)):\n    return {"ok": True}\n',
  );
  mkdirSync(path.join(root, SUITE), { recursive: true });
  writeFileSync(
    path.join(root, SUITE, 'conftest.py'),
    'import pytest\nfrom fastapi.testclient import TestClient\nfrom sqlalchemy import create_engine\nfrom sqlalchemy.orm import Session\n\nfrom shop.main import app, get_session\n\nTEST_DATABASE_URL = "postgresql+psycopg://shop:shop@localhost:5432/shop_test"\n\n\n@pytest.fixture(scope="session")\ndef engine():\n    engine = create_engine(TEST_DATABASE_URL)\n    yield engine\n    engine.dispose()\n\n\n@pytest.fixture(scope="session")\ndef client(engine):\n    def override():\n        with Session(engine) as session:\n            yield session\n\n    app.dependency_overrides[get_session] = override\n    with TestClient(app) as client:\n        yield client\n    app.dependency_overrides.clear()\n',
  );
  writeFileSync(
    path.join(root, SUITE, 'test_ping.py'),
    'import os\n\nimport pytest\n\npytestmark = pytest.mark.skipif(os.getenv("RUN_INTEGRATION_TESTS") != "true", reason="integration tests need RUN_INTEGRATION_TESTS=true")\n\n\ndef test_ping(client):\n    assert client.get("/ping").status_code == 200\n',
  );
  clearFileSystemCache();
  const rules = await allRules();
  const run = await fixProject(requestFor(root), { unsafe: true, rules });
  const codes = run.outcome.fixed.map((fixed) => fixed.code);
  assert.ok(codes.includes('SL704') && codes.includes('SL201'), codes.join(', '));
  assert.match(read(root, `${SUITE}/conftest.py`), /localhost:5433\//);
  const again = await planFixes(requestFor(root), { unsafe: true, rules });
  assert.deepEqual(again.applied.map((fixed) => `${fixed.code} ${fixed.message}`), [], 'a second --fix would change files');
});

test('the next round leaves alone a file an earlier one could not write, and says so once', async () => {
  const root = makeProject({ [`${SUITE}/test_a.py`]: '# MAKE\n', [`${SUITE}/test_b.py`]: '# FIXME\n' });
  const readOnly = path.join(root, SUITE, 'test_b.py');
  chmodSync(readOnly, 0o444);
  const target = path.join(root, SUITE, 'NEW.txt');
  const [make, done] = makeThenDone(target);
  const fixme = synthetic('SL910', (context) =>
    reportEach(context, context.suite.testModules, /FIXME/, (file, at) => ({ applicability: 'safe', message: 'Say FIXED', edits: [{ file, start: at.start, end: at.end, text: 'FIXED' }] })),
  );
  const run = await fix(root, [make, done, fixme]);
  assert.equal(read(root, `${SUITE}/test_a.py`), '# DONE\n', 'the round after the creation ran despite the read-only file');
  assert.equal(read(root, `${SUITE}/test_b.py`), '# FIXME\n');
  assert.deepEqual(run.outcome.failures.map((failure) => path.relative(root, failure.path)), [path.join(SUITE, 'test_b.py')]);
  assert.deepEqual(run.outcome.fixed.map((fixed) => fixed.code).sort(), ['SL908', 'SL909']);
  assert.deepEqual(run.report.diagnostics.map((diagnostic) => diagnostic.code), ['SL910'], 'the read-only file keeps its finding');
});
