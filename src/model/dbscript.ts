// Helpers shared by the DB-script rules (SL501–SL511): the postgres containers a suite's scripts start,
// where commands run (case arms, call sites), docker subcommands, `docker exec` parsing, readiness checks.
import path from 'node:path';
import type Parser from 'tree-sitter';
import type { Suite } from './suite.js';
import { lineEnding, type SourceFile } from '../source.js';
import { shellScript, type ShellCommand, type ShellScript, type ShellWord } from './shell.js';
import {
  dockerRemovals,
  dockerRuns,
  isOfficialPostgresImage,
  isPostgresImage,
  parseDockerCommand,
  type DockerExec,
  type DockerRemoval,
  type DockerRun,
} from './docker.js';
import { suiteScripts } from './scripts.js';

type Node = Parser.SyntaxNode;

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
// Readiness

const READINESS_TEXT =
  /\bpg_isready\b|\bpsql\b|\.State\.Health|\bHealth\.Status\b|\bhealthy\b|wait-for-it|\bdockerize\b|ready to accept connections|\bpg_ctl\b|\bnc\b[^\n]*\s-z|\bpsycopg\b|\basyncpg\b|\bsqlalchemy\b/;

/** Does this command check that the database accepts connections (pg_isready, psql, health status, a connect)? */
export function isReadinessCommand(_script: ShellScript, command: ShellCommand): boolean {
  // The text test first: it is cheap, and most commands fail it (the docker parse reads every argument).
  if (!READINESS_TEXT.test(command.statementText)) return false;
  const docker = parseDockerCommand(command);
  if (docker && (docker.subcommand === 'run' || docker.subcommand === 'create')) return false;
  // `docker compose exec db pg_isready` checks; `docker compose up/run ...` starts things.
  return !(docker && docker.subcommand === 'compose' && !docker.args.some((word) => word.value === 'exec'));
}

/** Tools that themselves wait until a port or service answers. */
const WAITING_TOOL = /\bwait-for-it\b|\bwait-for\b|\bdockerize\b[^\n]*-wait\b/;
const LOOP_TEXT = /\b(until|while|for)\b[^\n]*;\s*do\b/;

/**
 * Does this command wait for the database, not merely look once? A readiness check counts when it
 * repeats: inside a loop (its own, or around every call of the function that holds it), a loop inside
 * `bash -c '...'`, or a tool that waits by itself (`wait-for-it`, `dockerize -wait`). A single `psql`
 * or `pg_isready` right after `docker run`, or a `sleep`, races the server's start-up.
 */
export function isReadinessWait(script: ShellScript, command: ShellCommand): boolean {
  if (!isReadinessCommand(script, command)) return false;
  const text = command.statementText;
  if (WAITING_TOOL.test(text) || LOOP_TEXT.test(text)) return true;
  return repeats(script, command);
}

/** Is the command in a loop, or does every path that runs it go through a call in a loop? */
function repeats(script: ShellScript, command: ShellCommand): boolean {
  if (enclosingLoop(command.node)) return true;
  const paths = script.runsOf(command);
  return paths.length > 0 && paths.every((run) => run.via.some((call) => enclosingLoop(call.node) !== null));
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

/** The innermost loop (`for`, `while`, `until`) around a node, or null. */
export function enclosingLoop(node: Node, stop: Node | null = null): Node | null {
  for (let current = node.parent; current && current !== stop; current = current.parent) {
    if (current.type === 'for_statement' || current.type === 'c_style_for_statement' || current.type === 'while_statement') return current;
    if (current.type === 'function_definition') return null;
  }
  return null;
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
// The postgres image's data directory

export interface ImageFacts {
  /** The official `postgres` image (whose `latest` is 18). */
  official: boolean;
  /** An explicit major in the tag (or a digest); false for untagged, `latest`, `alpine`... */
  pinned: boolean;
  /** The major the container will run: the tag's, or 18 for an unpinned official image; null when unknown. */
  major: number | null;
}

/** What the image reference tells; null when the image (or its tag) is not statically known. */
export function imageFacts(script: ShellScript, run: DockerRun): ImageFacts | null {
  const image = run.image;
  if (!image || image.name === null || !image.tagKnown || !isKnown(script, image.word)) return null;
  const official = isOfficialPostgresImage(image.name);
  if (image.word.template.includes('@')) return { official, pinned: true, major: image.unpinned ? null : image.major };
  return { official, pinned: !image.unpinned, major: image.major };
}

/** The image's VOLUME: an anonymous volume is created there unless a mount covers exactly that path. */
export function imageVolumePath(major: number): string {
  return major >= 18 ? '/var/lib/postgresql' : '/var/lib/postgresql/data';
}

/** The data directory the image uses by default. */
export function defaultDataDir(major: number): string {
  return major >= 18 ? `/var/lib/postgresql/${major}/docker` : '/var/lib/postgresql/data';
}

export type PgdataState = { kind: 'default' } | { kind: 'explicit'; value: string; word: ShellWord } | { kind: 'unknown' };

/** `-e PGDATA=...` as given to the run; unknown when its value (or an env file) cannot be read. */
export function pgdataOf(script: ShellScript, run: DockerRun): PgdataState {
  const entry = run.env.get('PGDATA');
  if (entry) {
    if (entry.value === null || readsUnassigned(script, entry.word)) return { kind: 'unknown' };
    return { kind: 'explicit', value: normalizePath(entry.value), word: entry.word };
  }
  if (run.envFiles.length > 0 || !run.optionsKnown) return { kind: 'unknown' };
  return { kind: 'default' };
}

export interface MountTarget {
  word: ShellWord;
  /** Normalized target path; null when unknown. */
  path: string | null;
  tmpfs: boolean;
}

/** Every mount of the run: `--tmpfs`, `--mount`, `-v`. */
export function mountTargets(script: ShellScript, run: DockerRun): MountTarget[] {
  const targets: MountTarget[] = [];
  const known = (word: ShellWord, target: string | null) => (target === null || target === '' || readsUnassigned(script, word) ? null : normalizePath(target));
  for (const entry of run.tmpfs) targets.push({ word: entry.word, path: known(entry.word, entry.path), tmpfs: true });
  for (const entry of run.mounts) targets.push({ word: entry.word, path: known(entry.word, entry.target), tmpfs: entry.type === 'tmpfs' });
  return targets;
}

export const OLD_DATA_DIR = '/var/lib/postgresql/data';

/** Does a tmpfs on `mount` hold the data of a server whose data dir is `dataDir`, with no image volume shadowing it? */
export function tmpfsCovers(mount: string, dataDir: string, volumePath: string | null): boolean {
  const holds = dataDir === mount || dataDir.startsWith(`${mount}/`);
  if (!holds) return false;
  if (volumePath === null) return true;
  return mount === volumePath || mount.startsWith(`${volumePath}/`);
}

/** Would postgres 18+ refuse to start: a mount on the old data dir while PGDATA is left at its default? */
export function breaksPostgres18(script: ShellScript, run: DockerRun): MountTarget | null {
  const facts = imageFacts(script, run);
  if (!facts || facts.major === null || facts.major < 18) return null;
  if (pgdataOf(script, run).kind !== 'default') return null;
  return mountTargets(script, run).find((mount) => mount.path === OLD_DATA_DIR) ?? null;
}

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
