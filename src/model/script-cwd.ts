// Where a shell script starts: the working directory its callers give it, and the environment they hand it.
//
// A script does not know the directory it is started in. Its relative `cd`s, its relative pytest targets
// and the relative paths of the scripts it calls are all relative to that start (ShellScript.cwdFromStart,
// PytestRun.cwdFromStart, ScriptCall.fromStart). This model infers the start once per project:
//
// 1. From the callers: another script (at the call, after that script's own `cd`s, its own start inferred
//    the same way), a Makefile recipe line (make runs it in the Makefile's folder), a CI step (in its
//    `working-directory`, or the job's or workflow's `defaults.run`). Callers that agree give their
//    directory; callers that disagree, or a caller whose directory is unknown beside known ones, leave it
//    unknown.
// 2. With no caller whose directory is known: the directories a person runs a script from are tried (the
//    project root, the script's own folder, the folder above a `scripts/` or `bin/` folder holding it). A
//    candidate fits when every relative path the script names from its start (pytest's directory and
//    targets, the `cd`s, the scripts it calls) exists from there. Exactly one fitting candidate is the
//    start; none or several leave it unknown, and whatever depends on it stays silent.
//
// The environment: the variables every known caller hands the script (its exports, its own inherited
// environment, `X=1 bash x.sh`); a variable only some callers set is left out.
import { statSync } from 'node:fs';
import path from 'node:path';
import { isWithin } from '../discover.js';
import { effectiveCommand, type ShellScript } from './shell.js';
import { pytestRuns, scriptCalls, type ScriptCall } from './scripts.js';
import type { Project } from './suite.js';
import type { ScriptLookup } from './script-index.js';
import { makefileIn } from './make-runs.js';
import { workflowJobs } from '../readers/workflow-runners.js';

export interface ScriptStart {
  /** The directory the script starts in; null when unknown. */
  dir: string | null;
  /**
   * How `dir` was found, for tests and debugging. 'unfitted': no caller gives it, and the script's own paths
   * were not read (see ScriptFacts.startPaths); `fitStart` fits it once a model of the script is at hand.
   */
  how: 'callers' | 'candidates' | 'unknown' | 'unfitted';
  /** The variables every known caller hands the script (null value: set to something unknown); null when no caller is known. */
  env: Map<string, string | null> | null;
}

const UNKNOWN_START: ScriptStart = { dir: null, how: 'unknown', env: null };

/** One call of a project script: the directory and environment the callee starts with. */
export interface Site {
  call: ScriptCall;
  callee: ShellScript;
  cwd: string | null;
  env: Map<string, string | null>;
}

/**
 * What inferring starts reads of a script, taken from its model once: the project's script index lets
 * each model go as soon as it has these (with every model of a large project alive at once, the young
 * generation's collections copied them all, again and again).
 */
export interface ScriptFacts {
  /** The script's file (a Makefile recipe line or a CI step: the file it is written in). */
  path: string;
  dir: string;
  /** Its calls of other scripts (`scriptCalls`, in order), each with what it hands the callee. */
  calls: CallFacts[];
  /**
   * The relative paths it relies on from its start (see `fittingCandidate`); null when not read: the
   * project's script index reads no model of a script that can neither run pytest nor call another
   * project script (`unmodelledFacts`), whose start then matters to no other script.
   */
  startPaths: StartPath[] | null;
}

interface CallFacts {
  anchored: boolean;
  path: string | null;
  fromStart: string | null;
  /** The caller's working directory at the call, when its own `cd`s make it absolute. */
  cwd: string | null;
  /** Else, relative to the caller's start. */
  cwdFromStart: string | null;
  /** A wrapper's directory (`env -C DIR`): undefined for none, null for one not known statically. */
  chdir: string | null | undefined;
  /** The caller's environment at the call, then what the command line sets. */
  env: Array<[string, string | null]>;
}

type StartPath = { relative: string; kind: Kind };

/** The facts of a script (see ScriptFacts). */
export function scriptFacts(script: ShellScript): ScriptFacts {
  return { path: script.file.path, dir: script.dir, calls: callFacts(script), startPaths: startPaths(script) };
}

/** The facts of a script whose model was not read: it runs no pytest and calls no project script (see ScriptFacts.startPaths). */
export function unmodelledFacts(scriptPath: string): ScriptFacts {
  return { path: scriptPath, dir: path.dirname(scriptPath), calls: [], startPaths: null };
}

/** The facts of a shell that only calls scripts (a Makefile recipe line, a CI step): no start of its own is inferred. */
function callerFacts(shell: ShellScript): ScriptFacts {
  return { path: shell.file.path, dir: shell.dir, calls: callFacts(shell), startPaths: [] };
}

function callFacts(caller: ShellScript): CallFacts[] {
  return scriptCalls(caller).map((call) => {
    const offset = call.command.start;
    const effective = effectiveCommand(call.command);
    const env: Array<[string, string | null]> = [...caller.envAt(offset)];
    for (const [name, word] of effective.env) env.push([name, word.value]);
    return {
      anchored: call.anchored,
      path: call.path,
      fromStart: call.fromStart,
      cwd: caller.cwdAt(offset),
      cwdFromStart: caller.cwdFromStart(offset),
      chdir: effective.chdir ? effective.chdir.value : undefined,
      env,
    };
  });
}

