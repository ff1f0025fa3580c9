// The project's shell scripts as one index, built once per project: which scripts sit in a folder, which
// ones have a pytest run that may reach a folder, which DB scripts live outside every suite. suiteScripts
// looks its suite up here instead of scanning every script of the project for every suite.
import path from 'node:path';
import { isWithin } from '../discover.js';
import { shellScript, type ShellScript } from './shell.js';
import { isDbScript, pytestRuns, resolveTargets, scriptCalls, type PytestRun, type ScriptCall } from './scripts.js';
import { fitStart, inferStarts, scriptFacts, startOf, unmodelledFacts, type ScriptFacts, type ScriptStart } from './script-cwd.js';
import { projectSuiteDirs, type Project } from './suite.js';
import { scriptsSetPythonPath } from './app/project-facts.js';
import { perFile } from '../source.js';

/** Looks a project script up by absolute path. */
export interface ScriptLookup {
  get(scriptPath: string): ShellScript | undefined;
}

export interface ScriptIndex {
  /** The paths of the project's shell scripts (the files that parse as shell), in discovery order. */
  paths: readonly string[];
  /**
   * The script at a path: its model, built from the file the project has loaded (after a suite's
   * release, loaded and built again); undefined when the path is no script of the project.
   */
  byPath: ScriptLookup;
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
  /** Python files the scripts hand to pytest by name (`pytest tests.py`), placed in their start directories. */
  namedPythonTargets: ReadonlySet<string>;
  /** Puts scripts back in discovery order. */
  inOrder(scripts: Iterable<ShellScript>): ShellScript[];
}

const indexes = new WeakMap<Project, ScriptIndex>();

/**
 * Each script's runs and calls as its project's index places them, kept under the script's file (the
 * index's scripts are the project's shell files, one model per file; a file belongs to one project, so
 * to one index), and emptied with it: a table keyed by the script model
 * outlived the suite that built it in V8's old generation, and kept its values (the runs, their commands,
 * the script model they come from) alive through every young-generation collection until a full one.
 */
const placedRuns = perFile<PytestRun[]>();
const placedCalls = perFile<ScriptCall[]>();

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

/** What placing a run reads of it. */
type PlainRun = Pick<PytestRun, 'cwd' | 'cwdFromStart' | 'container' | 'env' | 'rawTargets' | 'targets'>;
/** What placing a call reads of it. */
type PlainCall = Pick<ScriptCall, 'path' | 'fromStart' | 'anchored'>;

/**
 * At most this much shell text stays loaded from the script index until a suite reads it
 * (`Project.keepUntilRead`): the runner a suite reads is then modelled once, not once for the index and
 * again for the suite, and the memory this holds is bounded (on the bench's tree of 1,000 suites, 728 KB
 * of runners held about 14 MiB). Beyond it, a script's model goes as soon as its facts are read.
 */
export const KEPT_SCRIPT_TEXT = 512 * 1024;

/**
 * Whether a script's text (its path, its text) may hold a pytest run or a call of another of the project's
 * scripts (`scriptPaths`): the only things of a script's model the index keeps besides its place. A run
 * names pytest; a call names the file it calls, by its name (`test-db.sh`, `"$DIR"/test-db.sh`) or by
 * its stem with the rest from a variable (`NAME=test-db` ... `"$NAME.sh"`). Quotes and backslashes may
 * split a word (`py"test"`), so they are taken out first; whole-line comments (usage notes naming the
 * script itself) run nothing. A script may call itself by name: the index ignores such calls. A name
 * put together from several variables (`"$A$B.sh"`) is not seen: the script is then read as calling
 * nothing, as its model reads a glob.
 */
