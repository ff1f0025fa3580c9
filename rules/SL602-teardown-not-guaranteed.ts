import { defineRule, type Edit, type Fix } from '../src/rule.js';
import { lineEnding, type SourceFile } from '../src/source.js';
import type { ShellCommand, ShellScript } from '../src/model/shell.js';
import { failureFailsShell, suiteRunners, type RunnerRun, type RunnerShell } from '../src/model/runners.js';
import { failureEndsScript, failureSkips, isStopCommand, topStatement, trapStopsDatabase } from '../src/model/runner.js';

/** Where the cleanup function goes: after the `set -e` line in force at pytest, else after the shebang and its comments. */
function insertionOffset(script: ShellScript, pytest: ShellCommand): number {
  const file = script.file;
  const root = file.tree!.rootNode;
  let after: number | null = null;
  for (const command of script.commands) {
    if (command.name !== 'set' || command.functionName || command.start > pytest.start) continue;
    if (topStatement(command.node)?.parent?.id !== root.id) continue;
    if (command.args.some((arg) => arg.value !== null && (/^-[a-zA-Z]*e/.test(arg.value) || arg.value === 'errexit'))) after = command.statement.endIndex;
  }
  if (after === null) {
    // After the shebang and the comment lines right below it.
    let line = 0;
    const lines = file.lineStarts.length;
    while (line < lines) {
      const text = lineAt(file, line);
      if (line === 0 ? text.startsWith('#!') || text.startsWith('#') : text.startsWith('#')) line++;
      else break;
    }
    return file.lineStarts[line] ?? file.text.length;
  }
  const nextLine = file.lineStarts.find((start) => start > after!);
  return nextLine ?? file.text.length;
}

function lineAt(file: SourceFile, zeroBased: number): string {
  const start = file.lineStarts[zeroBased]!;
  const end = file.lineStarts[zeroBased + 1] ?? file.text.length;
  return file.text.slice(start, end).replace(/\r?\n$/, '');
}

/** The unsafe fix: a cleanup function on `trap ... EXIT` running the stop as written, and the original line removed. */
function trapFix(script: ShellScript, pytest: ShellCommand, stop: ShellCommand): Fix | null {
  const file = script.file;
  const statement = stop.statement;
  if (statement.parent?.type !== 'program') return null; // inside a list or a block: no mechanical rewrite
  const lineIndex = statement.startPosition.row;
  const lineStart = file.lineStarts[lineIndex]!;
  const lineEnd = file.lineStarts[lineIndex + 1] ?? file.text.length;
  const line = lineAt(file, lineIndex);
  const rest = line.slice(statement.endPosition.column).trim();
  if (statement.endPosition.row !== lineIndex || line.slice(0, statement.startPosition.column).trim() !== '' || (rest !== '' && !rest.startsWith('#'))) return null;
  if (script.functions.has('cleanup') && script.functions.has('cleanup_test_db')) return null;
  const name = script.functions.has('cleanup') ? 'cleanup_test_db' : 'cleanup';
  const eol = lineEnding(file);
  const at = insertionOffset(script, pytest);
  if (at > lineStart) return null; // the stop sits above the insertion point: leave it to a human
  const body = /\|\|\s*(true|:)\s*$/.test(statement.text) ? statement.text : `${statement.text} || true`;
  const nextIsBlank = lineAt(file, file.lineStarts.indexOf(at)).trim() === '' && at < file.text.length;
  const block = `${eol}${name}() {${eol}    ${body}${eol}}${eol}trap ${name} EXIT${eol}${nextIsBlank ? '' : eol}`;
  const edits: Edit[] = [
    { file, start: at, end: at, text: block },
    { file, start: lineStart, end: lineEnd, text: '' },
  ];
  return {
    applicability: 'unsafe',
    message: `Stop the database from a \`${name}\` function on \`trap ${name} EXIT\``,
    edits,
  };
}