/** Where a call leads from the caller's start, and the directory and environment it hands the callee; null when the callee is not known. */
function siteOf(call: CallFacts, start: ScriptStart | undefined): { target: string; cwd: string | null; env: Map<string, string | null> } | null {
  const startDir = start?.dir ?? null;
  let target: string | null = null;
  if (call.anchored) target = call.path;
  else if (call.fromStart !== null && startDir !== null) target = path.resolve(startDir, call.fromStart);
  if (target === null) return null;
  let cwd = call.cwd;
  if (cwd === null && startDir !== null && call.cwdFromStart !== null) cwd = path.resolve(startDir, call.cwdFromStart);
  if (call.chdir !== undefined) {
    const dir = call.chdir;
    cwd = dir === null ? null : path.isAbsolute(dir) ? path.normalize(dir) : cwd === null ? null : path.resolve(cwd, dir);
  }
  const env = new Map(start?.env ?? []);
  for (const [name, value] of call.env) env.set(name, value);
  return { target, cwd, env };
}

/** Rounds of propagation along call chains (a CI step calls a script that calls the runner: 2). */
const MAX_ROUNDS = 8;

/** The start of every script of the project (see the file comment), by the script's path. */
export function inferStarts(project: Project, scripts: readonly ScriptFacts[]): Map<string, ScriptStart> {
  const byPath = new Map(scripts.map((script) => [script.path, script]));
  const fixed = callerShells(project, scripts).map(callerFacts);
  const exists = existence();
  const fallback = new Map<ScriptFacts, string | null>();
  const candidateStart = (script: ScriptFacts): string | null => {
    if (!fallback.has(script)) fallback.set(script, fittingCandidate(project, script, exists));
    return fallback.get(script)!;
  };

  let starts = new Map<string, ScriptStart>();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const sites = new Map<string, Array<{ cwd: string | null; env: Map<string, string | null> }>>();
    const collect = (caller: ScriptFacts, start: ScriptStart | undefined): void => {
      for (const call of caller.calls) {
        const site = siteOf(call, start);
        if (site === null || site.target === caller.path || !byPath.has(site.target)) continue;
        const list = sites.get(site.target);
        if (list) list.push(site);
        else sites.set(site.target, [site]);
      }
    };
    for (const shell of fixed) collect(shell, undefined);
    for (const script of scripts) collect(script, starts.get(script.path));

    const next = new Map<string, ScriptStart>();
    for (const script of scripts) {
      const list = sites.get(script.path) ?? [];
      const env = list.length > 0 ? commonEnv(list.map((site) => site.env)) : null;
      const known = list.filter((site) => site.cwd !== null);
      let start: ScriptStart;
      if (known.length > 0) {
        const dir = known[0]!.cwd!;
        const agreed = known.length === list.length && known.every((site) => site.cwd === dir);
        start = { dir: agreed ? dir : null, how: agreed ? 'callers' : 'unknown', env };
      } else if (script.startPaths === null) {
        start = { dir: null, how: 'unfitted', env };
      } else {
        const dir = candidateStart(script);
        start = { dir, how: dir === null ? 'unknown' : 'candidates', env };
      }
      if (start.dir !== null || start.env !== null || start.how === 'unfitted') next.set(script.path, start);
    }
    const stable = sameStarts(starts, next);
    starts = next;
    if (stable) break;
  }
  return starts;
}

/**
 * An 'unfitted' start (see ScriptStart.how) fitted from the script's model: the one candidate directory from
 * which every relative path it relies on exists, with the environment its callers hand it. A script
 * without calls is fitted alone: no other script's start depends on it.
 */
export function fitStart(project: Project, script: ShellScript, start: ScriptStart): ScriptStart {
  const dir = fittingCandidate(project, { path: script.file.path, dir: script.dir, calls: [], startPaths: startPaths(script) }, existence());
  return { dir, how: dir === null ? 'unknown' : 'candidates', env: start.env };
}

/** The start of the script at a path among starts kept by path (the index keeps them so: models are built again per suite). */
export function startOf(starts: ReadonlyMap<string, ScriptStart>, scriptPath: string): ScriptStart {
  return starts.get(scriptPath) ?? UNKNOWN_START;
}

/**
 * The working directory at an offset: the script's own when a `cd` makes it absolute, else its start
 * directory (`startDir`: what the project's script index inferred, `ScriptIndex.startOf`; null when
 * unknown) moved by its relative `cd`s; null when unknown. For readers of a script's other relative paths
 * (compose `-f` files).
 */
export function placedCwd(script: ShellScript, offset: number, startDir: string | null): string | null {
  const cwd = script.cwdAt(offset);
  if (cwd !== null) return cwd;
  const relative = startDir === null ? null : script.cwdFromStart(offset);
  return relative === null ? null : path.resolve(startDir!, relative);
}

