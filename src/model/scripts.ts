// What the shell scripts of a project do for a suite: which ones run pytest on it (runners), which
// ones start its PostgreSQL (DB scripts), and how they call each other.
import path from 'node:path';
import type { Suite } from './suite.js';
import { scriptIndex } from './script-index.js';
import { effectiveCommand, resolvePath, withTemplate, type ShellCommand, type ShellScript, type ShellWord } from './shell.js';
import { dockerRuns, isPostgresImage } from './docker.js';
import { isWithin } from '../discover.js';
import { perSuite } from './suite-caches.js';
import { perFile } from '../source.js';
import { lookupTable } from '../lookup-table.js';

/** One pytest invocation, whatever the launcher. */
export interface PytestRun {
  command: ShellCommand;
  /** How pytest is launched: 'pytest', 'python -m pytest', 'uv run pytest', 'poetry run python -m pytest'... */
  launcher: string;
  /** pytest's own arguments (after the launcher). */
  args: ShellWord[];
  /**
   * Absolute paths of the path arguments (`::test` ids cut off): absolute ones, and relative ones when the
   * cwd is known; [] when none. With the cwd the caller's, see `cwdFromStart` and placedRuns (script-cwd.ts).
   */
  targets: string[];
  /** The path arguments as written (values; null when unknown). */
  rawTargets: Array<string | null>;
  /** False when a path argument (or an unquoted `$ARGS`) could not be read: `targets` may be incomplete. */
  targetsKnown: boolean;
  /** The working directory pytest runs in, when statically known (`cd`, `env -C`); null when it is the caller's. */
  cwd: string | null;
  /** With `cwd` null: the directory pytest runs in relative to the one the script starts in ('.', `api` after `cd api`); null when unknown. */
  cwdFromStart: string | null;
  /** Environment pytest gets: exports in force, `env X=..`, prefix assignments (later ones win). A null value means set (or maybe set) to something unknown. */
  env: Map<string, string | null>;
  /**
   * pytest runs in a container (`docker compose run app pytest`, `docker exec db pytest`): its environment is the
   * container's, not the runner's, and its paths are read as if the container mounted the runner's directory.
   */
  container: boolean;
}

/** How a script calls another script. */
export interface ScriptCall {
  command: ShellCommand;
  /** Absolute, normalized path of the script called; null when it cannot be resolved statically. */
  path: string | null;
  /** The path as written (value), when known. */
  written: string | null;
  via: 'direct' | 'bash' | 'sh' | 'source';
  /** The first argument (`start`, `stop`), when known. */
  argument: string | null;
  args: ShellWord[];
  /** False when a relative path was resolved against the script's directory only because the caller's cwd is unknown. */
  anchored: boolean;
  /** A relative path written where the cwd is the script's start one (moved by known relative `cd`s): the path relative to that start; else null. */
  fromStart: string | null;
  /** The callee looks like a shell script: called through bash/sh/source, or named `*.sh`/`*.bash`. */
  looksLikeShell: boolean;
}

/** The shell side of a suite. */
export interface SuiteScripts {
  /** Scripts that `docker run`/`podman run` a postgres image: in the suite dir, called by its runners (transitively), the runners themselves, else the nearest by directory. */
  dbScripts: ShellScript[];
  /** Scripts anywhere in the project that run pytest on the suite (or an ancestor of it). */
  runners: ShellScript[];
  /** The pytest runs of the runners that reach the suite, with how they reach it. */
  runs: Array<{ script: ShellScript; run: PytestRun; relation: SuiteRelation }>;
  /** Calls from the runners (and scripts they call) to the DB scripts. */
  dbCalls: Array<{ script: ShellScript; call: ScriptCall }>;
}

/** How a pytest run reaches a suite: a target inside it, a target above it, or no target with the cwd above it. */
export type SuiteRelation = 'inside' | 'ancestor' | 'cwd';

// ---------------------------------------------------------------------------------------------

const PYTHON = /^python(\d+(\.\d+)*)?$/;
const PYTEST = /^(pytest|py\.test|pytest-3)$/;

