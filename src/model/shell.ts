// Facts about one shell script, read off its tree-sitter-bash tree once: every simple command with
// its arguments expanded the way bash would when that is statically known, variable values at any
// offset, the `set` options in force, the working directory after `cd`, functions, traps.
//
// The evaluator resolves what a reader resolves by eye and nothing more: assignments, quoting,
// concatenation, `${VAR:-default}`, arrays, `$(dirname "$0")`-style script-directory idioms.
// Anything else is unknown, and unknown stays unknown: values that cannot be known are null (or a
// HOLE inside a template), never a guess.
import path from 'node:path';
import type Parser from 'tree-sitter';
import { fromText, type SourceFile } from '../source.js';
import { escapeRegExp } from '../glob.js';

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
  /** The node that spans the command with its redirections (a `redirected_statement`, or the command itself). */
  statement: SyntaxNode;
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
  /** Function definitions by name (the `function_definition` node; the last definition wins). */
  functions: Map<string, SyntaxNode>;
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
  /** The commands a trap runs: the bodies of the functions it calls plus, for inline actions, the action parsed as a script. */
  trapCommands(trap: ShellTrap): ShellCommand[];
  /** Expands one word node as at its offset (for nodes rules find themselves, e.g. in a heredoc). */
  word(node: SyntaxNode): ShellWord;
  /** Expands a list of argument nodes into words (splicing arrays, splitting known unquoted expansions). */
  words(nodes: SyntaxNode[]): ShellWord[];
}

// ---------------------------------------------------------------------------------------------
// Internal state

/**
 * A mirror of the tree-sitter tree in typed arrays, read once with a cursor: the binding's node objects
 * cost microseconds each and a mirror of objects keeps the garbage collector busy, which a 100,000-line
 * script cannot afford. `Node` objects are small views made on demand; real SyntaxNodes are
 * materialized (by preorder index) only when a rule reads `.node`.
 *
 * Every call into the binding costs about a tenth of a microsecond, so the mirror skips what the model
 * does not read before a rule asks: the insides of plain words (`DEFERRABLE_TYPES`), of plain commands
 * (`plainCommandName`: their name is read off the text, their words when a rule reads `args`), and the
 * anonymous tokens the model never reads (`KEPT_TOKENS`, `EXPANSION_TOKENS`). A deferred node is mirrored
 * on first use (`expand`). The walk (`ScriptModel.walkSlot`) reads slots directly and makes views only for
 * what the model keeps.
 */
class LightTree {
  private cursor: Parser.TreeCursor | null = null;
  private readonly materialized = new Map<number, SyntaxNode>();
  private readonly typeNames: string[] = [];
  private readonly namedTypes: boolean[] = [];
  private readonly keptTypes: boolean[] = [];
  /** Per type id: 1 = reads its children's field names, 2 = leaf, 4 = deferrable word, 8 = never has children, 16 = command, 32 = kept only in `${...}`. */
  private readonly typeFlags: number[] = [];
  private readonly fieldNames: Array<string | null | undefined> = [''];
  /** The type id of the node `make` saw last (kept or not). */
  private lastTypeId = 0;
  /** Defer plain commands (see `plainCommandName`); off for trees with errors, whose commands may hold anything. */
  deferCommands = false;

  // One slot per mirrored node.
  size = 0;
  preorder: Int32Array<ArrayBuffer>;
  typeIds: Uint16Array<ArrayBuffer>;
  starts: Int32Array<ArrayBuffer>;
  ends: Int32Array<ArrayBuffer>;
  fields: Uint16Array<ArrayBuffer>;
  parents: Int32Array<ArrayBuffer>;
  firsts: Int32Array<ArrayBuffer>;
  nexts: Int32Array<ArrayBuffer>;
  lasts: Int32Array<ArrayBuffer>;
  deferred: Uint8Array<ArrayBuffer>;
  private readonly views: Array<Node | undefined> = [];
  private readonly bySlot: Array<Node[] | undefined> = [];

  constructor(
    readonly tree: Parser.Tree,
    readonly text: string,
  ) {
    // About one mirrored node per 10 characters of script: sized once, the arrays seldom grow.
    const capacity = Math.max(1024, Math.ceil(text.length / 10));
    this.preorder = new Int32Array(capacity);
    this.typeIds = new Uint16Array(capacity);
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
    this.fields = new Uint16Array(capacity);
    this.parents = new Int32Array(capacity);
    this.firsts = new Int32Array(capacity);
    this.nexts = new Int32Array(capacity);
    this.lasts = new Int32Array(capacity);
    this.deferred = new Uint8Array(capacity);
  }

  typeOf(slot: number): string {
    return this.typeNames[this.typeIds[slot]!]!;
  }

  isNamed(slot: number): boolean {
    return this.namedTypes[this.typeIds[slot]!]!;
  }

  fieldOf(slot: number): string | null {
    return this.fieldNames[this.fields[slot]!] || null;
  }

  view(slot: number): Node {
    let node = this.views[slot];
    if (!node) {
      node = new Node(this, slot);
      this.views[slot] = node;
    }
    return node;
  }

  children(slot: number): Node[] {
    let kids = this.bySlot[slot];
    if (kids) return kids;
    this.expand(slot);
    let count = 0;
    for (let child = this.firsts[slot]!; child >= 0; child = this.nexts[child]!) count++;
    kids = new Array<Node>(count);
    let i = 0;
    for (let child = this.firsts[slot]!; child >= 0; child = this.nexts[child]!) kids[i++] = this.view(child);
    if (count > 0) this.bySlot[slot] = kids;
    return kids;
  }

  /** The first mirrored child of a node (mirroring a deferred node's insides first); -1 when none. */
  first(slot: number): number {
    if (this.deferred[slot]) this.expand(slot);
    return this.firsts[slot]!;
  }

  /** The mirrored child with this field name; -1 when none. */
  fieldChild(slot: number, name: string): number {
    for (let child = this.first(slot); child >= 0; child = this.nexts[child]!) if (this.fieldOf(child) === name) return child;
    return -1;
  }

  /** Mirrors a deferred node's insides. */
  expand(slot: number): void {
    if (this.deferred[slot]) {
      this.deferred[slot] = 0;
      const cursor = (this.cursor ??= this.tree.walk());
      cursor.gotoDescendant(this.preorder[slot]!);
      // A command is resolved to expand its words: mirror them now rather than one by one later.
      this.build(cursor, slot, (this.typeFlags[this.typeIds[slot]!]! & 16) === 0);
    }
  }

  syntaxAt(slot: number): SyntaxNode {
    let node = this.materialized.get(slot);
    if (!node) {
      const cursor = (this.cursor ??= this.tree.walk());
      cursor.gotoDescendant(this.preorder[slot]!);
      node = cursor.currentNode;
      this.materialized.set(slot, node);
    }
    return node;
  }

  /** Mirrors the whole tree; returns the root. */
  mirror(): Node {
    const cursor = (this.cursor ??= this.tree.walk());
    cursor.gotoDescendant(0);
    const root = this.make(cursor, -1, 0);
    this.build(cursor, root);
    return this.view(root);
  }

  private grow(): void {
    const capacity = this.preorder.length * 2;
    const int32 = (old: Int32Array): Int32Array<ArrayBuffer> => {
      const next = new Int32Array(capacity);
      next.set(old);
      return next;
    };
    this.preorder = int32(this.preorder);
    this.starts = int32(this.starts);
    this.ends = int32(this.ends);
    this.parents = int32(this.parents);
    this.firsts = int32(this.firsts);
    this.nexts = int32(this.nexts);
    this.lasts = int32(this.lasts);
    const typeIds = new Uint16Array(capacity);
    typeIds.set(this.typeIds);
    this.typeIds = typeIds;
    const fields = new Uint16Array(capacity);
    fields.set(this.fields);
    this.fields = fields;
    const deferred = new Uint8Array(capacity);
    deferred.set(this.deferred);
    this.deferred = deferred;
  }

  /**
   * Mirrors the cursor's node under `parent`; -1 when it is a token or comment the model never reads.
   * `preorder` is the node's descendant index when the caller counted it, else -1 (asked of the cursor).
   */
  private make(cursor: Parser.TreeCursor, parent: number, preorder: number): number {
    const typeId = cursor.nodeTypeId;
    this.lastTypeId = typeId;
    let type = this.typeNames[typeId];
    if (type === undefined) {
      type = cursor.nodeType;
      this.typeNames[typeId] = type;
      this.namedTypes[typeId] = cursor.nodeIsNamed;
      this.keptTypes[typeId] = (this.namedTypes[typeId]! && type !== 'comment') || KEPT_TOKENS.has(type);
      const terminal = !this.namedTypes[typeId] || (LEAF_TYPES.has(type) && !NONTERMINAL_LEAVES.has(type));
      this.typeFlags[typeId] = (FIELD_PARENTS.has(type) ? 1 : 0) | (LEAF_TYPES.has(type) ? 2 : 0) | (DEFERRABLE_TYPES.has(type) ? 4 : 0) | (terminal ? 8 : 0) | (type === 'command' ? 16 : 0) | (EXPANSION_TOKENS.has(type) ? 32 : 0);
    }
    if (!this.keptTypes[typeId]) return -1;
    if ((this.typeFlags[typeId]! & 32) !== 0 && (parent < 0 || this.typeOf(parent) !== 'expansion')) return -1;
    if (this.size === this.preorder.length) this.grow();
    const slot = this.size++;
    let fieldId = 0;
    if (parent >= 0 && (this.typeFlags[this.typeIds[parent]!]! & 1) !== 0) {
      fieldId = cursor.currentFieldId;
      if (fieldId && this.fieldNames[fieldId] === undefined) this.fieldNames[fieldId] = cursor.currentFieldName || null;
    }
    this.preorder[slot] = preorder >= 0 ? preorder : cursor.currentDescendantIndex;
    this.typeIds[slot] = typeId;
    this.starts[slot] = cursor.startIndex;
    this.ends[slot] = cursor.endIndex;
    this.fields[slot] = fieldId;
    this.parents[slot] = parent;
    this.firsts[slot] = -1;
    this.nexts[slot] = -1;
    this.lasts[slot] = -1;
    this.deferred[slot] = 0;
    if (parent >= 0) {
      const last = this.lasts[parent]!;
      if (last >= 0) this.nexts[last] = slot;
      else this.firsts[parent] = slot;
      this.lasts[parent] = slot;
    }
    return slot;
  }

  /** Mirrors the descendants of the cursor's node (slot `top`), iteratively; leaves the cursor on it. */
  private build(cursor: Parser.TreeCursor, top: number, defer = true): void {
    if (LEAF_TYPES.has(this.typeOf(top)) || !cursor.gotoFirstChild()) return;
    let parent = top;
    // The descendant index of the cursor's node, counted here to spare a call into the binding per node;
    // -1 after passing over a subtree that may hold nodes (a deferred word, a `number`), until the next
    // mirrored node asks the cursor again.
    let next = this.preorder[top]! + 1;
    for (;;) {
      const slot = this.make(cursor, parent, next);
      if (slot >= 0) next = this.preorder[slot]!;
      // Anonymous tokens, comments and the leaf types but `number` never have children.
      let whole = (this.typeFlags[this.lastTypeId]! & 8) !== 0;
      let descend = false;
      if (slot >= 0) {
        const flags = this.typeFlags[this.typeIds[slot]!]!;
        if ((flags & 2) !== 0) descend = false;
        else if (!defer) descend = true;
        else if ((flags & 4) !== 0 && !hasEffects(this.text, this.starts[slot]!, this.ends[slot]!)) {
          this.deferred[slot] = 1;
        } else if ((flags & 16) !== 0 && this.deferCommands && plainCommandName(this.text, this.starts[slot]!, this.ends[slot]!) !== null) {
          this.deferred[slot] = 1;
        } else descend = true;
      }
      if (descend) {
        if (cursor.gotoFirstChild()) {
          parent = slot;
          next++;
          continue;
        }
        whole = true; // no children at all
      }
      next = whole && next >= 0 ? next + 1 : -1;
      while (!cursor.gotoNextSibling()) {
        cursor.gotoParent();
        if (parent === top) return;
        parent = this.parents[parent]!;
      }
    }
  }
}