/** The shells that may call project scripts from a known directory: Makefile recipe lines and CI steps. */
function callerShells(project: Project, scripts: readonly ScriptFacts[]): ShellScript[] {
  const result: ShellScript[] = [];
  // make reads the Makefile of the folder it is run in: the project root's, or one on the way to a script.
  const dirs = new Set<string>([project.root]);
  for (const script of scripts) {
    for (let dir = script.dir; isWithin(dir, project.root) && !dirs.has(dir); dir = path.dirname(dir)) dirs.add(dir);
  }
  for (const dir of dirs) {
    const makefile = makefileIn(project, dir);
    if (!makefile) continue;
    for (const target of new Set(makefile.targets.values())) for (const line of target.lines) result.push(line.script);
  }
  for (const job of workflowJobs(project)) for (const shell of job.shells) result.push(shell.script);
  return result;
}

/** The project scripts a shell calls, each with the directory and environment it hands them. */
export function callSites(caller: ShellScript, start: ScriptStart | undefined, byPath: ScriptLookup): Site[] {
  const sites: Site[] = [];
  const calls = scriptCalls(caller);
  callFacts(caller).forEach((facts, index) => {
    const site = siteOf(facts, start);
    const callee = site === null ? undefined : byPath.get(site.target);
    if (site === null || !callee || callee === caller) return;
    sites.push({ call: calls[index]!, callee, cwd: site.cwd, env: site.env });
  });
  return sites;
}

/** The variables every environment sets: a value they agree on, else null (set, to something unknown). */
function commonEnv(envs: Array<Map<string, string | null>>): Map<string, string | null> {
  const [first, ...rest] = envs;
  const result = new Map<string, string | null>();
  for (const [name, value] of first!) {
    if (!rest.every((env) => env.has(name))) continue;
    result.set(name, rest.every((env) => env.get(name) === value) ? value : null);
  }
  return result;
}

function sameStarts(a: ReadonlyMap<string, ScriptStart>, b: ReadonlyMap<string, ScriptStart>): boolean {
  if (a.size !== b.size) return false;
  for (const [script, start] of a) {
    const other = b.get(script);
    if (!other || other.dir !== start.dir || (other.env === null) !== (start.env === null)) return false;
    if (start.env && other.env) {
      if (start.env.size !== other.env.size) return false;
      for (const [name, value] of start.env) if (other.env.get(name) !== value || !other.env.has(name)) return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// The fallback: the one candidate directory from which every relative path the script names exists.

type Kind = 'dir' | 'file' | 'any';

/** What a path is on disk (cached): a directory, a file, or nothing. */
function existence(): (absolute: string, kind: Kind) => boolean {
  const cache = new Map<string, 'dir' | 'file' | null>();
  return (absolute, kind) => {
    let found = cache.get(absolute);
    if (found === undefined) {
      try {
        const stat = statSync(absolute);
        found = stat.isDirectory() ? 'dir' : 'file';
      } catch {
        found = null;
      }
      cache.set(absolute, found);
    }
    return found !== null && (kind === 'any' || kind === found);
  };
}

/** The directories a person may run the script from: the project root, its own folder, the folder above its `scripts/`/`bin/` folder. */
export function startCandidates(project: Project, script: { dir: string }): string[] {
  const candidates = [project.root, script.dir];
  if (/^(scripts?|bin)$/.test(path.basename(script.dir))) candidates.push(path.dirname(script.dir));
  return [...new Set(candidates)];
}

/** The relative paths (from the start) the script relies on, and what each must be. */
function startPaths(script: ShellScript): StartPath[] {
  const result: StartPath[] = [];
  for (const run of pytestRuns(script)) {
    // A containerized pytest reads its paths in the container.
    if (run.container || run.cwd !== null || run.cwdFromStart === null) continue;
    if (run.cwdFromStart !== '.') result.push({ relative: run.cwdFromStart, kind: 'dir' });
    for (const raw of run.rawTargets) if (raw !== null && !path.isAbsolute(raw)) result.push({ relative: path.posix.join(run.cwdFromStart, raw), kind: 'any' });
  }
  for (const command of script.commands) {
    if (command.name !== 'cd' && command.name !== 'pushd') continue;
    const relative = script.cwdFromStart(command.end);
    if (relative !== null && relative !== '.') result.push({ relative, kind: 'dir' });
  }
  for (const call of scriptCalls(script)) if (call.fromStart !== null) result.push({ relative: call.fromStart, kind: 'file' });
  return result;
}

/** The only candidate start from which every path the script relies on exists; null when none, several, or nothing to check. */
function fittingCandidate(project: Project, script: ScriptFacts, exists: (absolute: string, kind: Kind) => boolean): string | null {
  const paths = script.startPaths;
  if (paths === null || paths.length === 0) return null;
  const fitting = startCandidates(project, script).filter((dir) => paths.every(({ relative, kind }) => exists(path.resolve(dir, relative), kind)));
  return fitting.length === 1 ? fitting[0]! : null;
}
