// A suite's DB scripts as the DB rules see them: the scripts and the postgres containers they start, the
// words of a run (as written, statically known or not), the removals and `docker exec`s that concern a
// container, and where commands run (case arms, call sites). Readiness checks and waits are in
// readiness.ts, the image's data directory and mounts in pgdata.ts.
import path from 'node:path';
import type { Suite } from './suite.js';
import { lineEnding, type SourceFile } from '../source.js';
import { shellScript, type ShellCommand, type ShellScript, type ShellWord } from './shell.js';
import {
  dockerRemovals,
  dockerRuns,
  isPostgresImage,
  type DockerExec,
  type DockerRemoval,
  type DockerRun,
} from './docker.js';
import { suiteScripts } from './scripts.js';

export interface PostgresRun {
  script: ShellScript;
  run: DockerRun;
}

/** The `docker run`/`podman run` commands of the suite's DB scripts that start a postgres image. */
export function postgresRuns(suite: Suite): PostgresRun[] {
  const result: PostgresRun[] = [];
  for (const script of uniqueScripts(suiteScripts(suite).dbScripts)) {
    for (const run of dockerRuns(script)) {
      if (run.image?.name && isPostgresImage(run.image.name)) result.push({ script, run });
    }
  }
  return result;
}

/** The suite's DB scripts, each once. */
export function dbScriptsOf(suite: Suite): ShellScript[] {
  return uniqueScripts(suiteScripts(suite).dbScripts);
}

/** The suite's runners, each once. */
export function runnersOf(suite: Suite): ShellScript[] {
  return uniqueScripts(suiteScripts(suite).runners);
}

/** Every shell script that belongs to the suite: DB scripts, runners and the shell files inside its directory. */
export function allSuiteScripts(suite: Suite): ShellScript[] {
  const { dbScripts, runners } = suiteScripts(suite);
  const inside = suite.files.filter((file) => file.language === 'shell').map((file) => shellScript(file));
  return uniqueScripts([...dbScripts, ...runners, ...inside.filter((script): script is ShellScript => script !== null)]);
}

