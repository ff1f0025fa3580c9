// The shell model's public vocabulary: what rules read about a script (words, commands, traps,
// assignments, options) and the queries a `ShellScript` answers. No logic here; the model that
// implements it is in model.ts, built by the walk (walk.ts) over a mirror of the tree (light-tree.ts).
import type Parser from 'tree-sitter';
import type { SourceFile } from '../../source.js';

type SyntaxNode = Parser.SyntaxNode;

/** Marks an unknown part inside a template (`postgres://${U}:5433` → `postgres://\0:5433`). */
export const HOLE = '\u0000';

/** One word of a command line after expansion: what rules read instead of raw node text. */
export interface ShellWord {
  node: SyntaxNode;
  /** The source text of the node the word came from (for a spliced array, the array element). */
  text: string;
  /** The word as bash would expand it (quotes removed, variables resolved), or null when not statically known. */
  value: string | null;
  /** Like `value`, with HOLE standing for each unknown part, so that known parts (`-e KEY=$UNKNOWN`) stay usable. */
  template: string;
  /** True when the word may stand for any number of words: an unquoted unknown expansion, an unknown array, a glob. */
  multi: boolean;
}

/** The enclosing case arm of a command: which `case "$1" in start)` branch runs it. */
export interface CaseArm {
  node: SyntaxNode; // the case_item
  patterns: string[];
  /** The source text of the case subject, e.g. `"$1"`. */
  subject: string;
}

/** One simple command and everything a rule needs to know about where and how it runs. */
export interface ShellCommand {
  /** The `command` node. */
  node: SyntaxNode;
  /** What runs once wrappers are peeled off (src/model/shell/wrappers.ts keeps its answer here); undefined until asked. */
  effective: unknown;
  /** Where the `command` node starts and ends (offsets into the text), read without materializing it. */
  start: number;
  end: number;
  /** The node that spans the command with its redirections (a `redirected_statement`, or the command itself). */
  statement: SyntaxNode;
  /** The source text of `statement`, read without materializing the node (cheap to ask of every command). */
  statementText: string;
  /** Redirections attached to the command (`2>/dev/null`, heredocs). */
  redirects: SyntaxNode[];
  /** Index in `ShellScript.commands`. */
  index: number;
  /** Resolved command name ('docker', 'pytest', '/abs/scripts/../x.sh'); null when not statically known. */
  name: string | null;
  /** The word the name came from. */
  nameWord: ShellWord | null;
  /** Arguments after the name, with arrays spliced and known unquoted expansions split. */
  args: ShellWord[];
  /** `VAR=value` assignments before the command (they set the command's environment only). */
  prefixEnv: Map<string, ShellWord>;
  /** Enclosing function, if any. */
  functionName: string | null;
  /** Patterns of the enclosing case item (e.g. ['start']); null outside case arms. */
  caseArms: string[] | null;
  caseArm: CaseArm | null;
  /** `set -e` (or `-o errexit`, or `#!/bin/bash -e`) in force here, straight-line in document order; see `ShellScript.optionsAt`. */
  errexit: boolean;
  pipefail: boolean;
  /** Part of an if/while/until condition, a `!` negation, or left of `&&`/`||`: errexit does not apply. */
  inCondition: boolean;
  /** Position in a pipeline of more than one command. */
  pipelinePosition: { index: number; length: number } | null;
  /** Runs in a subshell: `( ... )`, a pipeline element, a command substitution, or in the background. */
  inSubshell: boolean;
  /** Inside `$(...)`, backticks or `<(...)`. */
  inSubstitution: boolean;
  /** Ended by `&`. */
  background: boolean;
}

/**
 * One way a command runs when the script runs: at the top level, or through the calls that reach its
 * function (see `ShellScript.runsOf`).
 */
export interface ShellRun {
  command: ShellCommand;
  /**
   * The calls that lead to the command, outermost first: function calls (also from `case` arms, `if`
   * branches, other functions and `"$@"` dispatch), `"$0" ARM` self-invocations, and the `trap` whose
   * EXIT action runs the function. Empty for a command at the top level.
   */
  via: ShellCommand[];
  /** The case arms the run goes through, innermost first met (the command's own, else its callers'); null when none. */
  arms: string[] | null;
}

/** A `trap ACTION SIGNAL...` command. */
export interface ShellTrap {
  node: SyntaxNode;
  command: ShellCommand;
  /** The action text ('cleanup', 'docker rm -f x', '-' for a reset, '' for ignore); null when unknown. */
  action: string | null;
  /** Normalized conditions: 'EXIT', 'INT', 'TERM', 'ERR'... */
  signals: string[];
  /** Functions of this script that the action calls. */
  functions: string[];
  /** Offset in this file where the action text starts verbatim (a single-quoted action), so that fixes can edit it. */
  inlineOffset: number | null;
}

/** The `set` options that matter to the runner rules. */
export interface ShellOptions {
  errexit: boolean;
  pipefail: boolean;
  allexport: boolean;
}

