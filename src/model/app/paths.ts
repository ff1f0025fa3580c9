// Evaluating path expressions: `Path(__file__).resolve().parents[2]`, `os.path.dirname(...)` chains.
import path from 'node:path';
import type Parser from 'tree-sitter';
import type { SourceFile } from '../../source.js';
import {
  callArguments,
  calleeName,
  stringValue,
  numberValue,
  unparenthesize,
  type PyModule,
} from '../python.js';
import { MAX_DEPTH, enclosingDefinitions } from './helpers.js';
import { nodesInScope } from '../function-scope.js';

const ASSIGNMENT_TYPES = new Set(['assignment']);

type Node = Parser.SyntaxNode;

/** How a path expression climbs from the file: enough to rewrite the number of levels. */
export interface ParentChain {
  /** Directories climbed from the file (`.parent` once = 1, `parents[0]` = 1). */
  levels: number;
  kind: 'parent' | 'parents' | 'dirname';
  /** The span to replace: the `.parent.parent` run, the index of `parents[N]`, or the whole `dirname(dirname(...))` nest. */
  start: number;
  end: number;
  file: SourceFile;
  /** For `dirname`: the function as written (`os.path.dirname`, `dirname`) and the innermost argument (`__file__`, `os.path.abspath(__file__)`). */
  callee?: string;
  base?: string;
}

export interface PathValue {
  path: string;
  chain: ParentChain | null;
}

function isPathConstructor(name: string | null): boolean {
  return name === 'Path' || name === 'pathlib.Path' || name === 'PurePath' || name === 'pathlib.PurePath' || name === 'PosixPath' || name === 'pathlib.PosixPath';
}

/** Local single assignments of `name` inside the functions around `at`, innermost first; null when rebound. */
export function localValue(at: Node, name: string): Node | null | undefined {
  for (const definition of enclosingDefinitions(at)) {
    const body = definition.childForFieldName('body');
    if (!body) continue;
    const bound: Node[] = [];
    // From the tree's node index (see localImport): a decorator holds no assignment.
    for (const assignment of nodesInScope(body, ASSIGNMENT_TYPES)) {
      const left = assignment.childForFieldName('left');
      const right = assignment.childForFieldName('right');
      if (left?.type === 'identifier' && left.text === name && right) bound.push(right);
    }
    if (bound.length === 1) return bound[0]!;
    if (bound.length > 1) return null;
  }
  return undefined;
}

/**
 * The absolute path a path expression evaluates to, when it is built from `__file__` and constants.
 * `chain` is set when the expression is `Path(__file__)` (optionally resolved) followed by `.parent`s or `.parents[N]`.
 */
export function evaluatePath(module: PyModule, node: Node | null, depth = 0): PathValue | null {
  if (!node || depth > MAX_DEPTH) return null;
  const file = module.file;
  const expression = unparenthesize(node);
  switch (expression.type) {
    case 'identifier': {
      if (expression.text === '__file__') return { path: file.path, chain: null };
      const local = localValue(expression, expression.text);
      if (local === null) return null;
      if (local) return evaluatePath(module, local, depth + 1);
      const assigned = module.assignments.get(expression.text);
      return assigned ? evaluatePath(module, assigned.value, depth + 1) : null;
    }
    case 'string': {
      const text = stringValue(module, expression);
      return text === null ? null : { path: path.resolve(path.dirname(file.path), text), chain: null };
    }
    case 'attribute': {
      const attribute = expression.childForFieldName('attribute')?.text;
      const object = expression.childForFieldName('object');
      if (attribute !== 'parent' || !object) return null;
      const inner = evaluatePath(module, object, depth + 1);
      if (!inner) return null;
      const chain = parentChainOf(module, expression);
      return { path: path.dirname(inner.path), chain };
    }
    case 'subscript': {
      const value = expression.childForFieldName('value');
      const index = expression.childForFieldName('subscript');
      if (value?.type !== 'attribute' || value.childForFieldName('attribute')?.text !== 'parents') return null;
      const count = numberValue(module, index);
      const base = evaluatePath(module, value.childForFieldName('object'), depth + 1);
      if (count === null || !base) return null;
      let result = base.path;
      for (let i = 0; i <= count; i++) result = path.dirname(result);
      return { path: result, chain: parentChainOf(module, expression) };
    }
    case 'binary_operator': {
      if (expression.childForFieldName('operator')?.text !== '/') return null;
      const left = evaluatePath(module, expression.childForFieldName('left'), depth + 1);
      const right = stringValue(module, expression.childForFieldName('right'));
      return left && right !== null ? { path: path.resolve(left.path, right), chain: null } : null;
    }
    case 'call': {
      const fn = expression.childForFieldName('function');
      const args = callArguments(expression);
      if (args.hasSplat) return null;
      const name = calleeName(module, expression);
      if (fn?.type === 'attribute') {
        const method = fn.childForFieldName('attribute')?.text;
        const object = fn.childForFieldName('object');
        if ((method === 'resolve' || method === 'absolute' || method === 'expanduser') && args.positional.length === 0) {
          const inner = evaluatePath(module, object, depth + 1);
          return inner ? { path: inner.path, chain: null } : null;
        }
        if (method === 'joinpath') {
          const inner = evaluatePath(module, object, depth + 1);
          const parts = args.positional.map((arg) => stringValue(module, arg));
          if (!inner || parts.some((part) => part === null)) return null;
          return { path: path.resolve(inner.path, ...(parts as string[])), chain: null };
        }
      }
      if (name === 'str' || name === 'os.fspath' || name === 'os.path.abspath' || name === 'os.path.realpath' || name === 'os.path.normpath') {
        if (args.positional.length !== 1) return null;
        const inner = evaluatePath(module, args.positional[0]!, depth + 1);
        // `str(...)`, `abspath(...)` keep the chain: the fix edits the expression inside, which names the same folder.
        return inner ? { path: path.normalize(inner.path), chain: inner.chain } : null;
      }
      if (name === 'os.path.dirname') {
        if (args.positional.length !== 1) return null;
        const inner = evaluatePath(module, args.positional[0]!, depth + 1);
        return inner ? { path: path.dirname(inner.path), chain: dirnameChainOf(module, expression) } : null;
      }
      if (name === 'os.path.join') {
        if (args.positional.length === 0) return null;
        const first = evaluatePath(module, args.positional[0]!, depth + 1);
        const rest = args.positional.slice(1).map((arg) => stringValue(module, arg));
        if (!first || rest.some((part) => part === null)) return null;
        return { path: path.resolve(first.path, ...(rest as string[])), chain: null };
      }
      if (isPathConstructor(name)) {
        if (args.positional.length === 0) return null;
        const first = evaluatePath(module, args.positional[0]!, depth + 1);
        const rest = args.positional.slice(1).map((arg) => stringValue(module, arg));
        if (!first || rest.some((part) => part === null)) return null;
        return { path: rest.length ? path.resolve(first.path, ...(rest as string[])) : first.path, chain: null };
      }
      return null;
    }
    default:
      return null;
  }
}

