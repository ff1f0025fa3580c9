import { defineRule, type Fix } from '../src/rule.js';
import { lineEnding } from '../src/source.js';
import type { ShellCommand, ShellScript } from '../src/model/shell.js';
import { pytestRuns } from '../src/model/scripts.js';
import { failureFailsShell, suiteRunners, type RunnerKind } from '../src/model/runners.js';
import { statusVerdict, topStatement, type StatusVerdict } from '../src/model/runner.js';

type Node = ShellCommand['node'];

function line(node: Node): number {
  return node.startPosition.row + 1;
}

function snippet(node: Node): string {
  const first = node.text.split('\n')[0]!.trim();
  return first.length > 60 ? `${first.slice(0, 57)}...` : first;
}

/** `X=$?` after a pytest that errexit aborts on → `X=0` above, `pytest ... || X=$?`, the capture line gone. */
function deadCaptureFix(script: ShellScript, pytest: ShellCommand, capture: Node, variable: string): Fix {
  const file = script.file;
  const statement = topStatement(pytest.node)!;
  const row = statement.startPosition.row;
  const lineStart = file.lineStarts[row]!;
  const indent = /^[ \t]*/.exec(file.text.slice(lineStart, statement.startIndex))![0];
  const captureRow = capture.startPosition.row;
  const captureStart = file.lineStarts[captureRow]!;
  const captureEnd = file.lineStarts[captureRow + 1] ?? file.text.length;
  // A trailing comment on the capture line is kept (only the capture goes); a bare line goes whole.
  const keepsComment = file.text.slice(capture.endIndex, captureEnd).trim() !== '';
  const removal = keepsComment ? { start: capture.startIndex, end: capture.endIndex } : { start: captureStart, end: captureEnd };
  return {
    applicability: 'safe',
    message: `Capture the status with \`|| ${variable}=$?\` (and \`${variable}=0\` before it)`,
    edits: [
      { file, start: lineStart, end: lineStart, text: `${indent}${variable}=0${lineEnding(file)}` },
      { file, start: statement.endIndex, end: statement.endIndex, text: ` || ${variable}=$?` },
      { file, ...removal, text: '' },
    ],
  };
}

function describe(verdict: Exclude<StatusVerdict, { kind: 'ok' }>, label: string, kind: RunnerKind): { message: string; hint: string } {
  const shell = kind === 'script' ? label : kind === 'make' ? `the recipe line of ${label}` : kind === 'tox' ? `the command of ${label}` : `the step of ${label}`;
  switch (verdict.kind) {
    case 'dead-capture':
      return {
        message: `\`${snippet(verdict.capture)}\` (line ${line(verdict.capture)}) never sees a failure: under \`set -e\` a failing pytest ends ${shell} before it, so the capture is dead code and whatever follows it (the exit with that status, the teardown) runs only when the tests pass`,
        hint: verdict.variable ? `Write \`${verdict.variable}=0\` before pytest and \`pytest ... || ${verdict.variable}=$?\`.` : 'Capture the status on the pytest line: `rc=0; pytest ... || rc=$?`.',
      };
    case 'read-late':
      return {
        message: `\`$?\` on line ${line(verdict.read)} is the status of \`${snippet(verdict.between)}\` (line ${line(verdict.between)}), not pytest's: ${shell} can report success for failed tests`,
        hint: 'Capture pytest\'s status right on its line: `rc=0; pytest ... || rc=$?`, then `exit "$rc"`.',
      };
    case 'piped':
      return {
        message: `pytest is piped into another command without \`set -o pipefail\`: the pipeline's status is the last command's, so ${shell} passes when the tests fail`,
        hint: 'Add `set -o pipefail` before the pipeline (or read `${PIPESTATUS[0]}` right after it).',
      };
    case 'overwritten':
      return {
        message: `${shell} ends with \`${snippet(verdict.last)}\` (line ${line(verdict.last)}), whose status replaces pytest's: the script can exit 0 when the tests fail`,
        hint: 'Save the status (`rc=0; pytest ... || rc=$?`) and end with `exit "$rc"`.',
      };
    case 'captured-not-exited':
      return {
        message: `pytest's status is saved in \`${verdict.variable}\` (line ${line(verdict.capture)}) but ${shell} never exits with it: it ends with the status of \`${snippet(verdict.last)}\``,
        hint: `End the script with \`exit "$${verdict.variable}"\`.`,
      };
  }
}

