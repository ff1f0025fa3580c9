// The life of a DB script's container, read from the shell model: does a `docker rm` of its name run
// before the `docker run` on the same path (a leftover of a crashed run is cleared), and does anything
// remove it after the tests (a `stop` arm or function, an EXIT trap, the runner)? Functions are placed
// where they run; a removal that runs only before the same run is the leftover cleanup, not a stop.
import type { DbLifecycle } from '../model/database.js';
import { removalByCommand, dockerRemovals } from '../model/docker.js';
import { lineStartOf, namesContainer, rawText, removalsOf, runs, runsBefore, type PostgresRun } from '../model/dbscript.js';
import type { ShellScript } from '../model/shell.js';
import { lineEnding, nodeRange } from '../source.js';

/** The lifecycle of a `docker run`; null when the run never runs (it sits in a function nothing calls). */
export function runLifecycle({ script, run }: PostgresRun, runners: ShellScript[]): DbLifecycle | null {
  if (!runs(script, run.command)) return null;
  const file = script.file;
  const starts = script.runsOf(run.command);
  // After the tests: a removal on some path that is not only the cleanup before this run.
  const counts = (kind: string) => kind === 'rm' || run.rm;
  const runnerRemoves = runners.some((runner) => dockerRemovals(runner).some((removal) => removal.kind === 'rm' || removal.kind === 'stop' || removal.kind === 'kill'));
  const removes = removalsOf(script, run.name).some((removal) => counts(removal.kind) && script.runsOf(removal.command).some((at) => !starts.some((start) => script.runsBefore(at, start))));
  // Judged command by command: an inline trap action is parsed as a script of its own.
  const trapRemoves = script.traps.some((trap) =>
    script.trapCommands(trap).some((command) => {
      const removal = removalByCommand(command);
      return removal !== null && counts(removal.kind) && namesContainer(removal.containers, run.name);
    }),
  );
  const removed = runnerRemoves || (run.rm && !run.detach) || removes || trapRemoves;
  const stopOnly = removed ? undefined : removalsOf(script, run.name).find((removal) => removal.kind !== 'rm');

  // Before the run: a leftover of a fixed name cleared on the same path (`podman run --replace` does it itself).
  const name = run.name;
  const clearsLeftover = name === null || run.replace || removalsOf(script, name).filter((removal) => removal.kind === 'rm' || run.rm).some((removal) => runsBefore(script, removal.command, run.command));
  const written = name ? rawText(file, name).replace(/^--name=/, '') : null;
  const removeLeftover = written === null ? null : `${run.engine} rm -f ${written} >/dev/null 2>&1 || true`;
  let clearEdit: DbLifecycle['clearEdit'] = null;
  if (name && written !== null && removeLeftover !== null) {
    const start = run.command.statement.startIndex;
    const lineStart = lineStartOf(file, start);
    const eol = lineEnding(file);
    const previous = file.text.slice(lineStartOf(file, Math.max(0, lineStart - 1)), Math.max(0, lineStart - eol.length));
    const indent = /^[ \t]*/.exec(file.text.slice(lineStart, start))![0];
    const continues = /(\\|&&|\|\||\|)\s*$/.test(previous);
    const asWritten = rawText(file, name) === name.text;
    // Only when the run's statement starts its line: inserting before `if ...; then docker run` or
    // `start) docker run` would remove the container on every path, or break the case arm.
    const startsLine = file.text.slice(lineStart, start).trim() === '';
    if (asWritten && startsLine && !continues && name.node.startIndex > start && !written.includes('\n')) {
      clearEdit = { start: lineStart, end: lineStart, text: `${indent}${removeLeftover}${eol}` };
    }
  }
  return {
    start: { file, range: nodeRange(run.command.node) },
    startedBy: `\`${run.engine} run\``,
    removed,
    stoppedBy: stopOnly ? `${stopOnly.engine} ${stopOnly.kind}` : null,
    name: name ? (name.value ?? written) : null,
    nameAt: name ? nodeRange(name.node) : null,
    clearsLeftover,
    removeLeftover,
    clearEdit,
  };
}
