// The pytest runs a shell reaches through the project scripts it calls, placed as that one caller starts
// them. A CI step `poetry run ./scripts/test` runs the script's pytest in the step's directory, with the
// step's environment and the step's arguments: the script index places a script's runs for all its callers
// at once (and leaves them unplaced when callers disagree), this places them for one caller.
//
// The calls are resolved as the script index resolves them (src/model/script-cwd.ts callSites), the runs
// placed as it places them (placeRun). One thing a single caller knows that the index cannot: the
// arguments. A call with none makes the callee's `"$@"` empty, so `pytest --cov=app "$@"` has no target
// and collects from its directory; with arguments, `"$@"` stays unknown.
import type { PytestRun, ScriptCall } from './scripts.js';
import { pytestRuns, pytestTargets } from './scripts.js';
import { callSites, type ScriptStart } from './script-cwd.js';
import { placeRun, scriptIndex } from './script-index.js';
import type { ShellScript } from './shell.js';
import type { Project } from './suite.js';

export interface CalledRun {
  /** The caller's call that leads to the run (the first hop, in the caller's own text). */
  call: ScriptCall;
  /** The script whose pytest run it is. */
  script: ShellScript;
  run: PytestRun;
}

/** How deep a chain of calls is followed (a step calls a wrapper that calls the runner: 2). */
const MAX_DEPTH = 4;

/** `"$@"`, `$@`, `${@}`, `$*`: the script's own arguments, spliced. */
const ALL_ARGS = /^"?\$(\{[@*]\}|[@*])"?$/;

/** Does the script change its arguments at top level (`shift`, `set -- ...`)? Then `"$@"` is not the caller's. */
function rewritesArgs(script: ShellScript): boolean {
  return script.commands.some((command) => command.name === 'shift' || (command.name === 'set' && command.args.some((arg) => arg.value === '--' || arg.value === null)));
}

/** Are a call's arguments none at all, given whether the caller's own `"$@"` is empty? */
function passesNothing(call: ScriptCall, callerArgsEmpty: boolean): boolean {
  return call.args.every((arg) => callerArgsEmpty && !call.command.functionName && ALL_ARGS.test(arg.text));
}

/** The run with the script's `"$@"` words dropped, when the script was called with no arguments. */
function withoutArgs(script: ShellScript, run: PytestRun): PytestRun {
  if (run.command.functionName || rewritesArgs(script)) return run;
  const args = run.args.filter((word) => !ALL_ARGS.test(word.text));
  if (args.length === run.args.length) return run;
  const { rawTargets, known } = pytestTargets(args);
  return { ...run, args, rawTargets, targetsKnown: known };
}

/** Every pytest run of a project script the caller (a CI step, a recipe line) calls, directly or through other scripts, placed for this caller (`start`: where the caller itself runs, when its text does not say). */
export function calledRuns(project: Project, caller: ShellScript, start?: ScriptStart): CalledRun[] {
  const byPath = scriptIndex(project).byPath;
  const result: CalledRun[] = [];
  const seen = new Set<ShellScript>([caller]);
  const follow = (script: ShellScript, from: ScriptStart | undefined, argsEmpty: boolean, first: ScriptCall | null, depth: number): void => {
    for (const site of callSites(script, from, byPath)) {
      if (seen.has(site.callee)) continue;
      seen.add(site.callee);
      const call = first ?? site.call;
      const empty = passesNothing(site.call, argsEmpty);
      const placed = { dir: site.cwd, how: 'callers' as const, env: site.env };
      for (const run of pytestRuns(site.callee)) {
        const own = empty ? withoutArgs(site.callee, run) : run;
        // An unknown start leaves the run as the script wrote it: its relative paths reach nothing.
        result.push({ call, script: site.callee, run: placeRun(own, placed) });
      }
      if (depth + 1 < MAX_DEPTH) follow(site.callee, placed, empty, call, depth + 1);
    }
  };
  follow(caller, start, true, null, 0);
  return result;
}