/** Options of python itself that take a value. */
const PYTHON_VALUE = new Set(['W', 'X', 'Q']);
/** Options of `uv run` that take a value. */
const UV_RUN_VALUE = new Set([
  '--with', '-w', '--with-editable', '--with-requirements', '--extra', '--group', '--only-group', '--no-group', '--package',
  '--python', '-p', '--directory', '--project', '--env-file', '--index', '--default-index', '--index-url', '-i', '--extra-index-url',
  '--find-links', '-f', '--config-file', '--cache-dir', '--exclude-newer', '--index-strategy', '--keyring-provider',
  '--resolution', '--prerelease', '--link-mode', '--refresh-package', '--reinstall-package', '--upgrade-package', '-P',
  '--no-binary-package', '--no-build-package', '--color', '--allow-insecure-host', '--no-extra', '--python-preference',
]);
const COVERAGE_RUN_VALUE = new Set(['--rcfile', '--source', '--omit', '--include', '--concurrency', '--context', '--data-file', '-p']);

/** pytest options that take the next word as their value (plugins' common ones included). */
const PYTEST_VALUE = new Set([
  '-k', '-m', '-c', '-p', '-o', '-W', '-n', '-r', '--rootdir', '--confcutdir', '--basetemp', '--junitxml', '--junit-xml',
  '--junit-prefix', '--maxfail', '--tb', '--cov', '--cov-report', '--cov-config', '--cov-fail-under', '--durations',
  '--durations-min', '--log-level', '--log-format', '--log-date-format', '--log-cli-level', '--log-cli-format',
  '--log-cli-date-format', '--log-file', '--log-file-level', '--log-file-format', '--log-file-date-format', '--html', '--css',
  '--timeout', '--timeout-method', '--reruns', '--reruns-delay', '--only-rerun', '--dist', '--tx', '--ignore', '--ignore-glob',
  '--deselect', '--import-mode', '--capture', '--color', '--code-highlight', '--override-ini', '--pythonwarnings', '--ds', '--dc',
  '--asyncio-mode', '--alluredir', '--splits', '--group', '--count', '--randomly-seed', '--numprocesses', '--maxprocesses',
  '--json-report-file', '--report-log', '--pdbcls', '--doctest-glob', '--last-failed-no-failures', '--lfnf', '--config-file',
  '--inifile', '--strict-config-file', '--verbosity', '--max-worker-restart', '--junit-family', '--debug', '--cache-show',
  '--log-cli-format', '--benchmark-json', '--benchmark-save', '--benchmark-compare', '--mypy-ini-file', '--ds', '--env',
]);
/** Those among them whose value is optional (argparse `nargs='?'`): they take the next word only when it is not an option. */
const PYTEST_OPTIONAL_VALUE = new Set(['--cov', '--debug', '--cache-show']);
const PYTEST_SHORT_VALUE = new Set(['k', 'm', 'c', 'p', 'o', 'W', 'n', 'r']);

const runCache = perFile<PytestRun[]>();

/** Every pytest invocation of a script: pytest, py.test, python -m pytest, uv/poetry/pipenv/hatch/pdm/rye run, coverage run -m pytest, through exec/env/sudo/timeout. */
export function pytestRuns(script: ShellScript): PytestRun[] {
  const cached = runCache.get(script.file);
  if (cached) return cached;
  const result: PytestRun[] = [];
  for (const command of script.commands) {
    const effective = effectiveCommand(command);
    if (!effective.name || !mayLaunchName(effective.name) || !effective.nameWord || !mayLaunchPytest(effective.nameWord)) continue;
    const found = findPytest([effective.nameWord, ...effective.args], 0);
    if (!found) continue;
    const offset = command.start;
    let cwd = script.cwdAt(offset);
    let cwdFromStart = cwd === null ? script.cwdFromStart(offset) : null;
    if (effective.chdir) {
      const dir = effective.chdir.value;
      if (dir !== null && path.isAbsolute(dir)) {
        cwd = path.normalize(dir);
        cwdFromStart = null;
      } else {
        cwd = dir === null || cwd === null ? null : path.resolve(cwd, dir);
        cwdFromStart = dir === null || cwdFromStart === null ? null : path.posix.normalize(path.posix.join(cwdFromStart, dir));
      }
    }
    const { rawTargets, known } = pytestTargets(found.args);
    const targets = resolveTargets(rawTargets, cwd);
    const env = script.envAt(offset);
    for (const [key, word] of effective.env) env.set(key, word.value);
    const container = found.launcher.startsWith('docker') || found.launcher.startsWith('podman');
    result.push({ command, launcher: found.launcher, args: found.args, targets, rawTargets, targetsKnown: known, cwd, cwdFromStart, env, container });
  }
  runCache.set(script.file, result);
  return result;
}