/** Through functions: does a failing pytest end the script (errexit, on every call on its way) before a stop that runs after it? */
function pathSkips(script: ShellScript, pytest: ShellCommand, stop: ShellCommand): string | null {
  if (!failureEndsScript(pytest)) return null;
  // A stop run by an EXIT trap runs however the script ends.
  const later = script.runsOf(stop).filter((run) => run.via[0]?.name !== 'trap');
  for (const run of script.runsOf(pytest)) {
    if (run.via.some((call) => call.inCondition || call.inSubshell || call.inSubstitution || call.background)) continue;
    if (later.some((after) => script.runsBefore(run, after))) return 'errexit (`set -e`) ends the script as soon as pytest fails';
  }
  return null;
}

export default defineRule({
  code: 'SL602',
  name: 'teardown-not-guaranteed',
  summary: 'The runner stops the test database only when the tests pass',
  severity: 'warning',
  fix: 'unsafe',
  get docs() {
    return {
      whatItDoes:
        'Reports the command that stops the test database (the DB script called with `stop`/`down`/`clean`, `docker rm -f`, `docker stop`, or a function doing one) when a failing pytest run ends the script before it: `set -e` in force with pytest unguarded, `pytest && stop`, or an `exit` on failure. It stays silent when an EXIT trap stops the database. Runners read: shell scripts; Makefile targets, where make stops at the first failing recipe line, so a stop on a later line (or in a later prerequisite, `integration: db-up run-tests db-down`) runs only when pytest passes; GitHub Actions jobs, where a failing step ends the job, so a later stop step runs only when pytest passes unless it has `if: always()` (or `failure()`, `!cancelled()`); tox environments, where a failing command ends `commands`, so a stop there after pytest runs only when pytest passes (`commands_post` always run). Within one recipe line or step the script rules apply (a step runs under `bash -e -o pipefail` unless its `shell:` says otherwise). A project script a step calls (`./scripts/integration`) is judged where it is written: a stop after pytest in the script is reported there, and the step calling it fails the job when a failing pytest ends the script.',
      whyItMatters:
        'The database is left running exactly when the tests fail, which is when someone runs them again: the next start finds the container name or the port taken, or tests read the rows the failed run left behind.',
      example:
        'set -e\n./backend/tests/integration/scripts/test-db.sh start\nRUN_INTEGRATION_TESTS=true pytest backend/tests/integration\n./backend/tests/integration/scripts/test-db.sh stop',
      useInstead:
        'set -e\ncleanup() {\n    ./backend/tests/integration/scripts/test-db.sh stop || true\n}\ntrap cleanup EXIT\n./backend/tests/integration/scripts/test-db.sh start\nRUN_INTEGRATION_TESTS=true pytest backend/tests/integration',
      exceptions:
        'Silent when a `trap ... EXIT` (inline, or through a function) performs the stop; when the pytest line is `-` prefixed or the step has `continue-on-error` (SL603 reports that), or when pytest does not end its line (`pytest ...; status=$$?; docker compose down; exit $$status`); on a stop step with `if: always()`; when pytest runs with errexit off (`set +e` around it, `pytest || rc=$?`, `if pytest; then`); and when the script never stops the database (SL511 speaks about the DB script).',
      fixSafety:
        'Unsafe: the fix adds a cleanup function running the stop command as written (with `|| true`, so that a failing stop cannot replace pytest\'s exit status) on `trap cleanup EXIT`, placed after the `set -e` line (or after the shebang), and removes the original stop line. The trap runs on every exit, including a failure before the database was started; review the order of the script. No fix for Makefiles and workflows.',
    };
  },
  check({ suite, report }) {
    const done = new Set<ShellScript>();
    const { runs, runners, runsOf } = suiteRunners(suite);
    // Within one shell: the script, a recipe line, a step.
    for (const { runner, shell, run } of runs) {
      const script = shell.script;
      if (done.has(script)) continue;
      const pytest = run.command;
      if (pytest.inSubstitution || pytest.background || pytest.inSubshell) continue;
      if (trapStopsDatabase(script)) continue;
      if (script.runsOf(pytest).length === 0) continue; // in a function nothing calls
      // Top-level stops after a top-level pytest first (their statements tell the most), then stops reached through functions.
      const topLevel = pytest.functionName === null;
      const stops = script.commands.filter(
        (command) => command.functionName === null && !command.inSubstitution && topLevel && command.start > pytest.end && isStopCommand(script, command),
      );
      const inFunctions = script.commands.filter(
        (command) => !command.inSubstitution && (command.functionName !== null || !topLevel) && isStopCommand(script, command),
      );
      for (const stop of [...stops, ...inFunctions]) {
        const reason = stops.includes(stop) ? failureSkips(script, pytest, stop) : pathSkips(script, pytest, stop);
        if (!reason) continue;
        done.add(script);
        const line = pytest.node.startPosition.row + 1;
        report({
          file: shell.file,
          range: shell.range(stop.statement),
          message: `The test database is stopped only when pytest passes: ${reason} (line ${line}), so a failed run leaves the container behind`,
          hint: shell.file !== script.file && runner.kind === 'ci' ? 'Stop it in a later step with `if: always()`, or from a `trap cleanup EXIT` in this step.' : 'Stop it from a cleanup function installed with `trap cleanup EXIT`, which runs however the script ends.',
          related: [{ file: shell.file, range: shell.range(pytest.node), message: 'the pytest run whose failure skips the stop' }],
          fix: shell.file === script.file ? trapFix(script, pytest, stop) : null,
        });
        break;
      }
    }
    // Across shells: a failing recipe line stops make, a failing step ends the job, before a later stop.
    // A pytest run in a project script the line or step calls fails it when its failure ends the script
    // and the call's failure ends the line or step.
    const reported = new Set<string>();
    const fails = ({ shell, run }: RunnerRun): boolean => !shell.ignoresErrors && !trapStopsDatabase(shell.script) && failureFailsShell(shell.script, run.command);
    for (const runner of runners) {
      if (runner.shells.length < 2) continue;
      let failing: { shell: RunnerShell; run: RunnerRun; called: boolean } | null = null;
      for (const found of runsOf.get(runner) ?? []) {
        if (!fails(found)) continue;
        if (runner.shells.includes(found.shell)) failing = { shell: found.shell, run: found, called: false };
        else {
          const caller = found.shell.calledFrom;
          if (!caller || !runner.shells.includes(caller.shell) || caller.shell.ignoresErrors || trapStopsDatabase(caller.shell.script)) continue;
          if (!failureFailsShell(caller.shell.script, caller.command)) continue;
          failing = { shell: caller.shell, run: found, called: true };
        }
        break;
      }
      if (!failing) continue;
      const after = runner.shells.slice(runner.shells.indexOf(failing.shell) + 1);
      for (const later of after) {
        if (later.always) continue;
        const stop = later.script.commands.find((command) => command.functionName === null && !command.inSubstitution && isStopCommand(later.script, command));
        if (!stop) continue;
        const range = later.range(stop.statement);
        const key = `${later.file.path}:${range.start.line}:${range.start.column}`;
        if (reported.has(key)) break;
        reported.add(key);
        const pytestShell = failing.run.shell;
        const pytestRange = pytestShell.range(failing.run.run.command.node);
        const callLine = failing.called ? failing.shell.range(failing.run.shell.calledFrom!.command.node).start.line : pytestRange.start.line;
        const through = failing.called ? ` calling \`${suite.project.relative(pytestShell.file.path)}\`` : ' running pytest';
        const how =
          runner.kind === 'make'
            ? `make stops at the first failing recipe line, and the recipe line${through} (line ${callLine}) fails when the tests fail`
            : runner.kind === 'tox'
              ? `tox stops at the first failing command, and the command${through} (line ${callLine}) fails when the tests fail`
              : `a failing step ends the job, and the step${through} (line ${callLine}) fails when the tests fail; this step has no \`if: always()\``;
        report({
          file: later.file,
          range,
          message: `The test database is stopped only when pytest passes: ${how}, so a failed run ${runner.kind === 'make' || runner.kind === 'tox' ? 'leaves the container behind' : 'never stops it'} (${runner.label})`,
          hint:
            runner.kind === 'make'
              ? 'Stop it on the pytest line (`pytest ...; status=$$?; docker compose down; exit $$status`), or run a script that stops it from `trap cleanup EXIT`.'
              : runner.kind === 'tox'
                ? 'Move the stop to `commands_post`, which tox runs whether the tests pass or not.'
                : 'Add `if: always()` to the step that stops the database.',
          related: [{ file: pytestShell.file, range: pytestRange, message: 'the pytest run whose failure skips the stop' }],
        });
        break;
      }
    }
  },
});
