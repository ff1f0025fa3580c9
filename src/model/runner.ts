// How a runner script's exit status and its teardown relate to the pytest run it makes (SL602, SL603, SL605).
//
// The questions are about the top level of the script: which statement runs pytest, what follows it, who
// reads `$?`, whether a failure ends the script before the database is stopped, and what the EXIT trap runs.
// Anything the model cannot place (pytest inside a function, a loop, a subshell) is "unknown", and the
// rules stay silent on it.
import type Parser from 'tree-sitter';
import type { ShellCommand, ShellScript, ShellTrap } from './shell.js';
import { onForget } from '../source.js';

type Node = Parser.SyntaxNode;

/** Verbs that ask a DB script to remove its database. */
export const STOP_VERBS = new Set(['stop', 'down', 'clean', 'teardown']);

/** The statement that is a direct child of the program and contains the node; null inside nothing. */
export function topStatement(node: Node): Node | null {
  let current: Node | null = node;
  while (current && current.parent && current.parent.type !== 'program') current = current.parent;
  return current && current.parent?.type === 'program' ? current : null;
}

/** The named, non-comment statements of the program after the given top-level statement. */
export function statementsAfter(statement: Node): Node[] {
  const parent = statement.parent;
  if (parent?.type === 'program' && parent.parent === null) {
    const statements = programStatements(parent);
    const index = statements.indexOf(statement);
    if (index >= 0) return statements.after(index);
  }
  const result: Node[] = [];
  for (let next = statement.nextNamedSibling; next; next = next.nextNamedSibling) {
    if (next.type !== 'comment') result.push(next);
  }
  return result;
}

/**
 * The program's named children, fetched from the binding in one call and kept per tree: stepping
 * through `nextNamedSibling` crosses into the binding once per statement, for every question asked
 * (a long script with several pytest runs asked it for every statement several times over). Offsets
 * are read only where a lookup probes (a binary search: the children are in document order).
 */
class ProgramStatements {
  private readonly starts: Array<number | undefined>;

  constructor(private readonly nodes: Node[]) {
    this.starts = new Array<number | undefined>(nodes.length);
  }

  private startAt(index: number): number {
    let start = this.starts[index];
    if (start === undefined) {
      start = this.nodes[index]!.startIndex;
      this.starts[index] = start;
    }
    return start;
  }

  /** The position of the statement among the program's named children (by offsets and type), or -1. */
  indexOf(statement: Node): number {
    const start = statement.startIndex;
    let low = 0;
    let high = this.nodes.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.startAt(middle) < start) low = middle + 1;
      else high = middle;
    }
    // Zero-width nodes (a missing token) may share a start with the next statement: check them all.
    const end = statement.endIndex;
    for (let index = low; index < this.nodes.length && this.startAt(index) === start; index++) {
      const candidate = this.nodes[index]!;
      if (candidate.endIndex === end && candidate.type === statement.type) return index;
    }
    return -1;
  }

  /** The non-comment named children after position `index`. */
  after(index: number): Node[] {
    const result: Node[] = [];
    for (let next = index + 1; next < this.nodes.length; next++) {
      const node = this.nodes[next]!;
      if (node.type !== 'comment') result.push(node);
    }
    return result;
  }
}

const programs = new WeakMap<Parser.Tree, ProgramStatements>();
// Emptied with the tree's file: the table is old, and keeps its values (the tree's statements) alive through
// young-generation collections until a full one, whether the tree is alive or not (see perNode in source.ts).
onForget((file) => {
  if (file.tree) programs.delete(file.tree);
});

function programStatements(program: Node): ProgramStatements {
  let statements = programs.get(program.tree);
  if (!statements) {
    statements = new ProgramStatements(program.namedChildren);
    programs.set(program.tree, statements);
  }
  return statements;
}

/** Does the node read `$?` (or `${?}`), outside function definitions? */
export function readsStatus(node: Node): boolean {
  if (node.type === 'function_definition') return false;
  if (node.type === 'special_variable_name' && node.text === '?') return true;
  for (const child of node.namedChildren) if (readsStatus(child)) return true;
  return false;
}

function readsPipestatus(node: Node): boolean {
  if (node.type === 'variable_name' && node.text === 'PIPESTATUS') return true;
  for (const child of node.namedChildren) if (readsPipestatus(child)) return true;
  return false;
}

