// The commonest command line, `smoke-lint FILE...` (pre-commit passes the staged files), without yargs.
// Loading yargs and building its parser (its help layout measures text with `string-width`, which builds
// an `Intl.Segmenter` at load) cost a pre-commit run on a staged file about as much as the run's own work.
// yargs stays the parser of every other command line: help, errors, options and subcommands. An argv is
// taken here only when each word is a plain path that exists (no option, nothing yargs reads as a command
// or as a request for help), and it then means exactly what yargs makes of it: the check command with its
// defaults and those paths (test/plain-paths.test.ts compares the two on a range of argv shapes).
import { statSync } from 'node:fs';
import path from 'node:path';

/** What the check command reads of its arguments. */
export interface CheckArgs {
  paths: string[] | undefined;
  format: string;
  select: string | undefined;
  ignore: string | undefined;
  config: string | undefined;
  'fail-on': 'error' | 'warning' | undefined;
  'exit-zero': boolean;
  quiet: boolean;
  color: boolean | undefined;
  fix: boolean;
  'unsafe-fixes': boolean;
  diff: boolean;
  'show-fixes': boolean;
  'exit-non-zero-on-fix': boolean;
  'output-file': string | undefined;
  statistics: boolean;
  baseline: string | undefined;
  'write-baseline': string | undefined;
}

/** The check command's arguments when no option is given: its yargs options take their defaults from here (src/cli.ts). */
export const PLAIN_CHECK_ARGS: Readonly<CheckArgs> = Object.freeze({
  paths: undefined,
  format: 'pretty',
  select: undefined,
  ignore: undefined,
  config: undefined,
  'fail-on': undefined,
  'exit-zero': false,
  quiet: false,
  color: undefined,
  fix: false,
  'unsafe-fixes': false,
  diff: false,
  'show-fixes': false,
  'exit-non-zero-on-fix': false,
  'output-file': undefined,
  statistics: false,
  baseline: undefined,
  'write-baseline': undefined,
});

/** The fields of CheckArgs from what yargs parsed (which also holds aliases, `_` and `$0`). */
export function checkArgsOf(args: CheckArgs): CheckArgs {
  const picked = {} as Record<keyof CheckArgs, unknown>;
  for (const key of Object.keys(PLAIN_CHECK_ARGS) as Array<keyof CheckArgs>) picked[key] = args[key];
  return picked as CheckArgs;
}

/**
 * Words yargs does not take as a path: the commands (src/cli.ts) as the first word, and `help` as the
 * last one (yargs shows the help for it). Refused in any place, which only sends more argvs to yargs.
 */
const SPECIAL_WORDS = new Set(['check', 'rule', 'rules', 'init', 'server', 'suites', 'help']);

/**
 * The paths of an argv that is nothing but plain paths of existing files or folders (relative to `cwd`);
 * null for anything else, which yargs parses. An empty argv is the check command on `.`, as for yargs.
 */
export function plainPaths(argv: readonly string[], cwd: string): string[] | null {
  for (const word of argv) {
    if (word === '' || word.startsWith('-') || SPECIAL_WORDS.has(word)) return null;
    if (!exists(path.resolve(cwd, word))) return null;
  }
  return [...argv];
}

function exists(target: string): boolean {
  try {
    return statSync(target, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false; // unreadable, a loop, a NUL byte: yargs's path, and the engine's error
  }
}