/** Finds pytest at words[start], through launchers; returns pytest's own arguments. */
/** The first test of `findPytest`, on the command's name alone: the other commands' arguments need not be expanded. */
function mayLaunchPytest(head: ShellWord): boolean {
  return head.value !== null && mayLaunchName(head.value);
}

function mayLaunchName(name: string): boolean {
  const base = path.posix.basename(name);
  return PYTEST.test(base) || PYTHON.test(base) || base === 'coverage' || LAUNCHERS.includes(base) || CONTAINER_TOOLS.has(base);
}

const LAUNCHERS = ['uv', 'poetry', 'pipenv', 'pdm', 'rye', 'hatch'];
const CONTAINER_TOOLS = new Set(['docker', 'podman', 'docker-compose', 'podman-compose']);

/** `docker compose run [opts] SERVICE pytest ...`, `docker compose exec`, `docker run/exec [opts] X pytest ...`: pytest after the container's name. */
function containerPytest(base: string, rest: ShellWord[], depth: number): { launcher: string; args: ShellWord[] } | null {
  let words = rest;
  let tool = base;
  if ((base === 'docker' || base === 'podman') && words[0]?.value === 'compose') {
    tool = `${base} compose`;
    words = words.slice(1);
  }
  const compose = tool.includes('compose');
  // The compose file and project options come before the subcommand.
  let at = 0;
  while (at < words.length && words[at]!.value !== null && words[at]!.value!.startsWith('-')) at += /^-(f|p)$|^--(file|project-name|project-directory|env-file|profile)$/.test(words[at]!.value!) ? 2 : 1;
  const subcommand = words[at]?.value;
  if (subcommand !== 'run' && subcommand !== 'exec' && !(subcommand === 'container' && !compose)) return null;
  if (!compose && subcommand === 'run' && !words.slice(at + 1).some((word) => word.value !== null && !word.value.startsWith('-'))) return null;
  // The first word after the service (or container, or image) from which pytest is launched.
  for (let i = at + 2; i < words.length; i++) {
    const value = words[i]!.value;
    if (value === null || value.startsWith('-')) continue;
    const found = findPytest(words.slice(i), depth + 1);
    if (found) return { launcher: `${tool} ${subcommand} ${found.launcher}`, args: found.args };
  }
  return null;
}

function findPytest(words: ShellWord[], depth: number): { launcher: string; args: ShellWord[] } | null {
  const head = words[0];
  if (!head || head.value === null || depth > 4) return null;
  const base = path.posix.basename(head.value);
  const rest = words.slice(1);
  if (PYTEST.test(base)) return { launcher: base, args: rest };
  if (PYTHON.test(base)) {
    const module = pythonModule(rest, PYTHON_VALUE);
    return module && module.name === 'pytest' ? { launcher: `${base} -m pytest`, args: module.args } : null;
  }
  if (base === 'coverage' && rest[0]?.value === 'run') {
    const module = pythonModule(rest.slice(1), COVERAGE_RUN_VALUE, true);
    return module && module.name === 'pytest' ? { launcher: 'coverage run -m pytest', args: module.args } : null;
  }
  if (CONTAINER_TOOLS.has(base)) return containerPytest(base, rest, depth);
  if (LAUNCHERS.includes(base) && rest[0]?.value === 'run') {
    let i = 1;
    while (i < rest.length) {
      const value = rest[i]!.value;
      if (value === null) return null;
      if (value === '--') {
        i++;
        break;
      }
      if (!value.startsWith('-')) break;
      if (base === 'uv' && (value === '-m' || value === '--module')) {
        const module = rest[i + 1]?.value;
        return module === 'pytest' ? { launcher: 'uv run -m pytest', args: rest.slice(i + 2) } : null;
      }
      const eq = value.indexOf('=');
      const name = eq < 0 ? value : value.slice(0, eq);
      i += base === 'uv' && UV_RUN_VALUE.has(name) && eq < 0 ? 2 : 1;
    }
    let inner = rest.slice(i);
    // hatch runs `env:script`; `hatch run test:pytest` runs pytest in the `test` environment.
    if (base === 'hatch' && inner[0]?.value?.includes(':')) {
      const first = inner[0];
      const command = first.value!.slice(first.value!.indexOf(':') + 1);
      inner = [withTemplate(first, command), ...inner.slice(1)];
    }
    const found = findPytest(inner, depth + 1);
    return found ? { launcher: `${base} run ${found.launcher}`, args: found.args } : null;
  }
  return null;
}

