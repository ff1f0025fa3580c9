import { defineRule, type Fix } from '../src/rule.js';
import { offsetRange } from '../src/source.js';
import type { ShellCommand, ShellScript, ShellTrap } from '../src/model/shell.js';
import { suiteRunners } from '../src/model/runners.js';
import { canFail, exitTraps } from '../src/model/runner.js';

function snippet(text: string): string {
  const first = text.split('\n')[0]!.trim();
  return first.length > 60 ? `${first.slice(0, 57)}...` : first;
}

/** Is errexit switched off (`set +e`, `set +o errexit`) inside an inline action before this command? */
function afterSetPlusE(action: string, command: ShellCommand): boolean {
  let off = false;
  for (const match of action.slice(0, command.start).matchAll(/\bset\s+([-+])(?:[a-zA-Z]*e[a-zA-Z]*\b|o\s+errexit\b)/g)) off = match[1] === '+';
  return off;
}

interface Finding {
  script: ShellScript;
  trap: ShellTrap;
  command: ShellCommand;
  /** Offsets in the script's file: where to report and where ` || true` goes; null when the text is not verbatim. */
  start: number | null;
  end: number | null;
  /** The command is in a function of the script (a node of its tree), not in an inline action's text. */
  inFunction: boolean;
}

function findings(script: ShellScript): Finding[] {
  const result: Finding[] = [];
  const atExit = script.optionsAt(script.file.text.length);
  const seen = new Set<string>();
  for (const trap of exitTraps(script)) {
    const own = new Set(trap.functions.flatMap((fn) => script.commandsIn(fn)));
    for (const command of script.trapCommands(trap)) {
      const inFunction = own.has(command);
      if (inFunction) {
        if (!command.errexit) continue;
      } else {
        if (!atExit.errexit || afterSetPlusE(trap.action ?? '', command)) continue;
        // The trap's own function calls are followed through the function bodies above.
        if (command.name !== null && trap.functions.includes(command.name)) continue;
      }
      if (!canFail(script, command)) continue;
      const key = inFunction ? `f${command.node.id}` : `i${trap.node.id}:${command.start}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (inFunction) {
        result.push({ script, trap, command, start: command.statement.startIndex, end: command.statement.endIndex, inFunction });
      } else {
        const base = trap.inlineOffset;
        result.push({ script, trap, command, start: base === null ? null : base + command.statement.startIndex, end: base === null ? null : base + command.statement.endIndex, inFunction });
      }
    }
  }
  return result;
}

export default defineRule({
  code: 'SL605',
  name: 'trap-masks-exit-code',
  summary: "A command in the EXIT trap can fail and replace pytest's exit status",
  severity: 'warning',
  fix: 'safe',
  get docs() {
    return {
      whatItDoes:
        'Under `set -e`, reports each command run by a `trap ... EXIT` (inline, or in the function the trap calls) that can fail and is not guarded (`|| true`, an `if` condition): `docker rm -f`, the DB script\'s `stop`, `docker stop`... Runners read: shell scripts, Makefile recipe lines (a `.ONESHELL` recipe is one shell) and GitHub Actions `run:` steps, which bash runs with `-e` unless the step\'s `shell:` drops it.',
      whyItMatters:
        'errexit still applies inside the trap: when the cleanup command fails, bash exits on the spot with that command\'s status, which replaces the one the script was exiting with. A run whose tests failed can then report the teardown\'s error instead, and a run whose tests passed fails because `docker rm -f` found no container. Saving `$?` first and re-`exit`ing it does not help while errexit is on: the failing command ends the trap before the `exit`.',
      example: 'set -euo pipefail\ncleanup() {\n    ./backend/tests/integration/scripts/test-db.sh stop\n}\ntrap cleanup EXIT',
      useInstead: 'set -euo pipefail\ncleanup() {\n    ./backend/tests/integration/scripts/test-db.sh stop || true\n}\ntrap cleanup EXIT',
      exceptions:
        'Silent on commands ended with `|| true` / `|| :` or used as conditions; on `echo`, `printf`, `true`, `rm -f` and other commands that do not fail in practice; after `set +e` inside the trap (the usual "save `$?`, `set +e`, clean up, `exit` with the saved status" pattern); and when errexit is not in force when the script exits.',
      fixSafety: 'Safe: the fix appends ` || true` to the command, which keeps the cleanup best-effort and the exit status pytest\'s. Inline trap actions are fixed only when single-quoted (their text is then verbatim).',
    };
  },
  check({ suite, report }) {
    const done = new Set<ShellScript>();
    for (const runner of suiteRunners(suite).runners) {
      for (const shell of runner.shells) {
        const script = shell.script;
        if (done.has(script)) continue;
        done.add(script);
        for (const finding of findings(script)) {
          const { command, trap } = finding;
          const file = shell.file;
          // A recipe line's or a step's shell maps its own nodes back; an inline action's text only as the trap.
          const own = runner.kind === 'script' || finding.inFunction;
          const verbatim = own && runner.kind !== 'script' ? shell.offsets(command.statement) : null;
          const range = finding.start === null || !own ? shell.range(trap.node) : runner.kind === 'script' ? offsetRange(file, finding.start, finding.end!) : shell.range(command.statement);
          const end = runner.kind === 'script' ? finding.end : verbatim ? verbatim[1] : null;
          const fix: Fix | null = end === null ? null : { applicability: 'safe', message: 'Append `|| true`', edits: [{ file, start: end, end, text: ' || true' }] };
          const where = trap.functions.length && command.functionName ? `\`${command.functionName}\` (run by the EXIT trap)` : 'the EXIT trap';
          report({
            file,
            range,
            message: `\`${snippet(command.statement.text)}\` in ${where} can fail, and under \`set -e\` its status then replaces the ${runner.kind === 'script' ? "script's" : runner.kind === 'make' ? "recipe line's" : runner.kind === 'tox' ? "command's" : "step's"} exit status (pytest's)`,
            hint: 'Append `|| true` so that the cleanup is best-effort, or `set +e` at the top of the cleanup function.',
            related: [{ file, range: shell.range(trap.node), message: 'the trap that runs it' }],
            fix,
          });
        }
      }
    }
  },
});