/** Parents whose field names the model reads; other nodes skip the cursor call for their field. */
const FIELD_PARENTS = new Set(['command', 'variable_assignment', 'function_definition', 'redirected_statement', 'case_statement', 'case_item', 'for_statement', 'select_statement', 'subscript']);

/** Anonymous tokens the model reads; the others (quotes, `$`, `;`...) are not mirrored. */
const KEPT_TOKENS = new Set(['&', '&&', '||', 'then', 'fi', '((', '+=', '=', ':=', ':-', '-', ':+', '+', ':?', '?', '%', '%%', '#', '##', '!', '/', '//', '^', '^^', ',', ',,', ':', 'export', 'declare', 'typeset', 'local', 'readonly', '${', '}']);

/** Kept tokens that the model reads only inside `${...}` (elsewhere, e.g. a `{ ...; }` group or `X=1`, they are skipped). */
const EXPANSION_TOKENS = new Set(['}', '=']);

/** A view of one mirrored node, with the part of the SyntaxNode API the model uses. */
class Node {
  private named: Node[] | null = null;
  constructor(
    readonly owner: LightTree,
    readonly slot: number,
  ) {}

  /** Stable identity within the script. */
  get id(): number {
    return this.slot;
  }

  get type(): string {
    return this.owner.typeOf(this.slot);
  }

  get isNamed(): boolean {
    return this.owner.isNamed(this.slot);
  }

  get startIndex(): number {
    return this.owner.starts[this.slot]!;
  }

  get endIndex(): number {
    return this.owner.ends[this.slot]!;
  }

  get fieldName(): string | null {
    return this.owner.fieldOf(this.slot);
  }

  get parent(): Node | null {
    const parent = this.owner.parents[this.slot]!;
    return parent >= 0 ? this.owner.view(parent) : null;
  }

  get text(): string {
    return this.owner.text.slice(this.startIndex, this.endIndex);
  }

  get children(): Node[] {
    return this.owner.children(this.slot);
  }

  get namedChildren(): Node[] {
    if (this.named) return this.named;
    const children = this.children;
    return (this.named = children.every((child) => child.isNamed) ? children : children.filter((child) => child.isNamed));
  }

  get childCount(): number {
    return this.children.length;
  }

  get namedChildCount(): number {
    return this.namedChildren.length;
  }

  child(index: number): Node | null {
    return this.children[index] ?? null;
  }

  namedChild(index: number): Node | null {
    return this.namedChildren[index] ?? null;
  }

  childForFieldName(name: string): Node | null {
    return this.children.find((child) => child.fieldName === name) ?? null;
  }

  get syntax(): SyntaxNode {
    return this.owner.syntaxAt(this.slot);
  }
}

/** Node types the walk need not enter unless their text may hide a substitution or an assigning expansion. */
const PLAIN_TYPES = new Set(['word', 'string', 'raw_string', 'concatenation', 'number', 'simple_expansion', 'expansion', 'ansi_c_string', 'translated_string', 'string_content', 'variable_name', 'special_variable_name', 'array', 'test_command', 'file_redirect', 'herestring_redirect', 'heredoc_redirect', 'brace_expression', 'regex', 'extglob_pattern', 'command_name', 'file_descriptor']);

/** Word-like nodes whose insides are mirrored only when their value is asked for (when they hide no effect). */
const DEFERRABLE_TYPES = new Set(['string', 'concatenation', 'simple_expansion', 'expansion', 'translated_string', 'array', 'test_command', 'file_redirect', 'herestring_redirect', 'brace_expression']);

/** Builtins whose effects the model tracks (see commandEffects). */
const EFFECT_BUILTINS = new Set(['set', 'cd', 'pushd', 'popd', 'read', 'mapfile', 'readarray', 'printf', 'getopts', 'let']);

/** Leaf types that may still have children in the tree (`-0x10#${N}`): the walk need not enter them, but they count. */
const NONTERMINAL_LEAVES = new Set(['number']);

/** Token types: never any children to look for. */
const LEAF_TYPES = new Set(['word', 'string_content', 'variable_name', 'special_variable_name', 'raw_string', 'ansi_c_string', 'number', 'heredoc_content', 'heredoc_start', 'heredoc_end', 'file_descriptor', 'test_operator', 'regex', 'extglob_pattern', 'comment']);

/** Can a word hold something the walk must see (a command substitution, an assigning expansion)? */
function hasEffects(text: string, start: number, end: number): boolean {
  let inBraces = false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 96) return true; // backtick
    if (c === 40 && i > start) {
      const before = text.charCodeAt(i - 1);
      if (before === 36 || before === 60 || before === 62) return true; // $( <( >(
    }
    if (c === 123 && i > start && text.charCodeAt(i - 1) === 36) inBraces = true; // ${
    else if (c === 125) inBraces = false;
    else if (c === 61 && inBraces) return true; // ${X:=default} assigns
  }
  return false;
}

/**
 * The name of a command whose children the walk need not see, read off its text: a plain word (letters, digits,
 * `_./-`, not starting with a digit or `-`) followed by a blank or the end, no prefix assignment, nothing the walk
 * must see in any argument (`hasEffects`, `$[...]`), and not a builtin with effects. Null otherwise.
 */
function plainCommandName(text: string, start: number, end: number): string | null {
  const i = plainNameEnd(text, start, end);
  if (i === start) return null;
  if (i < end) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9) return null;
  }
  const name = text.slice(start, i);
  if (EFFECT_BUILTINS.has(name) || hasEffects(text, start, end)) return null;
  for (let j = start; j + 1 < end; j++) if (text.charCodeAt(j) === 36 && text.charCodeAt(j + 1) === 91) return null; // $[
  return name;
}

/** Where a run of name characters (letters, digits, `_./-`, not starting with a digit or `-`) from `start` ends. */
function plainNameEnd(text: string, start: number, end: number): number {
  let i = start;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 47; // A-Z a-z _ . /
    if (letter || (i > start && ((c >= 48 && c <= 57) || c === 45))) continue; // 0-9 - after the first
    break;
  }
  return i;
}

/** A ShellWord whose node is materialized on demand. */
class Word implements ShellWord {
  constructor(
    readonly source: Node,
    readonly value: string | null,
    readonly template: string,
    readonly multi: boolean,
  ) {}

  get node(): SyntaxNode {
    return this.source.syntax;
  }

  get text(): string {
    return this.source.text;
  }
}

const NO_WORDS: ShellWord[] = [];
/** Shared by the commands without redirections or arguments: never mutated. */
const NO_NODES: Node[] = [];
/** Shared by the commands without prefix assignments: never mutated. */
const NO_ENV: Map<string, ShellWord> = new Map();

/** The public objects below keep mirror nodes and hand out real SyntaxNodes on demand. */
// Flags of a Command, in one number: 60,000 commands must stay small.
const ERREXIT = 1;
const PIPEFAIL = 2;
const IN_CONDITION_FLAG = 4;
const IN_SUBSHELL = 8;
const IN_SUBSTITUTION = 16;
const BACKGROUND = 32;
/** Read off its text: the name is known, the children not read yet (see `plainCommandName`). */
const UNREAD = 64;

/** What reading a command's children gives (see `ScriptModel.readCommand`), kept apart to keep `Command` small. */
class CommandWords {
  nameWord: ShellWord | null = null;
  /** Words of the name beyond the first (`$DOCKER run` with DOCKER="sudo docker"), then the argument nodes, expanded on first use. */
  leading: ShellWord[] = NO_WORDS;
  argSources: Node[] = NO_NODES;
  expanded: ShellWord[] | null = null;
}

class Command implements ShellCommand {
  index = 0;
  name: string | null = null;
  /** Null until the children are read. */
  words: CommandWords | null = null;
  prefixEnv: Map<string, ShellWord> = NO_ENV;
  functionName: string | null = null;
  caseArm: CaseArm | null = null;
  pipelinePosition: { index: number; length: number } | null = null;
  private bits = 0;
  constructor(
    private readonly model: ScriptModel,
    /** The slot of the `command` node, and of its statement (itself, or the `redirected_statement`). */
    readonly slot: number,
    private readonly statementSlot: number,
    readonly redirectSources: Node[],
  ) {}

  get source(): Node {
    return this.model.light.view(this.slot);
  }

  get statementSource(): Node {
    return this.model.light.view(this.statementSlot);
  }

  private flag(bit: number): boolean {
    return (this.bits & bit) !== 0;
  }

  setFlag(bit: number, on: boolean): void {
    this.bits = on ? this.bits | bit : this.bits & ~bit;
  }

  get caseArms(): string[] | null {
    return this.caseArm?.patterns ?? null;
  }

  get errexit(): boolean {
    return this.flag(ERREXIT);
  }

  set errexit(on: boolean) {
    this.setFlag(ERREXIT, on);
  }

  get pipefail(): boolean {
    return this.flag(PIPEFAIL);
  }

  set pipefail(on: boolean) {
    this.setFlag(PIPEFAIL, on);
  }

  get inCondition(): boolean {
    return this.flag(IN_CONDITION_FLAG);
  }

  set inCondition(on: boolean) {
    this.setFlag(IN_CONDITION_FLAG, on);
  }

  get inSubshell(): boolean {
    return this.flag(IN_SUBSHELL);
  }

  get inSubstitution(): boolean {
    return this.flag(IN_SUBSTITUTION);
  }

  get background(): boolean {
    return this.flag(BACKGROUND);
  }

  private read(): CommandWords {
    if (this.flag(UNREAD)) {
      this.setFlag(UNREAD, false);
      this.model.readCommand(this);
    }
    return this.words!;
  }

  get nameWord(): ShellWord | null {
    return this.read().nameWord;
  }

  get args(): ShellWord[] {
    const words = this.read();
    return (words.expanded ??= [...words.leading, ...this.model.wordsOf(words.argSources)]);
  }

  get node(): SyntaxNode {
    return this.source.syntax;
  }

  get statement(): SyntaxNode {
    return this.statementSource.syntax;
  }

  get redirects(): SyntaxNode[] {
    return this.redirectSources.map((node) => node.syntax);
  }
}

class Assignment implements ShellAssignment {
  constructor(
    readonly source: Node,
    readonly name: string,
    readonly valueSource: Node | null,
    readonly kind: ShellAssignment['kind'],
    readonly functionName: string | null,
  ) {}

  get node(): SyntaxNode {
    return this.source.syntax;
  }

  get valueNode(): SyntaxNode | null {
    return this.valueSource?.syntax ?? null;
  }
}

class Arm implements CaseArm {
  constructor(
    readonly source: Node,
    readonly patterns: string[],
    readonly subject: string,
  ) {}

  get node(): SyntaxNode {
    return this.source.syntax;
  }
}

class Trap implements ShellTrap {
  constructor(
    readonly command: Command,
    readonly action: string | null,
    readonly signals: string[],
    readonly functions: string[],
    readonly inlineOffset: number | null,
  ) {}

  get node(): SyntaxNode {
    return this.command.node;
  }
}

/**
 * unset: explicitly unset (`unset X`, `local X`); env: never assigned by the script, so whatever the caller's
 * environment holds (unknown, but `${X:-default}` takes the default); unknown; a value; an array.
 */
type VarState = { k: 'unset' } | { k: 'env' } | { k: 'unknown' } | { k: 'val'; v: string } | { k: 'arr'; items: string[] };

const UNSET: VarState = { k: 'unset' };
const ENV: VarState = { k: 'env' };
const UNKNOWN: VarState = { k: 'unknown' };

/** A stretch of the script that a statement may be inside: a conditional branch, or an isolated subshell. */
interface Region {
  start: number;
  end: number;
  /** Effects inside do not leave it at all (subshells, substitutions, pipelines, `&`). */
  isolating: boolean;
  /** The if/case statement whose branches exclude each other: an effect in one branch is not seen in another. */
  group?: { start: number; end: number };
}

interface Chain {
  region: Region;
  up: Chain | null;
}

interface VarEvent {
  name: string;
  /** Offset where the assignment takes effect (the end of the assigning node). */
  offset: number;
  chain: Chain | null;
  /** For `local` (and declare in a function): the function body outside which the event is invisible. */
  localTo: Region | null;
  /** Inside a function body (any function). */
  inFunction: boolean;
  compute: () => VarState;
  memo?: VarState;
  busy?: boolean;
}

interface ExportEvent {
  offset: number;
  chain: Chain | null;
  localTo: Region | null;
  exported: boolean;
}