/** `X=$?` / `X="$?"` as a statement: the variable's name; null otherwise. */
export function statusAssignment(node: Node): string | null {
  if (node.type !== 'variable_assignment') return null;
  const value = node.childForFieldName('value');
  const name = node.childForFieldName('name')?.text ?? null;
  if (!value || !name) return null;
  const text = value.text;
  return text === '$?' || text === '"$?"' || text === '${?}' || text === '"${?}"' ? name : null;
}

/** Is the command a pipeline element whose status the pipeline drops (not last, no pipefail)? */
function statusDroppedByPipe(command: ShellCommand): boolean {
  const position = command.pipelinePosition;
  return position !== null && position.index < position.length - 1 && !command.pipefail;
}

/** Would a failure of this command end the script on the spot (errexit, unguarded, not hidden by a pipe)? */
export function failureEndsScript(command: ShellCommand): boolean {
  return command.errexit && !command.inCondition && !statusDroppedByPipe(command) && !command.inSubstitution && !command.background;
}

export type StatusVerdict =
  /** The script exits with pytest's status (or the rule cannot tell). */
  | { kind: 'ok' }
  /** `X=$?` right after a pytest that errexit aborts on: the capture only ever sees 0. */
  | { kind: 'dead-capture'; capture: Node; variable: string | null; fixable: boolean }
  /** `$?` read after another command ran. */
  | { kind: 'read-late'; read: Node; between: Node }
  /** pytest piped into another command without pipefail. */
  | { kind: 'piped' }
  /** pytest's status is never captured and other statements run after it. */
  | { kind: 'overwritten'; last: Node }
  /** The status was saved in a variable that no `exit` ever uses. */
  | { kind: 'captured-not-exited'; variable: string; capture: Node; last: Node };

function exitUsesVariable(script: ShellScript, after: number, variable: string): boolean {
  const pattern = new RegExp(`\\$\\{?${variable}\\b`);
  const exits = script.commands.some(
    (command) => command.start >= after && (command.name === 'exit' || command.name === 'return') && command.args.some((arg) => pattern.test(arg.text)),
  );
  // A test of the variable (`[ "$rc" -ne 0 ] && exit 1`) hands the decision to the script: trust it.
  return exits || testsVariable(script, after, variable);
}

function testsVariable(script: ShellScript, after: number, variable: string): boolean {
  const pattern = new RegExp(`\\$\\{?${variable}\\b|\\(\\(\\s*${variable}\\b`);
  const root = script.file.tree?.rootNode;
  if (!root) return false;
  const visit = (node: Node): boolean => {
    if (node.endIndex <= after) return false;
    if (node.startIndex >= after && (node.type === 'test_command' || (node.type === 'compound_statement' && node.child(0)?.type === '(('))) {
      if (pattern.test(node.text)) return true;
    }
    if (node.type === 'command' && node.startIndex >= after) {
      const name = node.childForFieldName('name')?.text;
      if ((name === 'test' || name === '[') && pattern.test(node.text)) return true;
    }
    return node.namedChildren.some(visit);
  };
  return visit(root);
}

/** The last statement of the program (comments aside). */
function lastStatement(statement: Node): Node {
  const after = statementsAfter(statement);
  return after[after.length - 1] ?? statement;
}

/** Follow a status saved in a variable to an `exit` that uses it. */
function capturedVerdict(script: ShellScript, statement: Node, capture: Node, variable: string): StatusVerdict {
  if (exitUsesVariable(script, capture.endIndex, variable)) return { kind: 'ok' };
  return { kind: 'captured-not-exited', variable, capture, last: lastStatement(statement) };
}

/**
 * Does the script end with pytest's exit status? `isPytestStatement` marks top-level statements that run
 * pytest again (scanning for `$?` stops there).
 */
