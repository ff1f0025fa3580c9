// The project's shell scripts as one index, built once per project: which scripts sit in a folder, which
// ones have a pytest run that may reach a folder, which DB scripts live outside every suite. suiteScripts
// looks its suite up here instead of scanning every script of the project for every suite.
import path from 'node:path';
import { isWithin } from '../discover.js';
import { shellScript, type ShellScript } from './shell.js';
import { isDbScript, pytestRuns, resolveTargets, scriptCalls, type PytestRun, type ScriptCall } from './scripts.js';
import { inferStarts, startOf, type ScriptStart } from './script-cwd.js';
import { projectSuiteDirs, type Project } from './suite.js';

export interface ScriptIndex {
  /** Every parsed shell script of the project, in discovery order. */
  all: ShellScript[];
  byPath: Map<string, ShellScript>;
  /** Scripts inside the folder (absolute), in discovery order. */
  under(dir: string): ShellScript[];
  /** Scripts with a pytest run whose target, or working directory, is inside, at or above the folder: a superset of its runners, in discovery order. */
  mayRun(dir: string): ShellScript[];
  /** DB scripts outside every suite folder (candidates for the nearest-by-directory rule), in discovery order. */
  outsideSuites(): ShellScript[];
  /** The calls of the project's scripts to this script (absolute path), in discovery order of the callers, then call order. */
  callsTo(target: string): ReadonlyArray<{ script: ShellScript; call: ScriptCall }>;
  /** Where the script starts and what its callers hand it (src/model/script-cwd.ts). */
  startOf(script: ShellScript): ScriptStart;
  /** The script's pytest runs placed in its start directory: cwd and relative targets resolved from it, the callers' environment under the script's own. */
  runsOf(script: ShellScript): PytestRun[];
  /** The script's calls, relative paths resolved from its start directory when it is known. */
  callsOf(script: ShellScript): ScriptCall[];
  /** Puts scripts back in discovery order. */
  inOrder(scripts: Iterable<ShellScript>): ShellScript[];
}

const indexes = new WeakMap<Project, ScriptIndex>();

export function scriptIndex(project: Project): ScriptIndex {
  let index = indexes.get(project);
  if (!index) {
    index = buildIndex(project);
    indexes.set(project, index);
  }
  return index;
}

function ancestorsOrSelf(dir: string): string[] {
  const result = [dir];
  for (let current = dir, parent = path.dirname(dir); parent !== current; current = parent, parent = path.dirname(parent)) result.push(parent);
  return result;
}

/** A run as the script's start places it: its cwd and relative targets from the start directory, the callers' environment under its own. */
export function placeRun(run: PytestRun, start: ScriptStart): PytestRun {
  const cwd = run.cwd ?? (start.dir !== null && run.cwdFromStart !== null ? path.resolve(start.dir, run.cwdFromStart) : null);
  // A containerized pytest gets the container's environment, not the caller's.
  const inherited = start.env !== null && !run.container && start.env.size > 0;
  if (cwd === run.cwd && !inherited) return run;
  const env = inherited ? new Map([...start.env!, ...run.env]) : run.env;
  return { ...run, cwd, cwdFromStart: cwd === null ? run.cwdFromStart : null, targets: resolveTargets(run.rawTargets, cwd), env };
}

function buildIndex(project: Project): ScriptIndex {
  const all: ShellScript[] = [];
  for (const file of project.shellFiles()) {
    const script = shellScript(file);
    if (script) all.push(script);
  }
  const order = new Map(all.map((script, position) => [script, position]));
  const byPath = new Map(all.map((script) => [script.file.path, script]));
  const inOrder = (scripts: Iterable<ShellScript>): ShellScript[] => [...new Set(scripts)].sort((a, b) => order.get(a)! - order.get(b)!);

  // A run reaches a folder when one of its targets is inside it (key: the target and each folder above it),
  // when a target is the folder or above it (key: the target), or when it has no target and runs in or above
  // it (key: its working directory). Keys are exact paths, so a lookup walks up from the suite folder.
  const below = new Map<string, Set<ShellScript>>();
  const at = new Map<string, Set<ShellScript>>();
  const add = (map: Map<string, Set<ShellScript>>, key: string, script: ShellScript): void => {
    const set = map.get(key);
    if (set) set.add(script);
    else map.set(key, new Set([script]));
  };
  let starts: Map<ShellScript, ScriptStart> | null = null;
  const startOfScript = (script: ShellScript): ScriptStart => {
    starts ??= inferStarts(project, all, byPath);
    return startOf(starts, script);
  };
  const placedRuns = new Map<ShellScript, PytestRun[]>();
  const runsOf = (script: ShellScript): PytestRun[] => {
    let runs = placedRuns.get(script);
    if (!runs) {
      const start = startOfScript(script);
      runs = pytestRuns(script).map((run) => placeRun(run, start));
      placedRuns.set(script, runs);
    }
    return runs;
  };
  const placedCalls = new Map<ShellScript, ScriptCall[]>();
  const callsOf = (script: ShellScript): ScriptCall[] => {
    let calls = placedCalls.get(script);
    if (!calls) {
      const dir = startOfScript(script).dir;
      calls = scriptCalls(script).map((call) => (call.fromStart === null || dir === null ? call : { ...call, path: path.resolve(dir, call.fromStart), anchored: true }));
      placedCalls.set(script, calls);
    }
    return calls;
  };

  let indexed = false;
  const indexRuns = (): void => {
    if (indexed) return;
    indexed = true;
    for (const script of all) {
      for (const run of runsOf(script)) {
        const targets = [...run.targets];
        if (run.cwd !== null) targets.push(run.cwd);
        for (const target of targets) {
          add(at, target, script);
          for (const dir of ancestorsOrSelf(target)) add(below, dir, script);
        }
      }
    }
  };

  let calls: Map<string, Array<{ script: ShellScript; call: ScriptCall }>> | null = null;
  const callsTo = (target: string) => {
    if (!calls) {
      calls = new Map();
      for (const script of all) {
        for (const call of callsOf(script)) {
          if (call.path === null) continue;
          const list = calls.get(call.path);
          if (list) list.push({ script, call });
          else calls.set(call.path, [{ script, call }]);
        }
      }
    }
    return calls.get(target) ?? [];
  };

  let outside: ShellScript[] | null = null;
  return {
    all,
    byPath,
    inOrder,
    callsTo,
    startOf: startOfScript,
    runsOf,
    callsOf,
    under: (dir) => project.files.under(dir).flatMap((file) => byPath.get(file.path) ?? []),
    mayRun: (dir) => {
      indexRuns();
      const found: ShellScript[] = [...(below.get(dir) ?? [])];
      for (const above of ancestorsOrSelf(dir)) found.push(...(at.get(above) ?? []));
      return inOrder(found);
    },
    outsideSuites: () => {
      outside ??= (() => {
        const suiteDirs = projectSuiteDirs(project).map((dir) => path.join(project.root, dir));
        return all.filter((script) => !suiteDirs.some((dir) => isWithin(script.file.path, dir)) && isDbScript(script));
      })();
      return outside;
    },
  };
}