/** Is this `Path(__file__)`, `Path(__file__).resolve()` or `.absolute()`? */
function isFileBase(module: PyModule, node: Node): boolean {
  const expression = unparenthesize(node);
  if (expression.type !== 'call') return false;
  const fn = expression.childForFieldName('function');
  const args = callArguments(expression);
  if (fn?.type === 'attribute') {
    const method = fn.childForFieldName('attribute')?.text;
    if ((method === 'resolve' || method === 'absolute') && args.positional.length === 0) return isFileBase(module, fn.childForFieldName('object')!);
  }
  if (!isPathConstructor(calleeName(module, expression)) || args.positional.length !== 1) return false;
  const only = unparenthesize(args.positional[0]!);
  return only.type === 'identifier' && only.text === '__file__';
}

/** The `.parent` run or `parents[N]` of an expression climbing from `Path(__file__)`; null for any other shape. */
function parentChainOf(module: PyModule, expression: Node): ParentChain | null {
  if (expression.type === 'subscript') {
    const value = expression.childForFieldName('value')!;
    const index = expression.childForFieldName('subscript');
    const object = value.childForFieldName('object');
    if (!object || !index || index.type !== 'integer' || !isFileBase(module, object)) return null;
    return { levels: Number(index.text) + 1, kind: 'parents', start: index.startIndex, end: index.endIndex, file: module.file };
  }
  let levels = 0;
  let current: Node = expression;
  while (current.type === 'attribute' && current.childForFieldName('attribute')?.text === 'parent') {
    levels++;
    current = current.childForFieldName('object')!;
  }
  if (!isFileBase(module, current)) return null;
  return { levels, kind: 'parent', start: current.endIndex, end: expression.endIndex, file: module.file };
}

/** Is this `__file__`, or `os.path.abspath(__file__)` / `realpath` of it? */
function isFileName(module: PyModule, node: Node): boolean {
  const expression = unparenthesize(node);
  if (expression.type === 'identifier') return expression.text === '__file__';
  if (expression.type !== 'call') return false;
  const name = calleeName(module, expression);
  const args = callArguments(expression);
  return (name === 'os.path.abspath' || name === 'os.path.realpath') && args.positional.length === 1 && !args.hasSplat && isFileName(module, args.positional[0]!);
}

/** `os.path.dirname(os.path.dirname(__file__))`: each call climbs one folder; null for any other shape. */
function dirnameChainOf(module: PyModule, expression: Node): ParentChain | null {
  let levels = 0;
  let current: Node = expression;
  let callee: string | null = null;
  for (;;) {
    const node = unparenthesize(current);
    if (node.type !== 'call' || calleeName(module, node) !== 'os.path.dirname') break;
    const args = callArguments(node);
    if (args.positional.length !== 1 || args.hasSplat) return null;
    const written = node.childForFieldName('function')?.text ?? null;
    if (callee !== null && written !== callee) return null; // one spelling, so the rewrite keeps it
    callee = written;
    levels++;
    current = args.positional[0]!;
  }
  if (levels === 0 || !callee || !isFileName(module, current)) return null;
  return { levels, kind: 'dirname', start: expression.startIndex, end: expression.endIndex, file: module.file, callee, base: current.text };
}

/** The replacement text that makes a chain climb `levels` directories. */
export function chainText(chain: ParentChain, levels: number): string {
  if (chain.kind === 'dirname') return `${chain.callee}(`.repeat(levels) + chain.base + ')'.repeat(levels);
  return chain.kind === 'parents' ? String(levels - 1) : '.parent'.repeat(levels);
}