interface Ctx {
  chain: Chain | null;
  fn: string | null;
  fnRegion: Region | null;
  arm: CaseArm | null;
  inCondition: boolean;
  inSubshell: boolean;
  inSubstitution: boolean;
  background: boolean;
}

type PipelinePosition = { index: number; length: number } | null;

/** A copy of a context with some fields replaced (spelled out: object spread is slow on the walk's hot path). */
function extend(ctx: Ctx, extra: Partial<Ctx>): Ctx {
  return {
    chain: extra.chain !== undefined ? extra.chain : ctx.chain,
    fn: extra.fn !== undefined ? extra.fn : ctx.fn,
    fnRegion: extra.fnRegion !== undefined ? extra.fnRegion : ctx.fnRegion,
    arm: extra.arm !== undefined ? extra.arm : ctx.arm,
    inCondition: extra.inCondition ?? ctx.inCondition,
    inSubshell: extra.inSubshell ?? ctx.inSubshell,
    inSubstitution: extra.inSubstitution ?? ctx.inSubstitution,
    background: extra.background ?? ctx.background,
  };
}

const NO_EXTRA: Partial<Ctx> = {};

function copyOptions(options: ShellOptions): ShellOptions {
  return { errexit: options.errexit, pipefail: options.pipefail, allexport: options.allexport };
}
const IN_CONDITION: Partial<Ctx> = { inCondition: true };

const CWD = ' cwd'; // pseudo-variable for the working directory (a space keeps it apart from real names)

// ---------------------------------------------------------------------------------------------
// Word expansion parts

type Part =
  | { kind: 'lit'; text: string; quoted: boolean }
  | { kind: 'exp'; text: string } // unquoted expansion result with known text: split on whitespace
  | { kind: 'qexp'; text: string } // quoted expansion result: kept as one piece
  | { kind: 'hole'; multi: boolean }
  | { kind: 'arr'; items: string[]; quoted: boolean }
  | { kind: 'glob'; text: string };

interface Field {
  t: string;
  multi: boolean;
  unknown: boolean;
  has: boolean;
}

const scripts = new WeakMap<SourceFile, ShellScript | null>();

/** The model of a shell script, built once per file; null when the file has no tree or is not shell. */
export function shellScript(file: SourceFile): ShellScript | null {
  if (scripts.has(file)) return scripts.get(file)!;
  const script = file.tree && file.language === 'shell' ? new ScriptModel(file, file.tree) : null;
  scripts.set(file, script);
  return script;
}

/** Resolves a path as the script would use it: absolute stays, relative goes against the cwd at the offset (after `cd`) or else the script's directory. */
export function resolvePath(script: ShellScript, value: string, cwdOffset?: number): string {
  if (path.isAbsolute(value)) return path.normalize(value);
  const base = (cwdOffset === undefined ? null : script.cwdAt(cwdOffset)) ?? script.dir;
  return path.resolve(base, value);
}

class ScriptModel implements ShellScript {
  readonly file: SourceFile;
  readonly dir: string;
  readonly shebang: string | null;
  readonly interpreter: string | null;
  readonly commands: ShellCommand[] = [];
  readonly functions = new Map<string, SyntaxNode>();
  private readonly functionNodes = new Map<string, Node>();
  readonly assignments: ShellAssignment[] = [];
  readonly exported = new Set<string>();
  readonly traps: ShellTrap[] = [];

  private readonly events = new Map<string, VarEvent[]>();
  private readonly exportEvents = new Map<string, ExportEvent[]>();
  /** Commands whose name and arguments are read once the walk is over (see finishCommands). */
  private readonly unread: Command[] = [];
  private readonly names = new Map<string, string>();
  /** Commands by `start:end` of their node, built on the first `commandFor`. */
  private byNode: Map<string, ShellCommand> | null = null;
  private nodeIndex: Map<string, Node> | null = null;
  private readonly root: Node;
  readonly light: LightTree;
  private readonly functionBodies: Array<{ name: string; region: Region; node: Node }> = [];
  private readonly checkpoints: Array<{ offset: number; options: ShellOptions }> = [];
  private readonly overrides: Array<{ start: number; end: number; options: ShellOptions }> = [];
  private readonly functionsWithSet = new Set<string>();
  private options: ShellOptions;
  private readonly initialOptions: ShellOptions;
  private allexportAssignments: Array<{ name: string; offset: number }> = [];
  private callIndex: Map<string, ShellCommand[]> | null = null;