export function statusVerdict(script: ShellScript, command: ShellCommand, isPytestStatement: (node: Node) => boolean): StatusVerdict {
  if (command.functionName || command.inSubstitution || command.background) return { kind: 'ok' };
  if (command.name === 'exec') return { kind: 'ok' };
  const statement = topStatement(command.node);
  if (!statement) return { kind: 'ok' };
  const following = statementsAfter(statement);
  const cut = following.findIndex((node) => isPytestStatement(node));
  const scan = cut < 0 ? following : following.slice(0, cut);

  if (statusDroppedByPipe(command)) {
    const next = scan[0];
    if (next && readsPipestatus(next)) return { kind: 'ok' };
    return { kind: 'piped' };
  }

  // Where does pytest sit inside its top-level statement?
  let shape: 'plain' | 'guarded-by-or' | 'left-of-and' | 'if-condition' | 'other' = 'other';
  let orRight: Node | null = null;
  const own = command.statement;
  const pipelineParent = own.parent?.type === 'pipeline' ? own.parent : null;
  const unit = pipelineParent ?? own;
  if (unit.id === statement.id) shape = 'plain';
  else if (unit.parent?.type === 'list') {
    const list = unit.parent;
    const operator = list.children.find((child) => child.type === '&&' || child.type === '||');
    const [left, right] = list.namedChildren;
    if (left?.id === unit.id && operator?.type === '||') {
      shape = 'guarded-by-or';
      orRight = right ?? null;
    } else if (left?.id === unit.id && operator?.type === '&&') shape = list.id === statement.id ? 'left-of-and' : 'other';
    else if (right?.id === unit.id && list.id === statement.id) shape = 'plain'; // `start && pytest`: the list ends with pytest
  } else if (statement.type === 'if_statement' && statement.childForFieldName('condition')?.id === unit.id) {
    shape = 'if-condition';
  } else if (statement.type === 'if_statement') {
    // `if pytest ...; then` parses the condition as the first named child in some grammar versions.
    const firstNamed = statement.namedChildren[0];
    if (firstNamed?.id === unit.id) shape = 'if-condition';
  }

  switch (shape) {
    case 'other':
      return { kind: 'ok' };
    case 'if-condition': {
      const variableNode = findStatusAssignment(statement);
      if (variableNode) return capturedVerdict(script, statement, variableNode.node, variableNode.name);
      return { kind: 'ok' };
    }
    case 'guarded-by-or': {
      if (!orRight) return { kind: 'ok' };
      const variable = statusAssignment(orRight);
      if (variable) return capturedVerdict(script, statement, orRight, variable);
      return { kind: 'ok' }; // `|| exit 1`, `|| { ...; }`: the script decides
    }
    case 'plain':
    case 'left-of-and': {
      const next = scan[0];
      if (next && (readsStatus(next) || readsPipestatus(next))) {
        const variable = statusAssignment(next);
        if (shape === 'plain' && failureEndsScript(command)) {
          const ownLine = next.startPosition.row !== statement.endPosition.row && (statementsAfter(next)[0]?.startPosition.row ?? Infinity) !== next.endPosition.row;
          return { kind: 'dead-capture', capture: next, variable, fixable: variable !== null && unit.id === statement.id && ownLine };
        }
        if (variable) return capturedVerdict(script, statement, next, variable);
        return { kind: 'ok' };
      }
      const late = scan.slice(1).find((node) => readsStatus(node));
      if (late && next) return { kind: 'read-late', read: late, between: next };
      if (following.length === 0) return { kind: 'ok' };
      if (cut >= 0) return { kind: 'ok' }; // another pytest run follows: its own verdict decides
      if (shape === 'plain' && failureEndsScript(command)) return { kind: 'ok' };
      // Whatever runs after pytest (even a function definition, whose status is 0) decides the script's status.
      return { kind: 'overwritten', last: following[following.length - 1]! };
    }
  }
}