/** The absolute paths of a run's path arguments: absolute ones, and relative ones against the cwd when it is known. */
export function resolveTargets(rawTargets: Array<string | null>, cwd: string | null): string[] {
  const targets: string[] = [];
  for (const target of rawTargets) {
    if (target === null) continue;
    if (path.isAbsolute(target)) targets.push(path.normalize(target));
    else if (cwd !== null) targets.push(path.resolve(cwd, target));
  }
  return targets;
}

/** `-m MODULE` among python's (or coverage's) options: the module and the arguments after it. */
function pythonModule(words: ShellWord[], valueOptions: Set<string>, long = false): { name: string; args: ShellWord[] } | null {
  for (let i = 0; i < words.length; i++) {
    const value = words[i]!.value;
    if (value === null || !value.startsWith('-') || value === '-' || value === '--') return null;
    if (value === '-m') {
      const name = words[i + 1]?.value;
      return name ? { name, args: words.slice(i + 2) } : null;
    }
    if (value.startsWith('-m') && !long) return { name: value.slice(2), args: words.slice(i + 1) };
    if (value === '-c') return null;
    if (long) {
      const eq = value.indexOf('=');
      if (eq < 0 && valueOptions.has(value)) i++;
      continue;
    }
    // Python's short options cluster (`-Bu`); `-W arg`, `-X opt` take a value; `-um pytest` ends with the module flag.
    const letters = value.slice(1);
    const mAt = letters.indexOf('m');
    if (mAt >= 0) {
      const attached = letters.slice(mAt + 1);
      if (attached) return { name: attached, args: words.slice(i + 1) };
      const name = words[i + 1]?.value;
      return name ? { name, args: words.slice(i + 2) } : null;
    }
    const last = letters[letters.length - 1]!;
    if (valueOptions.has(last)) i++;
  }
  return null;
}

/** The path arguments of a pytest command line. Unknown long options are taken as flags. */
/** pytest's path arguments among its words, and whether they could all be read. */
export function pytestTargets(args: ShellWord[]): { rawTargets: Array<string | null>; known: boolean } {
  const rawTargets: Array<string | null> = [];
  let known = true;
  let onlyOperands = false;
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    const value = word.value;
    if (word.multi) {
      known = false;
      continue;
    }
    if (!onlyOperands && value !== null && value.startsWith('-') && value !== '-') {
      if (value === '--') {
        onlyOperands = true;
        continue;
      }
      if (value.startsWith('--')) {
        if (value.includes('=')) continue;
        if (PYTEST_OPTIONAL_VALUE.has(value)) {
          const next = args[i + 1]?.value;
          if (next !== undefined && next !== null && !next.startsWith('-')) i++;
          continue;
        }
        if (PYTEST_VALUE.has(value)) i++;
        continue;
      }
      // A short cluster: the first value-taking letter takes the rest of the word, or the next word.
      for (let j = 1; j < value.length; j++) {
        if (PYTEST_SHORT_VALUE.has(value[j]!)) {
          if (j === value.length - 1) i++;
          break;
        }
      }
      continue;
    }
    if (value === null) {
      known = false;
      rawTargets.push(null);
      continue;
    }
    const cut = value.indexOf('::');
    rawTargets.push(cut >= 0 ? value.slice(0, cut) : value);
  }
  return { rawTargets, known };
}

// ---------------------------------------------------------------------------------------------

