// The progress line of a long run: shown on a terminal after about a second, erased before the report,
// never when stderr is not a terminal or the format is for machines. The clock is injected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main, type Io } from '../src/cli.js';
import { formatProgress, ProgressLine } from '../src/report/progress.js';
import { GATED_MODULE, makeTempProject } from './project.js';

const ERASE = '\r\u001b[K';

test('the line appears only after the delay, is redrawn at most every interval, and is erased once', () => {
  let clock = 0;
  let written = '';
  const line = new ProgressLine({ write: (text) => void (written += text), now: () => clock });
  line.update({ suitesDone: 0, suitesFound: 3, problems: 0 });
  clock = 900;
  line.update({ suitesDone: 1, suitesFound: 3, problems: 0 });
  assert.equal(written, '', 'nothing within the first second');
  line.done();
  assert.equal(written, '', 'nothing to erase when nothing was drawn');
  clock = 1000;
  line.update({ suitesDone: 2, suitesFound: 3, problems: 4 });
  clock = 1050;
  line.update({ suitesDone: 3, suitesFound: 3, problems: 5 });
  assert.equal(written, `${ERASE}smoke-lint: 2/3 suites checked, 4 problems so far`, 'a redraw within 100 ms is skipped');
  clock = 1200;
  line.update({ suitesDone: 3, suitesFound: 3, problems: 5 });
  line.done();
  line.done();
  assert.equal(written, `${ERASE}smoke-lint: 2/3 suites checked, 4 problems so far${ERASE}smoke-lint: 3/3 suites checked, 5 problems so far${ERASE}`);
});

test('the line is cut to the terminal width, so that it never wraps', () => {
  let written = '';
  let clock = 0;
  const line = new ProgressLine({ write: (text) => void (written += text), now: () => clock, columns: 20 });
  clock = 5000;
  line.update({ suitesDone: 1, suitesFound: 1, problems: 1 });
  assert.equal(written, `${ERASE}${formatProgress({ suitesDone: 1, suitesFound: 1, problems: 1 }).slice(0, 19)}`);
  assert.equal(formatProgress({ suitesDone: 0, suitesFound: 1, problems: 1 }), 'smoke-lint: 0/1 suite checked, 1 problem so far');
});

async function runWith(args: string[], cwd: string, stderrIsTTY: boolean): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  // Every look at the clock is half a second later: the run "takes" several seconds.
  let clock = 0;
  const io: Io = { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), cwd, env: {}, isTTY: false, stderrIsTTY, now: () => (clock += 500) };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

function twoSuites(): string {
  return makeTempProject({ 'orders/tests/integration/test_orders.py': GATED_MODULE, 'billing/tests/integration/test_billing.py': GATED_MODULE });
}

test('a slow run on a terminal shows suites done / found on stderr and erases it before the report', async () => {
  const root = twoSuites();
  for (const format of ['pretty', 'concise']) {
    const result = await runWith(['--format', format], root, true);
    assert.equal(result.code, 0);
    assert.match(result.stderr, /smoke-lint: 1\/2 suites checked, 0 problems so far/, format);
    assert.ok(result.stderr.endsWith(ERASE), `${format}: the line is erased`);
    assert.doesNotMatch(result.stdout, /so far/);
    assert.match(result.stdout, /All checks passed! \(2 suites, 2 files checked\)\n$/);
  }
});

test('no progress line when stderr is not a terminal, nor in a machine format', async () => {
  const root = twoSuites();
  assert.equal((await runWith(['--format', 'concise'], root, false)).stderr, '');
  for (const format of ['json', 'json-lines', 'github', 'sarif', 'junit', 'gitlab', 'rdjson']) {
    const result = await runWith(['--format', format], root, true);
    assert.equal(result.stderr, '', format);
  }
});
