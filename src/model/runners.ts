// One model of the runner, whatever defines it: a shell script, a Makefile target, a CI workflow job.
//
// A runner is a sequence of shells run in order: a script is one shell; a Makefile target is one shell
// per recipe line (the whole recipe under `.ONESHELL`), its prerequisites' lines first; a workflow job
// is one shell per `run:` step; a tox environment one shell per command. A failing shell ends the
// runner, except that a shell may ignore its own failure (make's and tox's `-` prefix, a step's
// `continue-on-error`), and a shell may run after a failure (a CI step's `if: always()`, tox's
// `commands_post`). Each shell maps the nodes of its text back to the file that defines it, so that the
// runner rules (SL601-SL603, SL605, SL606) report in the script, the Makefile, tox.ini or the workflow
// without knowing which. The readers (src/readers/makefile.ts, workflow-runners.ts, tox.ts) build the shells.
import type Parser from 'tree-sitter';
import type { Range } from '../rule.js';
import { nodeRange, offsetRange, type SourceFile } from '../source.js';
import type { ShellCommand, ShellScript } from './shell.js';
import { isDbScript, pytestRuns, scriptCalls, suiteRelation, suiteScripts, type PytestRun, type SuiteRelation } from './scripts.js';
import { failureEndsScript, statusVerdict, topStatement, statementsAfter } from './runner.js';
import type { Suite } from './suite.js';
import { makeRunners } from './make-runs.js';
import { workflowRunners } from '../readers/workflow-runners.js';
import { toxRunners } from './tox-runs.js';
import { calledRuns } from './called-runs.js';
import { perSuite } from './suite-caches.js';

type Node = Parser.SyntaxNode;

export type RunnerKind = 'script' | 'make' | 'ci' | 'tox';

/** One shell a runner runs: the script itself, a recipe line, a step's `run:`. */
export interface RunnerShell {
  script: ShellScript;
  /** The file that defines the shell: the script, the Makefile, the workflow. */
  file: SourceFile;
  /** Where a node of the shell is in `file`. */
  range(node: Node): Range;
  /** Offsets of a node's text in `file` when that text is there verbatim (for edits); null otherwise. */
  offsets(node: Node): [number, number] | null;
  /** A failure of this shell neither stops the runner nor reaches its status: make's `-` line, `continue-on-error: true`. */
  ignoresErrors: boolean;
  /** How the shell ignores errors, for messages: "the `-` prefix of the recipe line". */
  ignoresHow: string | null;
  /** Runs even after an earlier shell failed: a step with `if: always()` / `failure()` / `!cancelled()`. */
  always: boolean;
  /** For a project script a step or recipe line calls: that shell, and the command in it that calls the script. */
  calledFrom?: { shell: RunnerShell; command: ShellCommand };
}

export interface Runner {
  kind: RunnerKind;
  /** The file that defines the runner. */
  file: SourceFile;
  /** For messages, with its backticks: `` `scripts/test.sh` ``, `` `Makefile` target `test` ``, `` step `Tests` of job `test` (`.github/workflows/ci.yml`) ``. */
  label: string;
  /** The shells in the order they run. */
  shells: RunnerShell[];
  /** The runner (a prerequisite, an earlier step, a DB script it calls, a CI service) starts a database. */
  startsDatabase: boolean;
}

export interface RunnerRun {
  runner: Runner;
  shell: RunnerShell;
  run: PytestRun;
  relation: SuiteRelation;
}

export interface SuiteRunners {
  runners: Runner[];
  /** Each pytest run that reaches the suite once, with the first runner that runs it. */
  runs: RunnerRun[];
  /** Every runner's own runs, a run that several runners share in each of them. */
  runsOf: Map<Runner, RunnerRun[]>;
}

/**
 * A shell written inside another file (a Makefile recipe line, a workflow step's `run:`, a tox command):
 * `toOuter` maps an offset of the shell's text to the file's; a node's text may be edited only where it
 * stands in the file verbatim (no make `$$`, no YAML folding in between).
 */
export function embeddedShell(script: ShellScript, file: SourceFile, toOuter: (offset: number) => number, role: Pick<RunnerShell, 'ignoresErrors' | 'ignoresHow' | 'always'>): RunnerShell {
  return {
    script,
    file,
    range: (node) => {
      const start = toOuter(node.startIndex);
      return offsetRange(file, start, Math.max(start, toOuter(node.endIndex)));
    },
    offsets: (node) => {
      const start = toOuter(node.startIndex);
      const end = start + (node.endIndex - node.startIndex);
      return file.text.slice(start, end) === node.text ? [start, end] : null;
    },
    ...role,
  };
}

/** A shell script as its own file: positions are the file's. */
export function scriptShell(script: ShellScript): RunnerShell {
  return {
    script,
    file: script.file,
    range: nodeRange,
    offsets: (node) => [node.startIndex, node.endIndex],
    ignoresErrors: false,
    ignoresHow: null,
    always: false,
  };
}