const SHELLS = lookupTable<'bash' | 'sh'>({ bash: 'bash', sh: 'sh', dash: 'sh', zsh: 'sh', ksh: 'sh', ash: 'sh' });
const SHELL_VALUE_OPTIONS = new Set(['-o', '+o', '-O', '+O', '--rcfile', '--init-file']);
const VENV_SEGMENTS = /(^|\/)(\.venv|venv|\.tox|\.nox|node_modules)\//;

const callCache = perFile<ScriptCall[]>();

/** How a script calls other scripts: `./x.sh start`, `$DIR/x.sh start`, `"$0" stop`, `bash x.sh stop`, `source x.sh`. */
export function scriptCalls(script: ShellScript): ScriptCall[] {
  const cached = callCache.get(script.file);
  if (cached) return cached;
  const result: ScriptCall[] = [];
  for (const command of script.commands) {
    const call = scriptCall(script, command);
    if (call) result.push(call);
  }
  callCache.set(script.file, result);
  return result;
}

/** The command a Python project launcher runs: `uv run bash x.sh` → `bash x.sh` (the launcher's options skipped); null when none. */
function launchedCommand(base: string, words: ShellWord[]): ShellWord[] | null {
  if (!LAUNCHERS.includes(base) || words[0]?.value !== 'run') return null;
  let i = 1;
  while (i < words.length) {
    const value = words[i]!.value;
    if (value === null) return null;
    if (value === '--') return words.slice(i + 1);
    if (!value.startsWith('-')) return words.slice(i);
    if (base === 'uv' && (value === '-m' || value === '--module')) return null;
    const eq = value.indexOf('=');
    i += base === 'uv' && UV_RUN_VALUE.has(eq < 0 ? value : value.slice(0, eq)) && eq < 0 ? 2 : 1;
  }
  return null;
}