/** A variable assignment statement (not a prefix assignment), for rules that look at `X=$?` and friends. */
export interface ShellAssignment {
  node: SyntaxNode;
  name: string;
  /** The value node; null for `export X`, `local X`, `unset X`, `read X`. */
  valueNode: SyntaxNode | null;
  kind: 'plain' | 'append' | 'export' | 'readonly' | 'local' | 'declare' | 'default' | 'unset' | 'read' | 'for' | 'arith';
  functionName: string | null;
}

/** Everything the shell rules query about one script. */
export interface ShellScript {
  file: SourceFile;
  /** Absolute directory of the script. */
  dir: string;
  /** The whole first line when it starts with '#!'. */
  shebang: string | null;
  /** The interpreter the shebang names ('bash', 'sh', 'zsh'...), through `/usr/bin/env`; null without shebang. */
  interpreter: string | null;
  /** Every simple command in document order, including those in functions, case arms, loops, subshells, substitutions. */
  commands: ShellCommand[];
  /** Function definitions by name (the `function_definition` node, materialized when read; the last definition wins). */
  functions: ReadonlyMap<string, SyntaxNode>;
  /** Variable assignment statements in document order. */
  assignments: ShellAssignment[];
  /** Variables exported anywhere outside functions (export, declare -x, set -a), with the offset of the first export. */
  exported: Set<string>;
  traps: ShellTrap[];
  /**
   * Value of a variable as seen at an offset: the last assignment before it in document order that surely ran on
   * the way there (an assignment in an `if` branch, a case arm, a loop, a function or right of `&&` that does not
   * enclose the offset makes the value unknown unless every candidate agrees; assignments in subshells do not
   * leak). `${VAR:-default}`/`${VAR:=default}` give the default when VAR is never assigned. Inside a function,
   * a global assigned once outside functions is seen even when assigned after the definition. Command
   * substitution is unknown, except the script-directory idioms (`$(dirname "$0")`,
   * `$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)`), which resolve to absolute paths. `$0` and
   * `${BASH_SOURCE[0]}` are the script's absolute path. Null when unknown or never assigned.
   */
  valueOf(name: string, atOffset: number): string | null;
  /** Like valueOf, but with HOLE for unknown parts; null when the variable is unset or wholly unknown. */
  templateOf(name: string, atOffset: number): string | null;
  /** Elements of an array variable at an offset (a scalar is a one-element array); null when unknown or unset. */
  arrayOf(name: string, atOffset: number): string[] | null;
  /** Is the variable surely exported (export, declare -x, set -a) at this offset? */
  isExported(name: string, atOffset: number): boolean;
  /** 'maybe' when an export (or un-export) sits in a branch that may not have run: rules stay silent then. */
  exportStateAt(name: string, atOffset: number): 'yes' | 'no' | 'maybe';
  /**
   * The environment the script hands a command at an offset: variables surely exported (value, or null when
   * unknown) and those maybe exported (null). Prefix assignments are not included: see ShellCommand.prefixEnv.
   */
  envAt(atOffset: number): Map<string, string | null>;
  /** Absolute working directory at an offset after a statically known `cd`/`pushd`; null when still the caller's (unknown). */
  cwdAt(atOffset: number): string | null;
  /**
   * The working directory at an offset relative to the one the script was started in, when it is not
   * absolute but every `cd` on the way is known: '.' before any `cd`, `api` after `cd api`, `..` after
   * `cd ..`. Null when cwdAt knows it, or when a `cd` on the way is unknown. The runner model resolves it
   * against the start directory it infers from the script's callers (src/model/script-cwd.ts).
   */
  cwdFromStart(atOffset: number): string | null;
  /** The `set` options in force at an offset (straight-line, document order, scoped by subshells). */
  optionsAt(atOffset: number): ShellOptions;
  /** The command whose `command` node this is. */
  commandFor(node: SyntaxNode): ShellCommand | undefined;
  /** Calls of a function of this script (commands named after it), outside the function itself. */
  callsOf(functionName: string): ShellCommand[];
  /** Commands in a function's body. */
  commandsIn(functionName: string): ShellCommand[];
  /** The case arms from which a command runs: its own, or (inside a function) those of the function's call sites; null when none. */
  armsOf(command: ShellCommand): string[] | null;
  /**
   * Every way the command runs (see `ShellRun`); [] when it never runs: in a function that is never
   * called, or called only before its definition has run. Recursion is cut; a function reached in very
   * many ways keeps a bounded sample of them.
   */
  runsOf(command: ShellCommand): ShellRun[];
  /**
   * Does run `a` come before run `b` in one invocation of the script? Compared where their paths part:
   * false when they part into exclusive case arms, into different functions one dynamic call may run, or
   * when one is a call that runs the other.
   */
  runsBefore(a: ShellRun, b: ShellRun): boolean;
  /** The commands a trap runs: the bodies of the functions it calls plus, for inline actions, the action parsed as a script. */
  trapCommands(trap: ShellTrap): ShellCommand[];
  /** Expands one word node as at its offset (for nodes rules find themselves, e.g. in a heredoc). */
  word(node: SyntaxNode): ShellWord;
  /** Expands a list of argument nodes into words (splicing arrays, splitting known unquoted expansions). */
  words(nodes: SyntaxNode[]): ShellWord[];
}