  constructor(file: SourceFile, tree: Parser.Tree) {
    this.file = file;
    this.dir = path.dirname(file.path);
    const firstLine = file.text.split('\n', 1)[0]!.replace(/\r$/, '');
    this.shebang = firstLine.startsWith('#!') ? firstLine : null;
    const { interpreter, flags } = parseShebang(this.shebang);
    this.interpreter = interpreter;
    this.options = { errexit: false, pipefail: false, allexport: false };
    applySetFlags(this.options, flags);
    this.initialOptions = { ...this.options };
    this.checkpoints.push({ offset: 0, options: { ...this.options } });

    const light = new LightTree(tree, file.text);
    light.deferCommands = !tree.rootNode.hasError;
    this.light = light;
    const root = light.mirror();
    this.root = root;
    const ctx: Ctx = { chain: null, fn: null, fnRegion: null, arm: null, inCondition: false, inSubshell: false, inSubstitution: false, background: false };
    this.walk(root, ctx);
    for (const list of this.events.values()) list.sort((a, b) => a.offset - b.offset);
    for (const list of this.exportEvents.values()) list.sort((a, b) => a.offset - b.offset);
    this.functionBodies.sort((a, b) => a.region.start - b.region.start);
    this.finishCommands();
    this.applyFunctionOptions();
    this.collectTraps();
    for (const [name, node] of this.functionNodes) this.functions.set(name, node.syntax);
    for (const { name, offset } of this.allexportAssignments) this.addExport(name, offset, null, null, true);
    for (const [name, list] of this.exportEvents) {
      if (list.some((event) => event.exported && !event.localTo && !this.insideFunction(event.offset))) this.exported.add(name);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Phase 1: walk the tree, collect commands and variable events.

  private walk(node: Node, ctx: Ctx): void {
    this.walkSlot(node.slot, ctx);
  }

  // The walk reads the mirror's slots directly: views (`Node`) are made only for what the model keeps.
  private walkSlot(s: number, ctx: Ctx): void {
    const t = this.light;
    const type = t.typeOf(s);
    // Words, tests and redirections matter to the walk only for what they may hide: `$(...)`, `${X:=...}`.
    if (PLAIN_TYPES.has(type) && !hasEffects(this.file.text, t.starts[s]!, t.ends[s]!)) return;
    switch (type) {
      case 'comment':
      case 'heredoc_start':
      case 'heredoc_end':
        return;
      case 'function_definition':
        return this.walkFunction(s, ctx);
      case 'command':
        return this.walkCommand(s, s, NO_NODES, null, ctx);
      case 'redirected_statement':
        return this.walkRedirected(s, null, ctx);
      case 'declaration_command':
        return this.walkDeclaration(t.view(s), ctx);
      case 'variable_assignment':
        return this.walkAssignment(t.view(s), ctx, 'plain');
      case 'variable_assignments':
        for (let c = t.first(s); c >= 0; c = t.nexts[c]!) if (t.isNamed(c)) this.walkSlot(c, ctx);
        return;
      case 'unset_command':
        return this.walkUnset(t.view(s), ctx);
      case 'list':
        return this.walkList(s, ctx);
      case 'pipeline':
        return this.walkPipeline(s, ctx);
      case 'negated_command':
        for (let c = t.first(s); c >= 0; c = t.nexts[c]!) if (t.isNamed(c)) this.walkSlot(c, extend(ctx, IN_CONDITION));
        return;
      case 'subshell':
        return this.isolated(s, ctx, { inSubshell: true });
      case 'command_substitution':
      case 'process_substitution':
        return this.isolated(s, ctx, { inSubshell: true, inSubstitution: true });
      case 'if_statement':
        return this.walkIf(s, ctx);
      case 'while_statement':
        return this.walkWhile(t.view(s), ctx);
      case 'for_statement':
      case 'select_statement':
        return this.walkFor(t.view(s), ctx);
      case 'c_style_for_statement':
        return this.walkCFor(t.view(s), ctx);
      case 'case_statement':
        return this.walkCase(t.view(s), ctx);
      case 'compound_statement': {
        const first = t.first(s);
        if (first >= 0 && t.typeOf(first) === '((') {
          this.arithmeticEvents(t.view(s), ctx);
          return;
        }
        return this.walkKids(s, ctx);
      }
      case 'arithmetic_expansion':
        this.arithmeticEvents(t.view(s), ctx);
        return this.walkKids(s, ctx);
      case 'expansion':
        this.defaultAssignEvent(t.view(s), ctx);
        return this.walkKids(s, ctx);
      default:
        return this.walkKids(s, ctx);
    }
  }

  private walkChildren(node: Node, ctx: Ctx): void {
    this.walkKids(node.slot, ctx);
  }

  private walkKids(s: number, ctx: Ctx): void {
    const t = this.light;
    for (let child = t.first(s); child >= 0; child = t.nexts[child]!) {
      if (!t.isNamed(child)) continue;
      const next = t.nexts[child]!;
      if (next >= 0 && t.typeOf(next) === '&') {
        const region: Region = { start: t.starts[child]!, end: t.ends[child]!, isolating: true };
        const inner = extend(ctx, NO_EXTRA);
        inner.chain = { region, up: ctx.chain };
        inner.background = true;
        inner.inSubshell = true;
        this.walkSlot(child, inner);
      } else {
        this.walkSlot(child, ctx);
      }
    }
  }

  private withRegion(ctx: Ctx, start: number, end: number, isolating: boolean, extra: Partial<Ctx> = NO_EXTRA, group?: { start: number; end: number }): Ctx {
    const region: Region = group ? { start, end, isolating, group } : { start, end, isolating };
    const next = extend(ctx, extra);
    next.chain = { region, up: ctx.chain };
    return next;
  }

  private isolated(s: number, ctx: Ctx, extra: Partial<Ctx>): void {
    const saved = copyOptions(this.options);
    const end = this.light.ends[s]!;
    this.walkKids(s, this.withRegion(ctx, this.light.starts[s]!, end, true, extra));
    this.restoreOptions(saved, end);
  }

  private restoreOptions(saved: ShellOptions, offset: number): void {
    if (saved.errexit !== this.options.errexit || saved.pipefail !== this.options.pipefail || saved.allexport !== this.options.allexport) {
      this.options = saved;
      this.checkpoints.push({ offset, options: copyOptions(saved) });
    }
  }

  private walkFunction(s: number, ctx: Ctx): void {
    const t = this.light;
    const nameSlot = t.fieldChild(s, 'name');
    const body = t.fieldChild(s, 'body');
    const name = nameSlot >= 0 ? this.file.text.slice(t.starts[nameSlot]!, t.ends[nameSlot]!) : '';
    const node = t.view(s);
    if (name) this.functionNodes.set(name, node);
    if (body < 0) return;
    const region: Region = { start: t.starts[body]!, end: t.ends[body]!, isolating: false };
    this.functionBodies.push({ name, region, node });
    const saved = copyOptions(this.options);
    const inner = extend(ctx, { fn: name, fnRegion: region, arm: null, inCondition: false });
    inner.chain = { region, up: ctx.chain };
    if (t.typeOf(body) === 'subshell') this.isolated(body, inner, { inSubshell: true });
    else this.walkSlot(body, inner);
    // Defining a function runs nothing: what `set` did inside applies where it is called, not here.
    this.restoreOptions(saved, t.ends[s]!);
  }

  private walkRedirected(s: number, pipeline: PipelinePosition, ctx: Ctx): void {
    const t = this.light;
    const body = t.fieldChild(s, 'body');
    const redirects: Node[] = [];
    for (let c = t.first(s); c >= 0; c = t.nexts[c]!) if (t.isNamed(c) && c !== body) redirects.push(t.view(c));
    if (body >= 0 && t.typeOf(body) === 'command') this.walkCommand(body, s, redirects, pipeline, ctx);
    else if (body >= 0) this.walkSlot(body, ctx);
    for (const redirect of redirects) this.walkSlot(redirect.slot, ctx);
  }

  private walkCommand(s: number, statement: number, redirects: Node[], pipeline: PipelinePosition, ctx: Ctx): void {
    const t = this.light;
    const command = new Command(this, s, statement, redirects);
    command.index = this.commands.length;
    command.functionName = ctx.fn;
    command.caseArm = ctx.arm;
    command.pipelinePosition = pipeline;
    const bits =
      (this.options.errexit ? ERREXIT : 0) |
      (this.options.pipefail ? PIPEFAIL : 0) |
      (ctx.inCondition ? IN_CONDITION_FLAG : 0) |
      (ctx.inSubshell ? IN_SUBSHELL : 0) |
      (ctx.inSubstitution ? IN_SUBSTITUTION : 0) |
      (ctx.background ? BACKGROUND : 0);
    command.setFlag(bits, true);
    if (t.deferred[s]) {
      // A plain word names it: the name and its word are what `readCommand` would find.
      command.name = this.intern(this.file.text.slice(t.starts[s]!, plainNameEnd(this.file.text, t.starts[s]!, t.ends[s]!)));
      command.setFlag(UNREAD, true);
    } else {
      this.unread.push(command); // once variables can be looked up
    }
    this.commands.push(command);
    // A deferred command holds nothing the walk must see and is no builtin with effects (see plainCommandName).
    if (t.deferred[s]) return;
    // Contexts are never mutated: the children share the command's.
    for (let c = t.first(s); c >= 0; c = t.nexts[c]!) {
      if (!t.isNamed(c)) continue;
      if (t.typeOf(c) === 'variable_assignment') {
        // Prefix assignments set the command's environment only; still look inside their values.
        const value = t.fieldChild(c, 'value');
        if (value >= 0) this.walkSlot(value, ctx);
      } else if (!t.deferred[c]) {
        this.walkSlot(c, ctx);
      }
    }
    // Only a name that may read as an effect builtin needs the full look (`literalText` unquotes and unescapes).
    const name = t.fieldChild(s, 'name');
    if (name < 0) return;
    const raw = this.file.text.slice(t.starts[name]!, t.ends[name]!);
    if (!EFFECT_BUILTINS.has(raw) && !/[\\'"]/.test(raw)) return;
    this.commandEffects(t.view(s), ctx);
  }

  /** Effects of builtins on the state the model tracks: set, cd, read... */
  private commandEffects(node: Node, ctx: Ctx): void {
    const nameNode = node.childForFieldName('name');
    const name = nameNode ? literalText(nameNode) : null;
    if (!name || !EFFECT_BUILTINS.has(name)) return;
    const args = node.namedChildren.filter((child) => child.type !== 'variable_assignment' && child.type !== 'command_name');
    const literals = args.map(literalText);
    const end = node.endIndex;
    switch (name) {
      case 'set': {
        if (ctx.fn) this.functionsWithSet.add(ctx.fn);
        const before = { ...this.options };
        applySetArgs(this.options, literals);
        if (before.errexit !== this.options.errexit || before.pipefail !== this.options.pipefail || before.allexport !== this.options.allexport) {
          this.checkpoints.push({ offset: end, options: { ...this.options } });
        }
        return;
      }
      case 'cd':
      case 'pushd': {
        const operands = args.filter((_, i) => !(literals[i] ?? '').startsWith('-') || literals[i] === '-');
        const target = operands[0];
        const targetLiteral = target ? literalText(target) : null;
        this.addEvent(CWD, end, ctx, null, () => {
          if (!target || targetLiteral === '-') return UNKNOWN;
          const word = this.scalarWord(target);
          if (word.value === null || word.value === '') return UNKNOWN;
          if (path.isAbsolute(word.value)) return { k: 'val', v: path.normalize(word.value) };
          const before = this.lookup(CWD, node.startIndex);
          if (before.k !== 'val' || before.v.includes(HOLE)) return UNKNOWN;
          return { k: 'val', v: path.resolve(before.v, word.value) };
        });
        return;
      }
      case 'popd':
        this.addEvent(CWD, end, ctx, null, () => UNKNOWN);
        return;
      case 'read': {
        for (let i = 0; i < literals.length; i++) {
          const text = literals[i];
          if (text === null) continue;
          if (/^-[a-zA-Z]*[adpntui]$/.test(text)) {
            if (text.endsWith('a') && literals[i + 1]) this.unknownEvent(literals[i + 1]!, args[i + 1]!, ctx, 'read');
            i++;
            continue;
          }
          if (text.startsWith('-')) continue;
          if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(text)) this.unknownEvent(text, args[i]!, ctx, 'read');
        }
        return;
      }
      case 'mapfile':
      case 'readarray': {
        const operands = literals.filter((text, i) => text !== null && !text.startsWith('-') && !/^-[dnOsuC c]$/.test(literals[i - 1] ?? ''));
        const target = operands[operands.length - 1] ?? 'MAPFILE';
        this.unknownEvent(target, node, ctx, 'read');
        return;
      }
      case 'printf': {
        const at = literals.indexOf('-v');
        if (at >= 0 && literals[at + 1]) this.unknownEvent(literals[at + 1]!, node, ctx, 'read');
        return;
      }
      case 'getopts':
        if (literals[1]) this.unknownEvent(literals[1], node, ctx, 'read');
        return;
      case 'let':
        this.arithmeticEvents(node, ctx);
        return;
      default:
        return;
    }
  }

  private pushAssignment(node: Node, name: string, valueNode: Node | null, kind: ShellAssignment['kind'], functionName: string | null): void {
    this.assignments.push(new Assignment(node, name, valueNode, kind, functionName));
  }

  private unknownEvent(name: string, node: Node, ctx: Ctx, kind: ShellAssignment['kind']): void {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return;
    this.pushAssignment(node, name, null, kind, ctx.fn);
    this.addEvent(name, node.endIndex, ctx, null, () => UNKNOWN);
  }

  private addEvent(name: string, offset: number, ctx: Ctx, localTo: Region | null, compute: () => VarState): void {
    const event: VarEvent = { name, offset, chain: ctx.chain, localTo, inFunction: ctx.fn !== null, compute };
    let list = this.events.get(name);
    if (!list) this.events.set(name, (list = []));
    list.push(event);
  }

  private addExport(name: string, offset: number, chain: Chain | null, localTo: Region | null, exported: boolean): void {
    let list = this.exportEvents.get(name);
    if (!list) this.exportEvents.set(name, (list = []));
    list.push({ offset, chain, localTo, exported });
  }

  private walkAssignment(node: Node, ctx: Ctx, kind: ShellAssignment['kind'], localTo: Region | null = null, exportIt = false): void {
    const t = this.light;
    const text = this.file.text;
    const nameSlot = t.fieldChild(node.slot, 'name');
    const valueSlot = t.fieldChild(node.slot, 'value');
    const value = valueSlot >= 0 ? t.view(valueSlot) : null;
    if (valueSlot >= 0) this.walkSlot(valueSlot, ctx);
    if (nameSlot < 0) return;
    let append = false;
    for (let c = t.first(node.slot); c >= 0; c = t.nexts[c]!) if (t.typeOf(c) === '+=') append = true;
    let name: string;
    let element = false;
    if (t.typeOf(nameSlot) === 'subscript') {
      const inner = t.fieldChild(nameSlot, 'name');
      name = inner >= 0 ? text.slice(t.starts[inner]!, t.ends[inner]!) : '';
      element = true;
    } else {
      name = text.slice(t.starts[nameSlot]!, t.ends[nameSlot]!);
    }
    if (!name) return;
    this.pushAssignment(node, name, value, append && kind === 'plain' ? 'append' : kind, ctx.fn);
    const start = node.startIndex;
    this.addEvent(name, node.endIndex, ctx, localTo, () => {
      if (element) return UNKNOWN;
      let state: VarState;
      if (!value) state = { k: 'val', v: '' };
      else if (value.type === 'array') {
        const fields = this.fieldsOf(value.namedChildren);
        if (fields.some((field) => field.multi)) return UNKNOWN;
        state = { k: 'arr', items: fields.map((field) => (field.unknown ? HOLE : field.t)) };
      } else {
        state = { k: 'val', v: this.scalarTemplate(value) };
      }
      if (!append) return state;
      const before = this.lookup(name, start);
      if (before.k === 'unknown' || before.k === 'env') return UNKNOWN;
      if (before.k === 'unset') return state;
      if (state.k === 'arr') return { k: 'arr', items: [...(before.k === 'arr' ? before.items : [before.v]), ...state.items] };
      if (before.k === 'arr' || state.k !== 'val') return UNKNOWN;
      return { k: 'val', v: before.v + state.v };
    });
    if (exportIt) this.addExport(name, node.endIndex, ctx.chain, localTo, true);
    else if (this.options.allexport) this.allexportAssignments.push({ name, offset: node.endIndex });
  }

  private walkDeclaration(node: Node, ctx: Ctx): void {
    const keyword = node.child(0)?.type ?? '';
    const flags = node.namedChildren.filter((child) => child.type === 'word' && /^[-+]/.test(child.text)).map((child) => child.text);
    const has = (letter: string, sign = '-'): boolean => flags.some((flag) => flag.startsWith(sign) && flag.slice(1).includes(letter));
    const global = has('g');
    const local = keyword === 'local' || ((keyword === 'declare' || keyword === 'typeset') && ctx.fn !== null && !global);
    const localTo = local ? ctx.fnRegion : null;
    const unexport = keyword === 'export' && has('n');
    const exportIt = !unexport && (keyword === 'export' || has('x'));
    const kind: ShellAssignment['kind'] = keyword === 'export' ? 'export' : keyword === 'readonly' ? 'readonly' : keyword === 'local' ? 'local' : 'declare';
    if (keyword === 'export' && has('f')) return; // export -f exports functions
    for (const child of node.namedChildren) {
      if (child.type === 'variable_assignment') {
        this.walkAssignment(child, ctx, kind, localTo, exportIt);
        if (unexport) {
          const name = child.childForFieldName('name')?.text;
          if (name) this.addExport(name, child.endIndex, ctx.chain, localTo, false);
        }
      } else if (child.type === 'variable_name') {
        const name = child.text;
        this.pushAssignment(child, name, null, kind, ctx.fn);
        if (exportIt || unexport) this.addExport(name, child.endIndex, ctx.chain, localTo, exportIt);
        // `local X` makes a new, empty local; `declare X`/`export X` leave the value alone.
        if (local && keyword === 'local') this.addEvent(name, child.endIndex, ctx, localTo, () => UNSET);
      } else {
        this.walk(child, ctx);
      }
    }
  }

  private walkUnset(node: Node, ctx: Ctx): void {
    const words = node.namedChildren.map((child) => child.text);
    if (words.includes('-f')) return;
    for (const child of node.namedChildren) {
      const name = child.text;
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
      this.pushAssignment(child, name, null, 'unset', ctx.fn);
      this.addEvent(name, child.endIndex, ctx, null, () => UNSET);
      this.addExport(name, child.endIndex, ctx.chain, null, false);
    }
  }

  private walkList(s: number, ctx: Ctx): void {
    // `a && b`, `a || b`: `a` is a condition; `b` runs only sometimes.
    const t = this.light;
    const named: number[] = [];
    for (let c = t.first(s); c >= 0; c = t.nexts[c]!) if (t.isNamed(c) && t.typeOf(c) !== 'comment') named.push(c);
    for (let i = 0; i < named.length; i++) {
      const child = named[i]!;
      if (i === 0) this.walkSlot(child, extend(ctx, IN_CONDITION));
      else if (i < named.length - 1) this.walkSlot(child, this.withRegion(ctx, t.starts[child]!, t.ends[child]!, false, IN_CONDITION));
      else this.walkSlot(child, this.withRegion(ctx, t.starts[child]!, t.ends[child]!, false));
    }
  }

  private walkPipeline(s: number, ctx: Ctx): void {
    const t = this.light;
    const elements: number[] = [];
    for (let c = t.first(s); c >= 0; c = t.nexts[c]!) if (t.isNamed(c) && t.typeOf(c) !== 'comment') elements.push(c);
    const length = elements.length;
    for (let index = 0; index < length; index++) {
      const child = elements[index]!;
      const inner = this.withRegion(ctx, t.starts[child]!, t.ends[child]!, true, { inSubshell: length > 1 || ctx.inSubshell });
      const position = length > 1 ? { index, length } : null;
      const type = t.typeOf(child);
      if (type === 'command') this.walkCommand(child, child, NO_NODES, position, inner);
      else if (type === 'redirected_statement') this.walkRedirected(child, position, inner);
      else this.walkSlot(child, inner);
    }
  }

  private walkIf(s: number, ctx: Ctx): void {
    const t = this.light;
    const children: number[] = [];
    for (let c = t.first(s); c >= 0; c = t.nexts[c]!) children.push(c);
    this.walkConditional(children, ctx, t.ends[s]!, { start: t.starts[s]!, end: t.ends[s]! });
  }

  /** Children of an if/elif: a condition up to `then`, then a branch up to the next elif/else/fi. */
  private walkConditional(children: number[], ctx: Ctx, end: number, group: { start: number; end: number }): void {
    const t = this.light;
    let phase: 'condition' | 'branch' = 'condition';
    let branch: Ctx = ctx;
    for (let i = 0; i < children.length; i++) {
      const child = children[i]!;
      const type = t.typeOf(child);
      if (type === 'then') {
        phase = 'branch';
        let branchEnd = end;
        for (let j = i + 1; j < children.length; j++) {
          const next = t.typeOf(children[j]!);
          if (next === 'elif_clause' || next === 'else_clause' || next === 'fi') {
            branchEnd = t.starts[children[j]!]!;
            break;
          }
        }
        branch = this.withRegion(ctx, t.ends[child]!, branchEnd, false, NO_EXTRA, group);
        continue;
      }
      if (!t.isNamed(child)) continue;
      if (type === 'elif_clause') {
        const inner = this.withRegion(ctx, t.starts[child]!, t.ends[child]!, false, NO_EXTRA, group);
        const rest: number[] = [];
        for (let c = t.first(child); c >= 0; c = t.nexts[c]!) rest.push(c);
        this.walkConditional(rest.slice(1), inner, t.ends[child]!, group);
      } else if (type === 'else_clause') {
        this.walkKids(child, this.withRegion(ctx, t.starts[child]!, t.ends[child]!, false, NO_EXTRA, group));
      } else if (phase === 'condition') {
        this.walkSlot(child, extend(ctx, IN_CONDITION));
      } else {
        this.walkSlot(child, branch);
      }
    }
  }

  private walkWhile(node: Node, ctx: Ctx): void {
    for (const child of node.namedChildren) {
      if (child.type === 'do_group') this.walkChildren(child, this.withRegion(ctx, child.startIndex, child.endIndex, false));
      else this.walk(child, extend(ctx, IN_CONDITION));
    }
  }

  private walkFor(node: Node, ctx: Ctx): void {
    const variable = node.childForFieldName('variable');
    for (const child of node.namedChildren) {
      if (child === variable || child.id === variable?.id) continue;
      if (child.type === 'do_group') this.walkChildren(child, this.withRegion(ctx, child.startIndex, child.endIndex, false));
      else this.walk(child, ctx);
    }
    if (variable) {
      this.pushAssignment(variable, variable.text, null, 'for', ctx.fn);
      // The loop variable is set before the body runs: make it take effect at the variable.
      this.addEvent(variable.text, variable.endIndex, ctx, null, () => UNKNOWN);
    }
  }

  private walkCFor(node: Node, ctx: Ctx): void {
    for (const child of node.namedChildren) {
      if (child.type === 'do_group' || child.type === 'compound_statement') {
        this.walkChildren(child, this.withRegion(ctx, child.startIndex, child.endIndex, false));
      } else {
        this.arithmeticEvents(child, ctx);
      }
    }
  }

  private walkCase(node: Node, ctx: Ctx): void {
    const subject = node.childForFieldName('value');
    if (subject) this.walk(subject, ctx);
    const group = { start: node.startIndex, end: node.endIndex };
    for (const item of node.namedChildren) {
      if (item.type !== 'case_item') continue;
      const patterns: string[] = [];
      for (const child of item.children) if (child.fieldName === 'value') patterns.push(this.patternText(child));
      const arm = new Arm(item, patterns, subject?.text ?? '');
      const inner = this.withRegion(ctx, item.startIndex, item.endIndex, false, { arm }, group);
      for (const child of item.namedChildren) {
        if (child.fieldName === 'value') continue;
        this.walk(child, inner);
      }
    }
  }

  private patternText(node: Node): string {
    if (node.type === 'extglob_pattern' || node.type === 'word') return unescapeUnquoted(node.text);
    if (node.type === 'string' || node.type === 'raw_string') return stripQuotes(node);
    return node.text;
  }

  /** `((N++))`, `let N=1`, `$((N+=1))`: the assigned variables become unknown. */
  private arithmeticEvents(node: Node, ctx: Ctx): void {
    const text = node.text;
    const pattern = /([A-Za-z_][A-Za-z0-9_]*)\s*(?:[-+*/%&|^]|<<|>>)?=(?!=)|([A-Za-z_][A-Za-z0-9_]*)\s*(?:\+\+|--)|(?:\+\+|--)\s*([A-Za-z_][A-Za-z0-9_]*)/g;
    for (const match of text.matchAll(pattern)) {
      const name = match[1] ?? match[2] ?? match[3];
      if (name && name !== 'let') this.unknownEvent(name, node, ctx, 'arith');
    }
  }

  /** `${VAR:=default}` assigns VAR when it is unset (or empty). */
  private defaultAssignEvent(node: Node, ctx: Ctx): void {
    const children = node.children;
    const operator = children.find((child) => child.type === ':=' || child.type === '=');
    const nameNode = children.find((child) => child.type === 'variable_name');
    if (!operator || !nameNode || children[1]?.id !== nameNode.id) return;
    const name = nameNode.text;
    const colon = operator.type === ':=';
    const operands = children.filter((child) => child.isNamed && child.startIndex >= operator.endIndex);
    this.pushAssignment(node, name, operands[0] ?? null, 'default', ctx.fn);
    this.addEvent(name, node.endIndex, ctx, null, () => {
      const before = this.lookup(name, node.startIndex);
      if (before.k === 'unknown') return UNKNOWN;
      // Never assigned: the documented default is what a reader takes (the caller may override it).
      const current = before.k === 'arr' ? (before.items[0] ?? '') : before.k === 'val' ? before.v : null;
      if (current !== null && current.includes(HOLE)) return UNKNOWN;
      if (current !== null && (!colon || current !== '')) return before;
      return { k: 'val', v: this.partsScalar(operands.flatMap((operand) => this.parts(operand, true))) };
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Phase 2: commands with expanded words, function options, traps.

  private finishCommands(): void {
    for (const command of this.unread) this.readCommand(command);
    this.unread.length = 0;
  }

  /** Reads a command's name, prefix assignments and argument nodes off its children. */
  /** One string per distinct name: a slice of the text per command would be kept alive by each. */
  private intern(name: string): string {
    const known = this.names.get(name);
    if (known !== undefined) return known;
    this.names.set(name, name);
    return name;
  }

  readCommand(command: Command): void {
    let prefixEnv: Map<string, ShellWord> | null = null;
    let nameNode: Node | null = null;
    const argNodes: Node[] = [];
    for (const child of command.source.children) {
      const field = child.fieldName;
      if (child.type === 'variable_assignment' && !nameNode) {
        const key = child.childForFieldName('name')?.text;
        const value = child.childForFieldName('value');
        if (key) (prefixEnv ??= new Map()).set(key, value ? this.scalarWord(value) : emptyWord(child));
      } else if (field === 'name') {
        nameNode = child.namedChild(0) ?? child;
      } else if (field === 'argument' && child.isNamed) {
        argNodes.push(child);
      }
    }
    const nameWords = nameNode ? this.wordsOf([nameNode]) : NO_WORDS;
    const first = nameWords[0] ?? null;
    const nameKnown = first !== null && !first.multi && first.value !== null;
    const words = new CommandWords();
    if (nameWords.length > 1) words.leading = nameWords.slice(1);
    words.argSources = argNodes;
    words.nameWord = first;
    command.words = words;
    command.name = nameKnown ? first.value : null;
    if (prefixEnv) command.prefixEnv = prefixEnv;
  }

  /**
   * A function body runs with the options of its call sites, not those where it is defined: when every call
   * (and every trap naming it, which runs with the options in force at exit) agrees, use theirs.
   */
  private applyFunctionOptions(): void {
    const atExit = this.optionsAt(this.file.text.length);
    const trapTexts = this.commands.filter((command) => command.name === 'trap').flatMap((command) => command.args.map((arg) => arg.value ?? ''));
    for (const { name, region } of this.functionBodies) {
      if (!name || this.functionsWithSet.has(name)) continue;
      const states: Array<{ errexit: boolean; pipefail: boolean; inCondition: boolean }> = [];
      for (const call of this.callsOf(name)) states.push({ errexit: call.errexit, pipefail: call.pipefail, inCondition: call.inCondition });
      if (trapTexts.some((text) => callsName(text, name))) states.push({ errexit: atExit.errexit, pipefail: atExit.pipefail, inCondition: false });
      if (states.length === 0) continue;
      const firstState = states[0]!;
      if (!states.every((state) => state.errexit === firstState.errexit && state.pipefail === firstState.pipefail)) continue;
      const allInCondition = states.every((state) => state.inCondition);
      for (const command of this.commandsIn(name)) {
        command.errexit = firstState.errexit;
        command.pipefail = firstState.pipefail;
        if (allInCondition) command.inCondition = true;
      }
      this.overrides.push({ start: region.start, end: region.end, options: { ...this.optionsAt(region.start), errexit: firstState.errexit, pipefail: firstState.pipefail } });
    }
  }

  private collectTraps(): void {
    for (const command of this.commands) {
      if (command.name !== 'trap') continue;
      const args = command.args.filter((arg) => arg.value !== '--');
      if (args.length < 2 || args.some((arg) => arg.value === '-l' || arg.value === '-p' || arg.value === '-P')) continue;
      const [actionWord, ...signalWords] = args;
      // POSIX: a first operand that is an unsigned integer means every operand is a condition to reset.
      if (actionWord!.value !== null && /^\d+$/.test(actionWord!.value)) continue;
      const action = actionWord!.value;
      const signals = signalWords.map((word) => normalizeSignal(word.value ?? '?'));
      const functions = action === null ? [] : [...this.functionNodes.keys()].filter((fn) => callsName(action, fn));
      const node = (actionWord as Word).source;
      const inlineOffset = node.type === 'raw_string' ? node.startIndex + 1 : node.type === 'word' && !node.text.includes('\\') ? node.startIndex : null;
      this.traps.push(new Trap(command as Command, action, signals, functions, inlineOffset));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Queries

  valueOf(name: string, atOffset: number): string | null {
    const template = this.templateOf(name, atOffset);
    return template === null || template.includes(HOLE) ? null : template;
  }

  templateOf(name: string, atOffset: number): string | null {
    const state = this.lookup(name, atOffset);
    if (state.k === 'val') return state.v;
    if (state.k === 'arr') return state.items[0] ?? null;
    return null;
  }

  arrayOf(name: string, atOffset: number): string[] | null {
    const state = this.lookup(name, atOffset);
    if (state.k === 'arr') return state.items.some((item) => item.includes(HOLE)) ? null : state.items;
    if (state.k === 'val') return state.v.includes(HOLE) ? null : [state.v];
    return null;
  }

  isExported(name: string, atOffset: number): boolean {
    return this.exportStateAt(name, atOffset) === 'yes';
  }

  exportStateAt(name: string, atOffset: number): 'yes' | 'no' | 'maybe' {
    const list = this.exportEvents.get(name);
    if (!list) return 'no';
    let sawMaybeExport = false;
    for (let i = upperBound(list, atOffset) - 1; i >= 0; i--) {
      const event = list[i]!;
      const visibility = this.visibility(event.chain, event.localTo, atOffset);
      if (visibility === 'none') continue;
      if (visibility === 'maybe') {
        if (event.exported) sawMaybeExport = true;
        else if (!sawMaybeExport) return 'maybe';
        continue;
      }
      if (event.exported) return 'yes';
      return sawMaybeExport ? 'maybe' : 'no';
    }
    return sawMaybeExport ? 'maybe' : 'no';
  }

  envAt(atOffset: number): Map<string, string | null> {
    const env = new Map<string, string | null>();
    for (const name of this.exportEvents.keys()) {
      const state = this.exportStateAt(name, atOffset);
      if (state === 'yes') env.set(name, this.valueOf(name, atOffset));
      else if (state === 'maybe') env.set(name, null);
    }
    return env;
  }

  cwdAt(atOffset: number): string | null {
    const state = this.lookup(CWD, atOffset);
    return state.k === 'val' && !state.v.includes(HOLE) ? state.v : null;
  }

  optionsAt(atOffset: number): ShellOptions {
    let best: { start: number; end: number; options: ShellOptions } | null = null;
    for (const override of this.overrides) {
      if (override.start <= atOffset && atOffset < override.end && (!best || override.start >= best.start)) best = override;
    }
    if (best) return { ...best.options };
    let low = 0;
    let high = this.checkpoints.length - 1;
    // Checkpoints are pushed in document order of the walk, which is offset order.
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.checkpoints[mid]!.offset <= atOffset) low = mid;
      else high = mid - 1;
    }
    return { ...(this.checkpoints[low]?.options ?? this.initialOptions) };
  }

  commandFor(node: SyntaxNode): ShellCommand | undefined {
    if (node.type !== 'command') return undefined;
    if (!this.byNode) {
      this.byNode = new Map();
      for (let i = 0; i < this.commands.length; i++) {
        const slot = (this.commands[i] as Command).slot;
        this.byNode.set(`${this.light.starts[slot]!}:${this.light.ends[slot]!}`, this.commands[i]!);
      }
    }
    return this.byNode.get(`${node.startIndex}:${node.endIndex}`);
  }

  callsOf(functionName: string): ShellCommand[] {
    if (!this.callIndex) {
      this.callIndex = new Map();
      for (const command of this.commands) {
        if (command.name === null || !this.functionNodes.has(command.name)) continue;
        let list = this.callIndex.get(command.name);
        if (!list) this.callIndex.set(command.name, (list = []));
        list.push(command);
      }
    }
    return (this.callIndex.get(functionName) ?? []).filter((command) => command.functionName !== functionName);
  }

  private commandStart(index: number): number {
    return this.light.starts[(this.commands[index] as Command).slot]!;
  }

  commandsIn(functionName: string): ShellCommand[] {
    const body = this.functionNodes.get(functionName)?.childForFieldName('body');
    if (!body) return [];
    // Commands are in document order of their start: find the first one in the body by bisection.
    let low = 0;
    let high = this.commands.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.commandStart(mid) < body.startIndex) low = mid + 1;
      else high = mid;
    }
    const result: ShellCommand[] = [];
    for (let i = low; i < this.commands.length && this.commandStart(i) < body.endIndex; i++) result.push(this.commands[i]!);
    return result;
  }

  armsOf(command: ShellCommand): string[] | null {
    const seen = new Set<string>();
    const visit = (current: ShellCommand): string[] => {
      if (current.caseArms) return current.caseArms;
      if (!current.functionName || seen.has(current.functionName)) return [];
      seen.add(current.functionName);
      return this.callsOf(current.functionName).flatMap(visit);
    };
    const arms = [...new Set(visit(command))];
    return arms.length ? arms : null;
  }

  trapCommands(trap: ShellTrap): ShellCommand[] {
    const result: ShellCommand[] = [];
    for (const fn of trap.functions) result.push(...this.commandsIn(fn));
    if (trap.action !== null && trap.action.trim() !== '' && trap.action.trim() !== '-') {
      const inline = shellScript(fromText(`${this.file.path}#trap@${trap.command.index}`, 'shell', trap.action));
      if (inline) result.push(...inline.commands);
    }
    return result;
  }

  word(node: SyntaxNode): ShellWord {
    return this.scalarWord(this.lightNode(node));
  }

  words(nodes: SyntaxNode[]): ShellWord[] {
    return this.wordsOf(nodes.map((node) => this.lightNode(node)));
  }

  /** The mirror node of a real node (an index built on first use). */
  private lightNode(node: SyntaxNode): Node {
    if (!this.nodeIndex) {
      this.nodeIndex = new Map();
      const stack = [this.root];
      while (stack.length) {
        const current = stack.pop()!;
        const key = `${current.startIndex}:${current.endIndex}:${current.type}`;
        if (!this.nodeIndex.has(key)) this.nodeIndex.set(key, current);
        for (const child of current.children) stack.push(child);
      }
    }
    const found = this.nodeIndex.get(`${node.startIndex}:${node.endIndex}:${node.type}`);
    if (!found) throw new Error(`node ${node.type} at ${node.startIndex} is not in ${this.file.path}`);
    return found;
  }

  wordsOf(nodes: Node[]): ShellWord[] {
    const result: ShellWord[] = [];
    for (const node of nodes) {
      if (node.type === 'word') {
        // The common case, a plain unquoted word: its text is its one field (see `parts` and `partsToFields`).
        const text = node.text;
        if (isPlainWord(text)) {
          result.push(new Word(node, text, text, false));
          continue;
        }
      }
      for (const field of this.fieldsOf([node])) {
        result.push(new Word(node, field.unknown || field.t.includes(HOLE) ? null : field.t, field.t, field.multi));
      }
    }
    return result;
  }

  // ---------------------------------------------------------------------------------------------
  // Variable lookup

  private insideFunction(offset: number): { name: string; region: Region } | null {
    let found: { name: string; region: Region } | null = null;
    for (const body of this.functionBodies) {
      if (body.region.start > offset) break;
      if (offset < body.region.end) found = body;
    }
    return found;
  }

  private visibility(chain: Chain | null, localTo: Region | null, q: number): 'definite' | 'maybe' | 'none' {
    if (localTo && !(localTo.start <= q && q < localTo.end)) return 'none';
    let result: 'definite' | 'maybe' = 'definite';
    for (let link = chain; link; link = link.up) {
      const { region } = link;
      if (region.start <= q && q < region.end) continue;
      if (region.isolating) return 'none';
      if (region.group && region.group.start <= q && q < region.group.end) return 'none'; // a sibling branch
      result = 'maybe';
    }
    return result;
  }

  private evaluate(event: VarEvent): VarState {
    if (event.memo) return event.memo;
    if (event.busy) return UNKNOWN;
    event.busy = true;
    const state = event.compute();
    event.busy = false;
    event.memo = state;
    return state;
  }

  private lookup(name: string, q: number): VarState {
    if (name === '0') return { k: 'val', v: this.file.path };
    if (name === 'BASH_SOURCE') return { k: 'arr', items: [this.file.path] };
    const list = this.events.get(name);
    const maybes: VarEvent[] = [];
    if (list) {
      for (let i = upperBound(list, q) - 1; i >= 0; i--) {
        const event = list[i]!;
        const visibility = this.visibility(event.chain, event.localTo, q);
        if (visibility === 'none') continue;
        if (visibility === 'maybe') {
          maybes.push(event);
          if (maybes.length > 16) return UNKNOWN;
          continue;
        }
        const state = this.evaluate(event);
        if (maybes.every((maybe) => sameState(this.evaluate(maybe), state))) return state;
        return UNKNOWN;
      }
    }
    if (maybes.length) return UNKNOWN;
    if (name === 'PWD' && !list) {
      const cwd = this.cwdAt(q);
      return cwd === null ? UNKNOWN : { k: 'val', v: cwd };
    }
    if (list && this.insideFunction(q)) return this.globalFallback(list, q);
    if (/^([1-9][0-9]*|[@*#?$!-])$/.test(name)) return UNKNOWN;
    return ENV;
  }

  /** Inside a function, a global assigned (only) outside functions, unconditionally, with one value, is that value. */
  private globalFallback(list: VarEvent[], q: number): VarState {
    const fn = this.insideFunction(q)!;
    let agreed: VarState | null = null;
    for (const event of list) {
      // This function's own events before q were already seen; those after q come too late.
      if (event.offset >= fn.region.start && event.offset <= fn.region.end) continue;
      if (event.localTo) continue;
      if (event.chain !== null) {
        if (this.visibility(event.chain, null, q) === 'none') continue; // isolated: cannot reach q
        return UNKNOWN; // conditional, or in another function: cannot tell
      }
      const state = this.evaluate(event);
      if (agreed && !sameState(agreed, state)) return UNKNOWN;
      agreed = state;
    }
    return agreed ?? ENV;
  }

  // ---------------------------------------------------------------------------------------------
  // Expansion

  /** One word as in an assignment: no splitting, no globbing. */
  private scalarWord(node: Node): ShellWord {
    const template = this.scalarTemplate(node);
    return new Word(node, template.includes(HOLE) ? null : template, template, false);
  }

  private scalarTemplate(node: Node): string {
    return this.partsScalar(this.parts(node, false));
  }

  private partsScalar(parts: Part[]): string {
    let text = '';
    for (const part of parts) {
      switch (part.kind) {
        case 'lit':
        case 'exp':
        case 'qexp':
        case 'glob':
          text += part.text;
          break;
        case 'hole':
          text += HOLE;
          break;
        case 'arr':
          text += part.items.join(' ');
          break;
      }
    }
    return text;
  }

  private fieldsOf(nodes: Node[]): Field[] {
    const fields: Field[] = [];
    for (const node of nodes) fields.push(...partsToFields(this.parts(node, false)));
    return fields;
  }

  /** The parts of a word node; `quoted` when inside double quotes. */
  private parts(node: Node, quoted: boolean): Part[] {
    switch (node.type) {
      case 'word':
      case 'extglob_pattern': {
        const raw = node.text;
        if (!quoted && raw.startsWith('~')) return [{ kind: 'hole', multi: false }];
        const text = quoted ? raw : unescapeUnquoted(raw);
        if (!quoted && hasGlob(raw)) return [{ kind: 'glob', text }];
        return [{ kind: 'lit', text, quoted }];
      }
      case 'number':
      case 'variable_name':
      case 'regex':
        return [{ kind: 'lit', text: node.text, quoted }];
      case 'string_content':
        return [{ kind: 'lit', text: unescapeDoubleQuoted(node.text), quoted: true }];
      case 'raw_string':
        return [{ kind: 'lit', text: node.text.slice(1, -1), quoted: true }];
      case 'ansi_c_string':
        return [{ kind: 'lit', text: decodeAnsiC(node.text.slice(2, -1)), quoted: true }];
      case 'string':
      case 'translated_string': {
        const inner = node.type === 'translated_string' ? (node.namedChild(0) ?? node) : node;
        const parts: Part[] = [{ kind: 'lit', text: '', quoted: true }];
        // Text between named children (e.g. a `$` alone) is literal.
        let last = inner.startIndex + 1;
        for (const child of inner.namedChildren) {
          if (child.startIndex > last) parts.push({ kind: 'lit', text: unescapeDoubleQuoted(this.file.text.slice(last, child.startIndex)), quoted: true });
          parts.push(...this.parts(child, true));
          last = child.endIndex;
        }
        if (inner.endIndex - 1 > last) parts.push({ kind: 'lit', text: unescapeDoubleQuoted(this.file.text.slice(last, inner.endIndex - 1)), quoted: true });
        return parts;
      }
      case 'concatenation': {
        if (!quoted && isBraceExpansion(node)) return [{ kind: 'glob', text: node.text }];
        return node.namedChildren.flatMap((child) => this.parts(child, quoted));
      }
      case 'brace_expression':
        return [{ kind: 'glob', text: node.text }];
      case 'simple_expansion': {
        const nameNode = node.namedChild(0);
        const name = nameNode?.text ?? '';
        if (name === '@' || name === '*') return [{ kind: 'hole', multi: true }];
        return this.stateParts(this.lookup(name, node.startIndex), quoted, false);
      }
      case 'expansion':
        return this.expansionParts(node, quoted);
      case 'command_substitution': {
        const value = this.substitution(node);
        if (value === null) return [{ kind: 'hole', multi: !quoted }];
        return [quoted ? { kind: 'qexp', text: value } : { kind: 'exp', text: value }];
      }
      case 'arithmetic_expansion': {
        const inner = node.namedChild(0);
        if (node.namedChildCount === 1 && inner?.type === 'number') return [{ kind: 'lit', text: inner.text, quoted }];
        return [{ kind: 'hole', multi: false }];
      }
      default:
        return [{ kind: 'hole', multi: !quoted }];
    }
  }

  private stateParts(state: VarState, quoted: boolean, all: boolean): Part[] {
    switch (state.k) {
      case 'unknown':
      case 'env':
        return [{ kind: 'hole', multi: !quoted || all }];
      case 'unset':
        return [quoted ? { kind: 'qexp', text: '' } : { kind: 'exp', text: '' }];
      case 'val':
        return [quoted ? { kind: 'qexp', text: state.v } : { kind: 'exp', text: state.v }];
      case 'arr':
        if (all) return [{ kind: 'arr', items: state.items, quoted }];
        return [quoted ? { kind: 'qexp', text: state.items[0] ?? '' } : { kind: 'exp', text: state.items[0] ?? '' }];
    }
  }

  private expansionParts(node: Node, quoted: boolean): Part[] {
    const inner = node.children.slice(1, -1); // between `${` and `}`
    const head = inner[0];
    if (!head) return [{ kind: 'hole', multi: !quoted }];
    if (head.type === '#' || head.type === '!') return [{ kind: 'hole', multi: !quoted }];
    let state: VarState;
    let all = false;
    let joinAll = false;
    if (head.type === 'variable_name' || head.type === 'special_variable_name') {
      const name = head.text;
      if (name === '@' || name === '*') return [{ kind: 'hole', multi: true }];
      state = this.lookup(name, node.startIndex);
    } else if (head.type === 'subscript') {
      const name = head.childForFieldName('name')?.text ?? '';
      const index = head.childForFieldName('index');
      const indexText = index?.text ?? '';
      const whole = this.lookup(name, node.startIndex);
      if (indexText === '@' || indexText === '*') {
        state = whole;
        all = indexText === '@';
        joinAll = indexText === '*';
      } else if (/^\d+$/.test(indexText)) {
        const i = Number(indexText);
        if (whole.k === 'arr') state = i < whole.items.length ? { k: 'val', v: whole.items[i]! } : UNSET;
        else if (whole.k === 'val') state = i === 0 ? whole : UNSET;
        else state = whole;
      } else {
        state = UNKNOWN;
      }
      if (joinAll && state.k === 'arr') state = { k: 'val', v: state.items.join(' ') };
    } else {
      return [{ kind: 'hole', multi: !quoted }];
    }
    const rest = inner.slice(1);
    if (rest.length === 0) return this.stateParts(state, quoted, all);
    const operator = rest[0]!;
    const operands = rest.slice(1).filter((child) => child.isNamed);
    const op = operator.type;
    const scalar = state.k === 'arr' ? (state.items[0] ?? null) : state.k === 'val' ? state.v : null;
    const isSet = state.k === 'val' || state.k === 'arr';
    if (state.k === 'env' && op !== ':-' && op !== '-' && op !== ':=' && op !== '=') return [{ kind: 'hole', multi: !quoted }];
    const nonEmpty = scalar !== null && scalar !== '';
    const operandParts = (): Part[] => [{ kind: 'lit', text: '', quoted }, ...operands.flatMap((operand) => this.parts(operand, quoted))];
    switch (op) {
      case ':-':
      case ':=':
      case '-':
      case '=': {
        if (state.k === 'unknown' || (scalar !== null && scalar.includes(HOLE))) return [{ kind: 'hole', multi: !quoted }];
        const useDefault = op.startsWith(':') ? !nonEmpty : !isSet;
        return useDefault ? operandParts() : this.stateParts(state, quoted, all);
      }
      case ':+':
      case '+': {
        if (state.k === 'unknown') return [{ kind: 'hole', multi: !quoted }];
        const useAlt = op.startsWith(':') ? nonEmpty && !(scalar ?? '').includes(HOLE) : isSet;
        if (op.startsWith(':') && (scalar ?? '').includes(HOLE)) return [{ kind: 'hole', multi: !quoted }];
        return useAlt ? operandParts() : [{ kind: 'lit', text: '', quoted }];
      }
      case ':?':
      case '?':
        return isSet ? this.stateParts(state, quoted, all) : [{ kind: 'hole', multi: !quoted }];
      case '%':
      case '%%':
      case '#':
      case '##': {
        if (scalar === null || scalar.includes(HOLE) || operands.length !== 1) return [{ kind: 'hole', multi: !quoted }];
        const pattern = operands[0]!;
        if (pattern.namedChildCount > 0 && pattern.type !== 'regex') return [{ kind: 'hole', multi: !quoted }];
        const trimmed = trimPattern(scalar, pattern.text, op);
        if (trimmed === null) return [{ kind: 'hole', multi: !quoted }];
        return [quoted ? { kind: 'qexp', text: trimmed } : { kind: 'exp', text: trimmed }];
      }
      default:
        return [{ kind: 'hole', multi: !quoted }];
    }
  }

  /** The output of a command substitution, for the few idioms a reader resolves by eye; null otherwise. */
  private substitution(node: Node): string | null {
    const statements = node.namedChildren.filter((child) => child.type !== 'comment');
    let cwd: string | null | undefined; // undefined = not yet asked
    const currentCwd = (): string | null => {
      if (cwd === undefined) cwd = this.cwdAt(node.startIndex);
      return cwd;
    };
    let output = '';
    const run = (statement: Node): boolean => {
      if (statement.type === 'list') {
        const [left, right] = statement.namedChildren;
        const operator = statement.children.find((child) => child.type === '&&' || child.type === '||' || child.type === ';');
        if (!left || !right || operator?.type === '||') return false;
        return run(left) && run(right);
      }
      if (statement.type === 'redirected_statement') {
        const body = statement.childForFieldName('body');
        const redirects = statement.namedChildren.filter((child) => child.id !== body?.id);
        // Redirections that only silence output or errors (`&>/dev/null`, `2>&1 >/dev/null` on cd) are fine.
        if (!body || !redirects.every((redirect) => /\/dev\/null\s*$|&\d\s*$/.test(redirect.text))) return false;
        if (redirects.some((redirect) => /^(1?>|&>)/.test(redirect.text.trim())) && body.type === 'command' && literalText(body.childForFieldName('name')!) !== 'cd') return false;
        return run(body);
      }
      if (statement.type !== 'command') return false;
      const nameNode = statement.childForFieldName('name');
      const name = nameNode ? literalText(nameNode) : null;
      if (statement.namedChildren.some((child) => child.type === 'variable_assignment')) return false;
      const args = this.wordsOf(statement.namedChildren.filter((child) => child.type !== 'command_name'));
      if (args.some((arg) => arg.value === null)) return false;
      const values = args.map((arg) => arg.value!);
      const operands = values.filter((value) => !value.startsWith('-') || value === '-');
      const options = values.filter((value) => value.startsWith('-') && value !== '-' && value !== '--');
      const absolute = (value: string): string | null => {
        if (path.isAbsolute(value)) return path.normalize(value);
        const base = currentCwd();
        return base === null ? null : path.resolve(base, value);
      };
      switch (name) {
        case 'dirname': {
          if (operands.length !== 1 || options.length) return false;
          output += posixDirname(operands[0]!) + '\n';
          return true;
        }
        case 'basename': {
          if (operands.length < 1 || operands.length > 2 || options.length) return false;
          let base = path.posix.basename(operands[0]!);
          if (operands[1] && base.endsWith(operands[1]) && base !== operands[1]) base = base.slice(0, -operands[1].length);
          output += base + '\n';
          return true;
        }
        case 'pwd': {
          const base = currentCwd();
          if (base === null) return false;
          output += base + '\n';
          return true;
        }
        case 'cd': {
          if (operands.length !== 1 || operands[0] === '-') return false;
          const target = absolute(operands[0]!);
          if (target === null) return false;
          cwd = target;
          return true;
        }
        case 'realpath':
        case 'readlink': {
          if (operands.length !== 1) return false;
          if (name === 'readlink' && !options.some((option) => /^-[a-zA-Z]*[fem]/.test(option))) return false;
          const target = absolute(operands[0]!);
          if (target === null) return false;
          output += target + '\n';
          return true;
        }
        case 'echo': {
          if (options.length && !options.every((option) => option === '-n')) return false;
          output += values.filter((value) => value !== '-n').join(' ') + (options.includes('-n') ? '' : '\n');
          return true;
        }
        default:
          return false;
      }
    };
    for (const statement of statements) if (!run(statement)) return null;
    return output.replace(/\n+$/, '');
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

function partsToFields(parts: Part[]): Field[] {
  const fields: Field[] = [];
  let current: Field | null = null;
  const ensure = (): Field => (current ??= { t: '', multi: false, unknown: false, has: false });
  const flush = (): void => {
    if (current && current.has) fields.push(current);
    current = null;
  };
  const splitInto = (text: string): void => {
    const segments = text.split(/[ \t\n]+/);
    segments.forEach((segment, i) => {
      if (i > 0) flush();
      if (segment !== '') {
        const field = ensure();
        field.t += segment;
        field.has = true;
        if (segment.includes(HOLE)) field.multi = true;
      }
    });
  };
  for (const part of parts) {
    switch (part.kind) {
      case 'lit': {
        const field = ensure();
        field.t += part.text;
        if (part.quoted || part.text !== '') field.has = true;
        break;
      }
      case 'qexp': {
        const field = ensure();
        field.t += part.text;
        field.has = true;
        break;
      }
      case 'exp':
        if (part.text.includes(HOLE)) {
          const field = ensure();
          field.t += part.text;
          field.has = true;
          field.multi = true;
        } else {
          splitInto(part.text);
        }
        break;
      case 'hole': {
        const field = ensure();
        field.t += HOLE;
        field.has = true;
        if (part.multi) field.multi = true;
        break;
      }
      case 'glob': {
        const field = ensure();
        field.t += part.text;
        field.has = true;
        field.multi = true;
        field.unknown = true;
        break;
      }
      case 'arr':
        part.items.forEach((item, i) => {
          if (part.quoted) {
            if (i > 0) flush();
            const field = ensure();
            field.t += item;
            field.has = true;
            if (item.includes(HOLE)) field.multi = true;
          } else {
            if (i > 0) flush();
            splitInto(item);
          }
        });
        break;
    }
  }
  flush();
  return fields;
}

/** A non-empty unquoted word bash keeps as it is: no escape, glob, brace, tilde or NUL (HOLE) in it. */
function isPlainWord(text: string): boolean {
  if (text.length === 0 || text.charCodeAt(0) === 126) return false; // ~
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92 || c === 42 || c === 63 || c === 123 || c === 0) return false; // \ * ? { NUL
  }
  return true;
}

function emptyWord(node: Node): ShellWord {
  return new Word(node, '', '', false);
}

function sameState(a: VarState, b: VarState): boolean {
  if (a.k !== b.k) return false;
  if (a.k === 'val' && b.k === 'val') return a.v === b.v && !a.v.includes(HOLE);
  if (a.k === 'arr' && b.k === 'arr') return a.items.length === b.items.length && a.items.every((item, i) => item === b.items[i] && !item.includes(HOLE));
  return a.k === 'unset';
}

function upperBound<T extends { offset: number }>(list: T[], offset: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (list[mid]!.offset <= offset) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The text of a plain word node (no quotes or expansions), unescaped; null otherwise. */
function literalText(node: Node): string | null {
  if (node.type === 'command_name') {
    const inner = node.namedChild(0);
    return inner ? literalText(inner) : null;
  }
  if (node.type === 'word' || node.type === 'number') {
    const text = node.text;
    return text.includes('\\') ? unescapeUnquoted(text) : text;
  }
  if (node.type === 'raw_string') return node.text.slice(1, -1);
  if (node.type === 'string' && node.namedChildren.every((child) => child.type === 'string_content')) return unescapeDoubleQuoted(node.text.slice(1, -1));
  return null;
}

function stripQuotes(node: Node): string {
  if (node.type === 'raw_string') return node.text.slice(1, -1);
  return unescapeDoubleQuoted(node.text.slice(1, -1));
}

function unescapeUnquoted(text: string): string {
  return text.replace(/\\(\r?\n|.)/g, (_, ch: string) => (ch === '\n' || ch === '\r\n' ? '' : ch));
}

function unescapeDoubleQuoted(text: string): string {
  return text.replace(/\\(\r?\n|[$`"\\])/g, (_, ch: string) => (ch === '\n' || ch === '\r\n' ? '' : ch));
}

function hasGlob(raw: string): boolean {
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (ch === '*' || ch === '?') return true;
  }
  return /(^|[^\\])\{[^{}]*(,|\.\.)[^{}]*\}/.test(raw);
}

function isBraceExpansion(node: Node): boolean {
  let text = '';
  for (const child of node.namedChildren) text += child.type === 'word' ? child.text : '\u0001';
  return /(^|[^\\])\{[^{}\u0001]*(,|\.\.)[^{}\u0001]*\}/.test(text);
}

function decodeAnsiC(text: string): string {
  const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', v: '\v' };
  return text.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (match, esc: string) => {
    if (esc.startsWith('x')) return String.fromCharCode(parseInt(esc.slice(1), 16));
    if (/^[0-7]+$/.test(esc)) return String.fromCharCode(parseInt(esc, 8));
    return simple[esc] ?? match;
  });
}

function posixDirname(value: string): string {
  if (value === '') return '.';
  const trimmed = value.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  const slash = trimmed.lastIndexOf('/');
  if (slash < 0) return '.';
  const dir = trimmed.slice(0, slash).replace(/\/+$/, '');
  return dir === '' ? '/' : dir;
}

function globToRegExpSource(pattern: string): string | null {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      const next = pattern[++i];
      if (next === undefined) return null;
      source += escapeRegExp(next);
    } else if (ch === '*') source += '[\\s\\S]*';
    else if (ch === '?') source += '[\\s\\S]';
    else if (ch === '[') return null;
    else source += escapeRegExp(ch);
  }
  return source;
}

/** `${X%pat}`, `${X%%pat}`, `${X#pat}`, `${X##pat}` for patterns without brackets. */
function trimPattern(value: string, pattern: string, op: string): string | null {
  const source = globToRegExpSource(pattern);
  if (source === null) return null;
  const full = new RegExp(`^(?:${source})$`);
  if (op === '%' || op === '%%') {
    const starts = [...Array(value.length + 1).keys()];
    const order = op === '%' ? starts.reverse() : starts;
    for (const start of order) if (full.test(value.slice(start))) return value.slice(0, start);
    return value;
  }
  const ends = [...Array(value.length + 1).keys()];
  const order = op === '#' ? ends : ends.reverse();
  for (const end of order) if (full.test(value.slice(0, end))) return value.slice(end);
  return value;
}

/** Does a command string call this name as a command word (`cleanup`, `cleanup; exit`, `{ cleanup || true; }`)? */
function callsName(text: string, name: string): boolean {
  return new RegExp(`(^|[\\s;&|({])${escapeRegExp(name)}($|[\\s;&|)}])`).test(text);
}

function normalizeSignal(signal: string): string {
  const upper = signal.toUpperCase();
  if (upper === '0') return 'EXIT';
  return upper.startsWith('SIG') ? upper.slice(3) : upper;
}

/** The interpreter and its flags from a shebang line: `#!/usr/bin/env -S bash -e` → bash, ['-e']. */
export function parseShebang(shebang: string | null): { interpreter: string | null; flags: string[] } {
  if (!shebang) return { interpreter: null, flags: [] };
  const words = shebang.slice(2).trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return { interpreter: null, flags: [] };
  let index = 0;
  if (path.posix.basename(words[0]!) === 'env') {
    index = 1;
    while (index < words.length && words[index]!.startsWith('-')) index++;
  }
  const program = words[index];
  return { interpreter: program ? path.posix.basename(program) : null, flags: words.slice(index + 1) };
}

function applySetFlags(options: ShellOptions, flags: string[]): void {
  applySetArgs(options, flags);
}

/** Applies `set` arguments (`-e`, `+e`, `-euo pipefail`, `-o errexit`...) to the options. */
function applySetArgs(options: ShellOptions, args: Array<string | null>): void {
  const named: Record<string, keyof ShellOptions> = { errexit: 'errexit', pipefail: 'pipefail', allexport: 'allexport' };
  const letters: Record<string, keyof ShellOptions> = { e: 'errexit', a: 'allexport' };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === null || arg === undefined) continue;
    if (arg === '--' || arg === '-') break;
    const sign = arg[0];
    if (sign !== '-' && sign !== '+') break; // positional parameters follow
    const on = sign === '-';
    for (const letter of arg.slice(1)) {
      if (letter === 'o') {
        const name = args[++i];
        const key = name ? named[name] : undefined;
        if (key) options[key] = on;
      } else {
        const key = letters[letter];
        if (key) options[key] = on;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Wrappers: `exec pytest`, `env X=1 pytest`, `sudo -E docker run`, `timeout 60 ./x.sh`...

/** The command a wrapper line really runs, with the environment and directory the wrappers give it. */
export interface EffectiveCommand {
  /** The real command's name; null when unknown (or a wrapper option could not be read). */
  name: string | null;
  nameWord: ShellWord | null;
  args: ShellWord[];
  /** Prefix assignments plus `env X=1` / `sudo X=1` assignments. */
  env: Map<string, ShellWord>;
  /** The wrappers peeled off, outermost first: ['sudo', 'env']. */
  wrappers: string[];
  /** `env -C DIR` / `env --chdir=DIR`: the directory the command runs in (template), when a wrapper sets one. */
  chdir: ShellWord | null;
}

interface WrapperSpec {
  values: string[]; // options that take a value (short letters without '-', long names with '--')
  flags: string[];
  assignments?: boolean; // accepts NAME=VALUE words before the command
  operands?: number; // operands before the command (timeout's duration)
  numericFlags?: boolean; // `nice -10`
  stopOn?: string[]; // options that make it not run a command (`command -v`)
}

const WRAPPERS: Record<string, WrapperSpec> = {
  exec: { values: ['a'], flags: ['c', 'l'] },
  command: { values: [], flags: ['p'], stopOn: ['-v', '-V'] },
  builtin: { values: [], flags: [] },
  env: { values: ['u', '--unset', 'C', '--chdir'], flags: ['i', '--ignore-environment', '0', '--null', 'v', '--debug'], assignments: true, stopOn: ['-S', '--split-string'] },
  sudo: {
    values: ['u', '--user', 'g', '--group', 'C', '--close-from', 'p', '--prompt', 'r', '--role', 't', '--type', 'U', '--other-user', 'D', '--chdir', 'R', '--chroot', 'T', '--command-timeout', 'h', '--host'],
    flags: ['E', 'H', '--set-home', 'n', '--non-interactive', 'S', '--stdin', 'b', '--background', 'i', '--login', 's', '--shell', 'k', '--reset-timestamp', 'K', 'A', '--askpass', 'P', '--preserve-groups', '--preserve-env'],
    assignments: true,
    stopOn: ['-l', '--list', '-v', '--validate', '-e', '--edit'],
  },
  doas: { values: ['u', 'C'], flags: ['n', 's'] },
  time: { values: [], flags: ['p'] },
  nice: { values: ['n', '--adjustment'], flags: [], numericFlags: true },
  nohup: { values: [], flags: [] },
  setsid: { values: [], flags: ['c', '--ctty', 'f', '--fork', 'w', '--wait'] },
  stdbuf: { values: ['i', '--input', 'o', '--output', 'e', '--error'], flags: [] },
  timeout: { values: ['s', '--signal', 'k', '--kill-after'], flags: ['--preserve-status', '--foreground', 'v', '--verbose'], operands: 1 },
};

const effectiveCache = new WeakMap<ShellCommand, EffectiveCommand>();

/** Peels wrappers off a command: `sudo -E env X=1 timeout 60 pytest -x` → pytest, ['-x'], env X=1. */
export function effectiveCommand(command: ShellCommand): EffectiveCommand {
  const cached = effectiveCache.get(command);
  if (cached) return cached;
  const env = new Map(command.prefixEnv);
  const wrappers: string[] = [];
  let chdir: ShellWord | null = null;
  if (command.name !== null && !WRAPPERS[path.posix.basename(command.name)]) {
    // No wrapper: the command itself, whose arguments need not be expanded before someone reads them.
    const nameWord = command.nameWord;
    let args: ShellWord[] | null = null;
    const plain: EffectiveCommand = {
      name: command.name,
      nameWord,
      get args(): ShellWord[] {
        return (args ??= command.args.slice());
      },
      env,
      wrappers,
      chdir,
    };
    effectiveCache.set(command, plain);
    return plain;
  }
  let words: ShellWord[] = command.nameWord ? [command.nameWord, ...command.args] : [...command.args];
  let result: EffectiveCommand | null = null;
  for (let depth = 0; depth < 8 && !result; depth++) {
    const head = words[0];
    if (!head || head.multi || head.value === null) {
      result = { name: null, nameWord: head ?? null, args: words.slice(1), env, wrappers, chdir };
      break;
    }
    const base = path.posix.basename(head.value);
    const spec = WRAPPERS[base];
    if (!spec || words.length === 1) {
      result = { name: head.value, nameWord: head, args: words.slice(1), env, wrappers, chdir };
      break;
    }
    let i = 1;
    let failed = false;
    let stop = false;
    while (i < words.length) {
      const word = words[i]!;
      const value = word.value;
      if (value === null || word.multi) {
        failed = true;
        break;
      }
      if (value === '--') {
        i++;
        break;
      }
      if (spec.stopOn?.some((option) => value === option || value.startsWith(option + '='))) {
        stop = true;
        break;
      }
      if (spec.assignments && /^[A-Za-z_][A-Za-z0-9_]*=/.test(value)) {
        const eq = value.indexOf('=');
        env.set(value.slice(0, eq), sliceWord(word, eq + 1));
        i++;
        continue;
      }
      if (value.startsWith('--')) {
        const eq = value.indexOf('=');
        const name = eq < 0 ? value : value.slice(0, eq);
        if (spec.values.includes(name)) {
          const optionValue = eq < 0 ? (words[i + 1] ?? null) : sliceWord(word, eq + 1);
          if (name === '--chdir' && base === 'env' && optionValue) chdir = optionValue;
          i += eq < 0 ? 2 : 1;
          continue;
        }
        if (spec.flags.includes(name)) {
          i++;
          continue;
        }
        failed = true;
        break;
      }
      if (value.startsWith('-') && value.length > 1) {
        if (spec.numericFlags && /^-\d+$/.test(value)) {
          i++;
          continue;
        }
        let consumed = 1;
        let ok = true;
        for (let j = 1; j < value.length; j++) {
          const letter = value[j]!;
          if (spec.values.includes(letter)) {
            const attached = value.slice(j + 1);
            const optionValue = attached ? sliceWord(word, j + 1) : (words[i + 1] ?? null);
            if (letter === 'C' && base === 'env' && optionValue) chdir = optionValue;
            if (!attached) consumed = 2;
            break;
          }
          if (!spec.flags.includes(letter)) {
            ok = false;
            break;
          }
        }
        if (!ok) {
          failed = true;
          break;
        }
        i += consumed;
        continue;
      }
      break;
    }
    if (stop) {
      result = { name: head.value, nameWord: head, args: words.slice(1), env, wrappers, chdir };
      break;
    }
    if (failed) {
      result = { name: null, nameWord: null, args: words.slice(1), env, wrappers: [...wrappers, base], chdir };
      break;
    }
    i += spec.operands ?? 0;
    wrappers.push(base);
    words = words.slice(i);
    if (words.length === 0) result = { name: null, nameWord: null, args: [], env, wrappers, chdir };
  }
  result ??= { name: null, nameWord: null, args: [], env, wrappers, chdir };
  effectiveCache.set(command, result);
  return result;
}

/** The part of a word after `start` characters of its template (the value of `--opt=VALUE`, `-pVALUE`, `K=VALUE`). */
export function sliceWord(word: ShellWord, start: number, end?: number): ShellWord {
  const template = word.template.slice(start, end);
  const value = template.includes(HOLE) || (word.value === null && !word.template.includes(HOLE)) ? null : template;
  return withTemplate(word, template, value);
}

/** The same word (same node) with another template and value: for launchers that rewrite a word (`hatch run env:pytest`). */
export function withTemplate(word: ShellWord, template: string, value: string | null = template.includes(HOLE) ? null : template, multi = false): ShellWord {
  if (word instanceof Word) return new Word(word.source, value, template, multi);
  return { node: word.node, text: word.text, value, template, multi };
}