function scriptCall(script: ShellScript, command: ShellCommand): ScriptCall | null {
  const effective = effectiveCommand(command);
  // Most commands have a known name without a slash that is no shell, no `source` and no launcher: not a
  // call, and answered without reading the command's words.
  let known = effective.name;
  if (known !== null && !known.includes('/') && known !== 'source' && known !== '.' && !SHELLS[known] && !LAUNCHERS.includes(known)) return null;
  let head = effective.nameWord;
  let words = effective.args;
  if (known !== null && LAUNCHERS.includes(known)) {
    // `uv run bash scripts/test.sh`: the script runs in the project's environment, from the same directory.
    const inner = launchedCommand(known, effective.args);
    if (!inner || inner.length === 0) return null;
    head = inner[0]!;
    words = inner.slice(1);
    known = head.multi ? null : head.value;
    if (known !== null && !known.includes('/') && known !== 'source' && known !== '.' && !SHELLS[known]) return null;
  }
  if (!head) return null;
  const make = (target: ShellWord | null, via: ScriptCall['via'], args: ShellWord[]): ScriptCall => {
    const offset = command.start;
    const written = target && !target.multi ? target.value : null;
    const cwdKnown = script.cwdAt(offset) !== null;
    const absolute = written !== null && path.isAbsolute(written);
    const resolved = written === null || written === '' ? null : resolvePath(script, written, offset);
    const looksLikeShell = via !== 'direct' || /\.(sh|bash)$/.test(written ?? target?.template ?? '');
    const start = written === null || written === '' || absolute || cwdKnown ? null : script.cwdFromStart(offset);
    const fromStart = start === null ? null : path.posix.normalize(path.posix.join(start, written!));
    return { command, path: resolved, written, via, argument: args[0]?.value ?? null, args, anchored: resolved !== null && (absolute || cwdKnown), fromStart, looksLikeShell };
  };
  const name = known;
  if (name !== null) {
    const base = path.posix.basename(name);
    if (name === 'source' || name === '.') return words[0] ? make(words[0], 'source', words.slice(1)) : null;
    const shell = SHELLS[base];
    if (shell) {
      const args = words;
      for (let i = 0; i < args.length; i++) {
        const value = args[i]!.value;
        if (value === null) return null;
        if (value === '--') return args[i + 1] ? make(args[i + 1]!, shell, args.slice(i + 2)) : null;
        if (value === '-c' || value === '-s' || /^-[a-zA-Z]*c[a-zA-Z]*$/.test(value)) return null; // a command string or stdin, not a file
        if (SHELL_VALUE_OPTIONS.has(value)) {
          i++;
          continue;
        }
        if (/^[-+]/.test(value)) continue;
        return make(args[i]!, shell, args.slice(i + 1));
      }
      return null;
    }
  }
  // A direct call: a name with a slash in it (`./x.sh`, `$DIR/x.sh`, `"$0"`), not an absolute system path or a virtualenv tool.
  const template = head.template;
  const fromScriptPath = head.text.replace(/^"/, '').startsWith('$0') || /^"?\$\{?BASH_SOURCE/.test(head.text);
  if (!template.includes('/') && !fromScriptPath) return null;
  if (head.text.startsWith('/') && !/\.(sh|bash)$/.test(name ?? '')) return null;
  if (VENV_SEGMENTS.test(template)) return null;
  return make(head.multi ? null : head, 'direct', words);
}

// ---------------------------------------------------------------------------------------------

/** How a pytest run reaches a suite directory; null when it does not (or cannot be told). */
export function suiteRelation(run: PytestRun, suite: Suite): SuiteRelation | null {
  // A relative target whose directory is unknown (the script's start could not be inferred) reaches nothing.
  let relation: SuiteRelation | null = null;
  for (const target of run.targets) {
    if (isWithin(target, suite.dir)) return 'inside';
    if (isWithin(suite.dir, target)) relation = 'ancestor';
  }
  if (relation) return relation;
  // No target: pytest collects from its cwd (or testpaths), which reaches the suite when the cwd is above it.
  if (run.rawTargets.length === 0 && run.targetsKnown && run.cwd !== null && isWithin(suite.dir, run.cwd)) return 'cwd';
  return null;
}

/** Does the script start a PostgreSQL container? */
export function isDbScript(script: ShellScript): boolean {
  return dockerRuns(script).some((run) => run.image?.name != null && isPostgresImage(run.image.name));
}

const suiteCache = perSuite<SuiteScripts>();

/** The runners and DB scripts of a suite (see SuiteScripts); cached per suite. */
export function suiteScripts(suite: Suite): SuiteScripts {
  const cached = suiteCache.get(suite);
  if (cached) return cached;
  const index = scriptIndex(suite.project);
  const byPath = index.byPath;

  const runners: ShellScript[] = [];
  const runs: SuiteScripts['runs'] = [];
  for (const script of index.mayRun(suite.dir)) {
    let isRunner = false;
    for (const run of index.runsOf(script)) {
      const relation = suiteRelation(run, suite);
      if (!relation) continue;
      runs.push({ script, run, relation });
      isRunner = true;
    }
    if (isRunner) runners.push(script);
  }

  const db = new Set<ShellScript>();
  const dbCalls: SuiteScripts['dbCalls'] = [];
  for (const script of index.under(suite.dir)) if (isWithin(script.file.path, suite.dir) && isDbScript(script)) db.add(script);
  // Follow the runners' calls (a runner may call a helper that calls the DB script).
  const seen = new Set<ShellScript>();
  let frontier = [...runners];
  for (let depth = 0; depth < 4 && frontier.length; depth++) {
    const next: ShellScript[] = [];
    for (const script of frontier) {
      if (seen.has(script)) continue;
      seen.add(script);
      if (isDbScript(script)) db.add(script);
      for (const call of index.callsOf(script)) {
        const callee = call.path ? byPath.get(call.path) : undefined;
        if (!callee || callee === script) continue;
        if (isDbScript(callee)) {
          db.add(callee);
          dbCalls.push({ script, call });
        }
        next.push(callee);
      }
    }
    frontier = next;
  }
  if (db.size === 0) {
    // Proximity: a DB script outside every suite, in a directory (or a `scripts/` folder of one) above the suite.
    for (const script of index.outsideSuites()) {
      const home = path.basename(script.dir) === 'scripts' ? path.dirname(script.dir) : script.dir;
      if (isWithin(suite.dir, home)) db.add(script);
    }
  }
  const result: SuiteScripts = { dbScripts: index.inOrder(db), runners, runs, dbCalls };
  suiteCache.set(suite, result);
  return result;
}