function findStatusAssignment(node: Node): { node: Node; name: string } | null {
  const name = statusAssignment(node);
  if (name) return { node, name };
  for (const child of node.namedChildren) {
    const found = findStatusAssignment(child);
    if (found) return found;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Stopping the database

function firstOperand(words: ShellCommand['args'], from: number): string | null {
  for (let i = from; i < words.length; i++) {
    const value = words[i]!.value;
    if (value === null) return null;
    if (!value.startsWith('-')) return value;
  }
  return null;
}

/** Is this command a DB stop: `docker rm/stop/kill`, `docker compose down`, a script called with `stop`, or a function doing one? */
export function isStopCommand(script: ShellScript, command: ShellCommand, seen: Set<string> = new Set()): boolean {
  const name = command.name;
  const args = command.args;
  if (name === 'docker' || name === 'podman') {
    let subcommand = firstOperand(args, 0);
    let index = args.findIndex((arg) => arg.value === subcommand);
    if (subcommand === 'container') {
      subcommand = firstOperand(args, index + 1);
      index = args.findIndex((arg, i) => i > index && arg.value === subcommand);
    }
    if (subcommand === 'rm' || subcommand === 'stop' || subcommand === 'kill') return true;
    if (subcommand === 'compose') return args.some((arg) => arg.value === 'down');
    return false;
  }
  if (name === 'docker-compose' || name === 'podman-compose') return args.some((arg) => arg.value === 'down');
  if (name !== null && script.functions.has(name)) {
    if (seen.has(name)) return false;
    seen.add(name);
    return script.commandsIn(name).some((inner) => isStopCommand(script, inner, seen));
  }
  if (name === 'bash' || name === 'sh') {
    const scriptArg = args.findIndex((arg) => arg.value === null || !arg.value.startsWith('-'));
    if (scriptArg < 0) return false;
    const verb = args[scriptArg + 1]?.value;
    return verb !== undefined && verb !== null && STOP_VERBS.has(verb);
  }
  // A script called by path (known or not): `"$DB_SCRIPT" stop`, `./scripts/test-db.sh down`.
  const scriptLike = name === null || name.includes('/') || /\.(sh|bash)$/.test(name);
  if (!scriptLike) return false;
  const verb = args[0]?.value;
  return verb !== undefined && verb !== null && STOP_VERBS.has(verb);
}

/** Traps that run when the script exits. */
export function exitTraps(script: ShellScript): ShellTrap[] {
  return script.traps.filter((trap) => trap.signals.includes('EXIT') && trap.action !== null && trap.action.trim() !== '' && trap.action.trim() !== '-');
}

/** Does an EXIT trap stop the database? */
export function trapStopsDatabase(script: ShellScript): boolean {
  return exitTraps(script).some((trap) => script.trapCommands(trap).some((command) => isStopCommand(script, command)));
}

/** Is the node inside (or equal to) the ancestor? */
export function within(node: Node, ancestor: Node): boolean {
  return node.startIndex >= ancestor.startIndex && node.endIndex <= ancestor.endIndex;
}

/**
 * Can a failure of pytest end the script before `stop` runs? errexit with pytest unguarded; an `exit` in
 * pytest's statement (`pytest || exit 1`, `if ! pytest; then exit 1; fi`); or `pytest && stop`.
 */
export function failureSkips(script: ShellScript, pytest: ShellCommand, stop: ShellCommand): string | null {
  if (stop.start < pytest.end) return null;
  if (failureEndsScript(pytest)) return 'errexit (`set -e`) ends the script as soon as pytest fails';
  const statement = topStatement(pytest.node);
  if (!statement) return null;
  const exits = script.commands.some((command) => command.name === 'exit' && within(command.node, statement) && command.start > pytest.start);
  if (exits && !within(stop.node, statement)) return 'the script exits when pytest fails';
  // `pytest && stop`: the smallest list holding both joins them with &&.
  let list: Node | null = stop.statement.parent;
  while (list && !(list.type === 'list' && within(pytest.node, list))) list = list.parent;
  if (list && list.type === 'list') {
    const operator = list.children.find((child) => child.type === '&&' || child.type === '||');
    const [left] = list.namedChildren;
    if (operator?.type === '&&' && left && within(pytest.node, left) && !within(stop.node, left)) return '`&&` runs the stop only when pytest passes';
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Commands whose failure would replace the exit status inside a trap

const NEVER_FAILS = new Set(['echo', 'printf', 'true', ':', 'local', 'export', 'declare', 'typeset', 'readonly', 'set', 'shift', 'return', 'exit', 'trap', 'unset', 'shopt']);

/** Can this command fail in a way that errexit turns into the script's status? */
export function canFail(script: ShellScript, command: ShellCommand, seen: Set<string> = new Set()): boolean {
  if (command.inCondition || command.inSubstitution || command.background || statusDroppedByPipe(command)) return false;
  const name = command.name;
  if (name !== null && NEVER_FAILS.has(name)) return false;
  if (name === 'rm' && command.args.some((arg) => arg.value !== null && /^-[a-zA-Z]*f/.test(arg.value))) return false;
  if (name !== null && script.functions.has(name)) {
    if (seen.has(name)) return false;
    seen.add(name);
    return script.commandsIn(name).some((inner) => inner.errexit && canFail(script, inner, seen));
  }
  return true;
}