export default defineRule({
  code: 'SL603',
  name: 'exit-code-lost',
  summary: "The runner's exit status is not pytest's",
  severity: 'error',
  fix: 'safe',
  get docs() {
    return {
      whatItDoes:
        "Reports a pytest run of the integration suite whose exit status does not become the runner script's: `X=$?` right after pytest while `set -e` is in force (dead code: a failure ends the script first), `$?` read after another command ran, pytest piped into `tee` without `set -o pipefail`, a script that ends with another command and never captured pytest's status, or a status saved in a variable that no `exit` uses. The finding is always on the pytest command; the message names the line where the status is lost. Runners read: shell scripts; each Makefile recipe line (make runs it with `sh -c`, without `-e`; make fails on the line's status) and a recipe line that make ignores (`-` prefix); each GitHub Actions `run:` step (bash with `-e -o pipefail` by default, the flags of its `shell:` otherwise) and a step or job with `continue-on-error: true`; each command of a tox environment and a `-` command, whose status tox ignores.",
      whyItMatters:
        "CI and the person at the terminal only see the script's exit status. When it is not pytest's, failing tests pass the build; or, under `set -e`, the lines meant to run after a failure (the teardown, the summary) never run.",
      example:
        'set -e\nRUN_INTEGRATION_TESTS=true pytest tests/integration/ -v\nTEST_EXIT_CODE=$?\n./backend/tests/integration/scripts/test-db.sh stop\nexit $TEST_EXIT_CODE',
      useInstead:
        'set -e\nTEST_EXIT_CODE=0\nRUN_INTEGRATION_TESTS=true pytest tests/integration/ -v || TEST_EXIT_CODE=$?\n./backend/tests/integration/scripts/test-db.sh stop\nexit $TEST_EXIT_CODE',
      exceptions:
        'Silent on `rc=0; pytest ... || rc=$?` followed by `exit "$rc"`; `exec pytest`; pytest as the last command (under `set -e` or not); `set +e` around pytest with `rc=$?` right after; `if pytest ...; then ... else rc=$?; fi`; pipelines under `set -o pipefail` or read through `${PIPESTATUS[0]}`; pytest runs inside functions, loops or subshells (not followed).',
      fixSafety:
        'Safe, for shell scripts only, for the plain `set -e` + next-line `X=$?` shape: `X=0` goes on its own line before pytest, ` || X=$?` is appended to the pytest command, and the `X=$?` line is removed. Behaviour changes only in the failure case, which is the point.',
    };
  },
  check({ suite, report }) {
    for (const { runner, shell, run } of suiteRunners(suite).runs) {
      const script = shell.script;
      const pytestStatements = new Set(pytestRuns(script).map((other) => topStatement(other.command.node)?.id).filter((id): id is number => id !== undefined));
      const verdict = statusVerdict(script, run.command, (node) => pytestStatements.has(node.id));
      const range = shell.range(run.command.node);
      if (verdict.kind === 'ok') {
        // The shell ends with pytest's status, but the runner drops it: make's `-` line, `continue-on-error`.
        if (shell.ignoresErrors && failureFailsShell(script, run.command)) {
          report({
            file: shell.file,
            range,
            message: `${runner.label} runs pytest on \`${suite.name}\` under ${shell.ignoresHow}: ${runner.kind === 'make' ? '`make`' : runner.kind === 'tox' ? '`tox`' : 'the workflow'} passes when the tests fail`,
            hint: runner.kind === 'make' ? 'Remove the `-` prefix; to stop the database after a failure, do it on the same line (`pytest ...; status=$$?; docker compose down; exit $$status`).' : runner.kind === 'tox' ? 'Remove the `-` prefix; stop the database in `commands_post`, which tox runs whether the tests pass or not.' : 'Remove `continue-on-error`; stop the database in a later step with `if: always()`.',
          });
        }
        continue;
      }
      const { message, hint } = describe(verdict, runner.label, runner.kind);
      const fix = runner.kind === 'script' && verdict.kind === 'dead-capture' && verdict.fixable && verdict.variable ? deadCaptureFix(script, run.command, verdict.capture, verdict.variable) : null;
      report({ file: shell.file, range, message, hint, fix });
    }
  },
});