function runOrCallTest(scriptPaths: readonly string[]): (scriptPath: string, text: string) => boolean {
  // How many of the project's scripts have each stem (a script whose stem no other has cannot be called by it).
  const stems = new Map<string, number>();
  for (const scriptPath of scriptPaths) {
    const stem = stemOf(scriptPath);
    stems.set(stem, (stems.get(stem) ?? 0) + 1);
  }
  // A stem beyond the characters a word is cut at below is looked for as it is, anywhere in the text (a
  // project with many such names has each script read: one pass over a text per name would cost more).
  const odd = [...stems.keys()].filter((stem) => /[^\w.+-]/.test(stem));
  if (odd.length > MAX_ODD_STEMS) return () => true;
  return (scriptPath, text) => {
    const plain = text.replace(/^[ \t]*#.*$/gm, '').replace(/["'\\]/g, '');
    if (plain.includes('pytest') || plain.includes('py.test')) return true;
    const own = stemOf(scriptPath);
    const callable = (stem: string): boolean => (stems.get(stem) ?? 0) > (stem === own ? 1 : 0);
    if (odd.some((stem) => callable(stem) && plain.includes(stem))) return true;
    // Words cut where no script name goes on: `"$DIR"/test-db.sh`, `NAME=test-db`, and `${NAME:-test-db}`
    // (cut at the colon: `-test-db`, so also looked at without its leading signs).
    for (const word of plain.split(/[^\w.+-]+/)) {
      const bare = word.replace(/^[-+.]+/, '');
      if (namesStem(word, callable) || (bare !== word && namesStem(bare, callable))) return true;
    }
    return false;
  };
}

const MAX_ODD_STEMS = 32;
/** A file name is at most this long (in UTF-16 units, at least as many as its bytes allow): no longer word can be a stem. */
const MAX_NAME = 255;

/** Does the word, or the word short of an extension (`test-db.sh`, `test-db`, `x.tar.sh`), name a stem? */
function namesStem(word: string, isStem: (stem: string) => boolean): boolean {
  for (let end = word.length; end > 0; end = word.lastIndexOf('.', end - 1)) if (end <= MAX_NAME && isStem(word.slice(0, end))) return true;
  return false;
}

/** A script's file name without its extension (`test-db.sh` → `test-db`, `run-tests` stays). */
function stemOf(scriptPath: string): string {
  const base = path.basename(scriptPath);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** A call as the script's start places it: a relative path from the start directory made absolute. */
function placeCall<C extends PlainCall>(call: C, startDir: string | null): C {
  return call.fromStart === null || startDir === null ? call : { ...call, path: path.resolve(startDir, call.fromStart), anchored: true };
}

/** A run as the script's start places it: its cwd and relative targets from the start directory, the callers' environment under its own. */
export function placeRun<R extends PlainRun>(run: R, start: ScriptStart): R {
  const cwd = run.cwd ?? (start.dir !== null && run.cwdFromStart !== null ? path.resolve(start.dir, run.cwdFromStart) : null);
  // A containerized pytest gets the container's environment, not the caller's.
  const inherited = start.env !== null && !run.container && start.env.size > 0;
  if (cwd === run.cwd && !inherited) return run;
  const env = inherited ? new Map([...start.env!, ...run.env]) : run.env;
  return { ...run, cwd, cwdFromStart: cwd === null ? run.cwdFromStart : null, targets: resolveTargets(run.rawTargets, cwd), env };
}

/**
 * The index keeps plain facts by path (where each script starts, which folders its runs reach, whom it
 * calls, which Python files it names) and no model: the models of a thousand scripts, their trees and what
 * the rules expand in them held about 80 MiB on the bench's 500-suite tree for the whole run. Models are
 * built from the files the project has loaded; the engine releases those after each suite (see
 * `Project.releaseSuiteFiles`), so a suite reads fresh models of the scripts it needs (or the model the
 * index read, kept for the first suite that reads it: KEPT_SCRIPT_TEXT), and identity holds within a
 * suite (the same file, the same model).
 */
function buildIndex(project: Project): ScriptIndex {
  const paths: string[] = [];
  const order = new Map<string, number>();
  const byPath: ScriptLookup = {
    get(scriptPath) {
      if (!order.has(scriptPath)) return undefined;
      const discovered = project.files.get(scriptPath);
      const file = discovered ? project.load(discovered) : null;
      return (file && shellScript(file)) ?? undefined;
    },
  };
  const inOrder = (scripts: Iterable<ShellScript>): ShellScript[] => {
    const unique = new Map<string, ShellScript>();
    for (const script of scripts) if (!unique.has(script.file.path)) unique.set(script.file.path, script);
    return [...unique.values()].sort((a, b) => order.get(a.file.path)! - order.get(b.file.path)!);
  };
  // Paths put in order first, so that each script is looked up (and, after a release, loaded) once.
  const scriptsAt = (found: Iterable<string>): ShellScript[] =>
    [...new Set(found)]
      .filter((scriptPath) => order.has(scriptPath))
      .sort((a, b) => order.get(a)! - order.get(b)!)
      .flatMap((scriptPath) => byPath.get(scriptPath) ?? []);

  // Asked by every suite's app model, from the scripts' texts: answered first, and loading each script then
  // takes the text read for it.
  scriptsSetPythonPath(project);
  // Each script's facts are read off its model, which stays for the suite that reads it while the kept
  // text allows (KEPT_SCRIPT_TEXT), and goes at once beyond: with every model of a tree of thousands alive
  // until the last was read, the young generation's collections copied them all, again and again.
  const facts: ScriptFacts[] = [];
  /** Each script's runs, by its place in `facts`, as the model reads them (placed once the starts are known). */
  const unplacedRuns: PlainRun[][] = [];
  let keptText = 0;
  const mayRunOrCall = runOrCallTest(project.files.ofLanguage('shell').map((file) => file.path));
  for (const discovered of project.files.ofLanguage('shell')) {
    // A script that can neither run pytest nor call another project script adds nothing the index keeps
    // but its place and folder: it is not parsed here, only its text is read (and its start is fitted
    // when a suite reads its model).
    if (project.ruledOutByText(discovered.path, (text) => mayRunOrCall(discovered.path, text))) {
      order.set(discovered.path, paths.length);
      paths.push(discovered.path);
      facts.push(unmodelledFacts(discovered.path));
      unplacedRuns.push([]);
      continue;
    }
    const file = project.load(discovered);
    if (!file) continue;
    const script = shellScript(file);
    if (script) {
      order.set(file.path, paths.length);
      paths.push(file.path);
      facts.push(scriptFacts(script));
      unplacedRuns.push(pytestRuns(script).map(({ cwd, cwdFromStart, container, env, rawTargets, targets }) => ({ cwd, cwdFromStart, container, env, rawTargets, targets })));
    }
    if (script && keptText + file.text.length <= KEPT_SCRIPT_TEXT) {
      keptText += file.text.length;
      project.keepUntilRead(file.path);
    } else project.releaseFile(file.path);
  }
  const starts = inferStarts(project, facts);
  const fitted = new Map<string, ScriptStart>();
  const startOfScript = (script: ShellScript): ScriptStart => {
    const start = startOf(starts, script.file.path);
    if (start.how !== 'unfitted') return start;
    let fit = fitted.get(script.file.path);
    if (!fit) {
      fit = fitStart(project, script, start);
      fitted.set(script.file.path, fit);
    }
    return fit;
  };

  const runsOf = (script: ShellScript): PytestRun[] => {
    let runs = placedRuns.get(script.file);
    if (!runs) {
      const start = startOfScript(script);
      runs = pytestRuns(script).map((run) => placeRun(run, start));
      placedRuns.set(script.file, runs);
    }
    return runs;
  };
  const callsOf = (script: ShellScript): ScriptCall[] => {
    let calls = placedCalls.get(script.file);
    if (!calls) {
      const dir = startOfScript(script).dir;
      calls = scriptCalls(script).map((call) => placeCall(call, dir));
      placedCalls.set(script.file, calls);
    }
    return calls;
  };

  // A run reaches a folder when one of its targets is inside it (key: the target and each folder above it),
  // when a target is the folder or above it (key: the target), or when it has no target and runs in or above
  // it (key: its working directory). Keys are exact paths, so a lookup walks up from the suite folder.
  const below = new Map<string, Set<string>>();
  const at = new Map<string, Set<string>>();
  const add = (map: Map<string, Set<string>>, key: string, scriptPath: string): void => {
    const set = map.get(key);
    if (set) set.add(scriptPath);
    else map.set(key, new Set([scriptPath]));
  };
  const namedPythonTargets = new Set<string>();
  // The callers of each script (absolute path), in discovery order.
  const callers = new Map<string, string[]>();
  for (const [index, { path: scriptPath, calls }] of facts.entries()) {
    const start = startOf(starts, scriptPath);
    for (const run of unplacedRuns[index]!.map((unplaced) => placeRun(unplaced, start))) {
      const targets = [...run.targets];
      for (const target of run.targets) if (target.endsWith('.py')) namedPythonTargets.add(target.split('::')[0]!);
      if (run.cwd !== null) targets.push(run.cwd);
      for (const target of targets) {
        add(at, target, scriptPath);
        for (const dir of ancestorsOrSelf(target)) add(below, dir, scriptPath);
      }
    }
    for (const call of calls.map((unplaced) => placeCall(unplaced, start.dir))) {
      if (call.path === null) continue;
      const list = callers.get(call.path);
      if (!list) callers.set(call.path, [scriptPath]);
      else if (list[list.length - 1] !== scriptPath) list.push(scriptPath);
    }
  }

  let outside: string[] | null = null;
  return {
    paths,
    byPath,
    inOrder,
    namedPythonTargets,
    callsTo: (target) =>
      (callers.get(target) ?? []).flatMap((callerPath) => {
        const script = byPath.get(callerPath);
        return script ? callsOf(script).filter((call) => call.path === target).map((call) => ({ script, call })) : [];
      }),
    startOf: startOfScript,
    runsOf,
    callsOf,
    under: (dir) => scriptsAt(project.files.under(dir).map((file) => file.path)),
    mayRun: (dir) => {
      const found: string[] = [...(below.get(dir) ?? [])];
      for (const above of ancestorsOrSelf(dir)) found.push(...(at.get(above) ?? []));
      return scriptsAt(found);
    },
    outsideSuites: () => {
      // Asked by a suite that found no DB script of its own: read once, then kept as paths.
      outside ??= (() => {
        const suiteDirs = projectSuiteDirs(project).map((dir) => path.join(project.root, dir));
        return paths.filter((scriptPath) => {
          if (suiteDirs.some((dir) => isWithin(scriptPath, dir))) return false;
          const script = byPath.get(scriptPath);
          return script !== undefined && isDbScript(script);
        });
      })();
      return scriptsAt(outside);
    },
  };
}