function uniqueScripts(scripts: ShellScript[]): ShellScript[] {
  const seen = new Set<string>();
  return scripts.filter((script) => {
    if (seen.has(script.file.path)) return false;
    seen.add(script.file.path);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// Raw text of words

/** The source text of a word as written (quotes and all). */
export function rawText(file: SourceFile, word: ShellWord): string {
  return file.text.slice(word.node.startIndex, word.node.endIndex);
}

/** A word's text as a reader compares names: quotes dropped, `${X}` written `$X`. */
export function normalizedText(text: string): string {
  return text.replace(/["']/g, '').replace(/\$\{(\w+)\}/g, '$$$1');
}

/** Could two words name the same thing? Known values compare exactly; otherwise the written text must agree, unless one is unknown. */
export function mayBeSame(a: ShellWord, b: ShellWord): boolean {
  if (a.value !== null && b.value !== null) return a.value === b.value;
  if (normalizedText(a.text) === normalizedText(b.text)) return true;
  return a.value === null || b.value === null;
}

// ---------------------------------------------------------------------------------------------
// Removals and exec

/** Does any of `words` possibly name the container `name`? Unknown words count. */
export function namesContainer(words: ShellWord[], name: ShellWord | null): boolean {
  if (name === null) return true;
  if (words.some((word) => word.multi)) return true;
  return words.some((word) => mayBeSame(word, name));
}

/** The `docker rm`/`stop`/`kill` commands of a script that may concern the container `name`. */
export function removalsOf(script: ShellScript, name: ShellWord | null): DockerRemoval[] {
  return dockerRemovals(script).filter((removal) => namesContainer(removal.containers, name));
}

export interface ExecEnv {
  env: Map<string, string | null>;
  /** True when the environment cannot be fully known (`--env-file`, unknown words). */
  unknown: boolean;
}

/** The environment a `docker exec` sets with `-e`/`--env`/`--env-file`. */
export function execEnv(exec: DockerExec): ExecEnv {
  const env = new Map<string, string | null>();
  let unknown = false;
  for (const option of exec.options) {
    if (option.flag === 'env-file') unknown = true;
    if (option.flag !== 'e' && option.flag !== 'env') continue;
    const text = option.value?.value ?? null;
    if (text === null) {
      unknown = true;
      continue;
    }
    const eq = text.indexOf('=');
    if (eq < 0) env.set(text, null);
    else env.set(text.slice(0, eq), text.slice(eq + 1));
  }
  return { env, unknown };
}

// ---------------------------------------------------------------------------------------------
// Where commands run

/** Arms that only inspect the database: a readiness check there does not make `start` wait. */
const INSPECTION_ARMS = new Set(['status', 'logs', 'log', 'ps', 'info', 'psql', 'shell', 'sh', 'console', 'connect', 'help', '-h', '--help', '*']);

export { armsCompatible } from './shell/paths.js';

/** Does any run of `before` come before some run of `after` on the same path (see `ShellScript.runsBefore`)? */
export function runsBefore(script: ShellScript, before: ShellCommand, after: ShellCommand): boolean {
  const later = script.runsOf(after);
  return script.runsOf(before).some((first) => later.some((second) => script.runsBefore(first, second)));
}

/** Does the command run at all (not only in a function nothing calls)? */
export function runs(script: ShellScript, command: ShellCommand): boolean {
  return script.runsOf(command).length > 0;
}

/** Are these arms all of the inspection kind (`status`, `logs`...)? */
export function onlyInspectionArms(arms: string[] | null): boolean {
  return arms !== null && arms.length > 0 && arms.every((arm) => INSPECTION_ARMS.has(arm));
}

/** The 0-based offset of the start of the line holding `offset`. */
export function lineStartOf(file: SourceFile, offset: number): number {
  return file.text.lastIndexOf('\n', offset - 1) + 1;
}

/** Strips trailing slashes (but keeps `/`). */
export function normalizePath(value: string): string {
  const trimmed = value.replace(/\/+$/, '');
  return trimmed === '' ? '/' : path.posix.normalize(trimmed);
}

/** Does the arg list hold a word that may stand for several unknown words (an unknown array, `$EXTRA_ARGS`)? */
export function hasUnknownWords(command: ShellCommand): boolean {
  return command.args.some((word) => word.multi);
}

// ---------------------------------------------------------------------------------------------
// Edits and what a word is known to be

/** Inserts `--tmpfs PATH` before the image word, as a continuation line when the run is written one flag per line. */
export function insertBeforeImage(file: SourceFile, image: ShellWord, flag: string): { start: number; end: number; text: string } {
  const at = image.node.startIndex;
  const lineStart = lineStartOf(file, at);
  const indent = file.text.slice(lineStart, at);
  const eol = lineEnding(file);
  const previousLineEnd = lineStart - eol.length;
  const continued = lineStart > 0 && /\\$/.test(file.text.slice(lineStartOf(file, Math.max(0, previousLineEnd)), Math.max(0, previousLineEnd)));
  if (/^[ \t]*$/.test(indent) && continued) {
    return { start: lineStart, end: lineStart, text: `${indent}${flag} \\${eol}` };
  }
  return { start: at, end: at, text: `${flag} ` };
}

/**
 * Does the word read a variable the script never assigns (`$PG_VERSION` set by the caller, if at all)?
 * The shell model expands such variables to '' (as bash would with an empty environment); these rules
 * treat them as unknown instead, since CI or the developer may set them.
 */
export function readsUnassigned(script: ShellScript, word: ShellWord): boolean {
  for (const match of word.text.matchAll(/\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))/g)) {
    const name = match[1] ?? match[2]!;
    if (!script.assignments.some((assignment) => assignment.name === name)) return true;
  }
  return false;
}

/** Is the word's value statically known (and not made of variables the caller may set)? */
export function isKnown(script: ShellScript, word: ShellWord): boolean {
  return word.value !== null && !word.multi && !readsUnassigned(script, word);
}