/** Does the shell start a database: a postgres `docker run`, `docker compose up`, `docker start`, a DB script's `start`? */
export function shellStartsDatabase(script: ShellScript): boolean {
  if (isDbScript(script)) return true;
  const starts = new Set(scriptCalls(script).filter((call) => call.argument === 'start').map((call) => call.command));
  return script.commands.some((command) => {
    const words = command.args.map((arg) => arg.value);
    if (command.name === 'docker-compose' || command.name === 'podman-compose') return words.includes('up');
    if (command.name === 'docker' || command.name === 'podman') return (words[0] === 'compose' && words.includes('up')) || words[0] === 'start';
    return starts.has(command);
  });
}

/**
 * Does a failure of pytest make its shell fail? Under errexit with pytest unguarded it ends the shell;
 * otherwise only when pytest is the shell's last command, outside conditions and lists. Anything else
 * (pytest guarded by `||`, followed by other commands) is unknown, and false.
 */
export function failureFailsShell(script: ShellScript, command: ShellCommand): boolean {
  if (command.functionName || command.inSubstitution || command.background || command.inSubshell) return false;
  if (failureEndsScript(command)) return true;
  if (command.inCondition) return false;
  const statement = topStatement(command.node);
  if (!statement || statementsAfter(statement).length > 0) return false;
  if (statusVerdict(script, command, () => false).kind !== 'ok') return false;
  const own = command.statement;
  const unit = own.parent?.type === 'pipeline' ? own.parent : own;
  return unit.id === statement.id || (statement.type === 'list' && statement.namedChildren[statement.namedChildren.length - 1]?.id === unit.id);
}

const cache = perSuite<SuiteRunners>();

/** Every runner of the suite, of every kind, and the pytest runs that reach it. */
export function suiteRunners(suite: Suite): SuiteRunners {
  const cached = cache.get(suite);
  if (cached) return cached;
  const runners: Runner[] = [];
  const runs: RunnerRun[] = [];
  // A recipe line is one shell in every target that runs it (as a prerequisite too): its runs count once.
  const seen = new WeakMap<ShellScript, Set<number>>();
  const runsOf = new Map<Runner, RunnerRun[]>();
  const add = (runner: Runner, shell: RunnerShell, run: PytestRun, relation: SuiteRelation): void => {
    let own = runsOf.get(runner);
    if (!own) runsOf.set(runner, (own = []));
    own.push({ runner, shell, run, relation });
    let indexes = seen.get(shell.script);
    if (!indexes) seen.set(shell.script, (indexes = new Set()));
    if (indexes.has(run.command.index)) return;
    indexes.add(run.command.index);
    runs.push({ runner, shell, run, relation });
  };

  const scripts = suiteScripts(suite);
  const byScript = new Map<ShellScript, Runner>();
  for (const { script, run, relation } of scripts.runs) {
    let runner = byScript.get(script);
    if (!runner) {
      const startsDatabase = isDbScript(script) || scripts.dbCalls.some((call) => call.script === script);
      runner = { kind: 'script', file: script.file, label: `\`${suite.project.relative(script.file.path)}\``, shells: [scriptShell(script)], startsDatabase };
      byScript.set(script, runner);
      runners.push(runner);
    }
    add(runner, runner.shells[0]!, run, relation);
  }
  for (const found of [...makeRunners(suite), ...toxRunners(suite), ...workflowRunners(suite)]) {
    runners.push(found.runner);
    for (const { shell, run, relation } of found.runs) add(found.runner, shell, run, relation);
  }
  const result = { runners, runs, runsOf };
  cache.set(suite, result);
  return result;
}

/** A runner of one kind with the runs in it that reach the suite, as the readers hand them over. */
export interface FoundRunner {
  runner: Runner;
  runs: Array<{ shell: RunnerShell; run: PytestRun; relation: SuiteRelation }>;
}

/** The pytest runs on the suite a shell reaches: its own, and those of the project scripts it calls (see calledShellRuns). */
export function shellRuns(suite: Suite, shell: RunnerShell): FoundRunner['runs'] {
  const result: FoundRunner['runs'] = [];
  for (const run of pytestRuns(shell.script)) {
    const relation = suiteRelation(run, suite);
    if (relation) result.push({ shell, run, relation });
  }
  result.push(...calledShellRuns(suite, shell));
  return result;
}

/**
 * The pytest runs on the suite that a shell (a recipe line, a step) reaches through the project scripts it
 * calls, each in a shell of the script's own file: the run is reported where it is written. The script's
 * failure is ignored as the caller's is only when the call's failure fails the caller.
 */
export function calledShellRuns(suite: Suite, caller: RunnerShell): FoundRunner['runs'] {
  const result: FoundRunner['runs'] = [];
  const scripts = new Map<ShellScript, RunnerShell>();
  for (const { call, script, run } of calledRuns(suite.project, caller.script)) {
    const relation = suiteRelation(run, suite);
    if (!relation) continue;
    let own = scripts.get(script);
    if (!own) {
      const ignores = caller.ignoresErrors && failureFailsShell(caller.script, call.command);
      own = { ...scriptShell(script), ignoresErrors: ignores, ignoresHow: ignores ? caller.ignoresHow : null, always: caller.always, calledFrom: { shell: caller, command: call.command } };
      scripts.set(script, own);
    }
    result.push({ shell: own, run, relation });
  }
  return result;
}
