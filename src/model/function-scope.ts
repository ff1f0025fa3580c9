// What a name inside one function stands for, read as a reader would: the nodes of the function's own
// body (not of nested functions, classes or lambdas), the names it binds once and their values, and
// module-level names. Shared by the client models and by any rule that follows a local to its value.
import type Parser from 'tree-sitter';
import { unparenthesize, type FunctionInfo, type PyModule } from './python.js';
import { lowerBound, nodeSpan, typedNodeIndex } from './tree-nodes.js';
import { perNode } from '../source.js';

type Node = Parser.SyntaxNode;

const SCOPE_BOUNDARIES = new Set(['function_definition', 'class_definition', 'lambda']);

/** Every node of the given types under `root`, not descending into nested functions, classes or lambdas. */
export function nodesInScope(root: Node, types: Set<string>): Node[] {
  // A block is never as wide as one of its ancestors, so "inside the block" is "within its offsets";
  // other roots take the cursor walk.
  if (root.type !== 'block' || types.has('block')) return nodesInScopeByCursor(root, types);
  const [start, end] = nodeSpan(root);
  const boundaries = typedNodeIndex(root.tree, SCOPE_BOUNDARY_TYPES);
  // The nested scopes inside the block (nested ones among them too; they do no harm).
  const fences: Array<{ start: number; end: number; type: string }> = [];
  for (let i = lowerBound(boundaries.starts, start); i < boundaries.nodes.length && boundaries.starts[i]! <= end; i++) {
    if (boundaries.ends[i]! <= end) fences.push({ start: boundaries.starts[i]!, end: boundaries.ends[i]!, type: boundaries.nodes[i]!.type });
  }
  const candidates = typedNodeIndex(root.tree, typeList(types));
  const found: Node[] = [];
  for (let i = lowerBound(candidates.starts, start); i < candidates.nodes.length && candidates.starts[i]! <= end; i++) {
    const nodeStart = candidates.starts[i]!;
    const nodeEnd = candidates.ends[i]!;
    if (nodeEnd > end) continue;
    let fenced = false;
    for (const fence of fences) {
      if (fence.start > nodeStart || nodeEnd > fence.end) continue;
      // A node exactly as wide as a function, class or lambda is that node, or one of its ancestors.
      if (fence.start === nodeStart && fence.end === nodeEnd && candidates.nodes[i]!.type !== fence.type) continue;
      fenced = true;
      break;
    }
    if (!fenced) found.push(candidates.nodes[i]!);
  }
  return found;
}

const SCOPE_BOUNDARY_TYPES = [...SCOPE_BOUNDARIES];

/** The set's types as a list, the same list for the same set: the per-tree index keys its answers by list (tree-nodes.ts). */
const typeLists = new WeakMap<Set<string>, string[]>();

function typeList(types: Set<string>): string[] {
  let list = typeLists.get(types);
  if (!list) {
    list = [...types];
    typeLists.set(types, list);
  }
  return list;
}

/** Nodes of the given types in a function's own body (not in nested functions, classes, lambdas). */
export function ownNodes(fn: FunctionInfo, types: string[]): Node[] {
  const body = fn.node.childForFieldName('body');
  return body ? nodesInScope(body, new Set(types)) : [];
}

/** `nodesInScope` for any root: a cursor walk over named nodes, allocating a node only for the ones found. */
function nodesInScopeByCursor(root: Node, types: Set<string>): Node[] {
  const found: Node[] = [];
  if (types.has(root.type)) found.push(root);
  const cursor = root.walk();
  if (!cursor.gotoFirstChild()) return found;
  for (;;) {
    let descend = false;
    if (cursor.nodeIsNamed) {
      const type = cursor.nodeType;
      if (!SCOPE_BOUNDARIES.has(type)) {
        if (types.has(type)) found.push(cursor.currentNode);
        descend = true;
      }
    }
    if (descend && cursor.gotoFirstChild()) continue;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) return found;
    }
  }
}

// By the function's node (`perNode`: emptied with its file), for the FunctionInfo itself: the modules' own
// are shared by every rule (and nobody changes them).
const localsCache = perNode<Node, { fn: FunctionInfo; locals: ReadonlyMap<string, Node | null> }>();

function functionLocals(fn: FunctionInfo): ReadonlyMap<string, Node | null> {
  const cached = localsCache.get(fn.node);
  if (cached?.fn === fn) return cached.locals;
  const locals = readLocals(fn);
  localsCache.set(fn.node, { fn, locals });
  return locals;
}

function readLocals(fn: FunctionInfo): Map<string, Node | null> {
  const locals = new Map<string, Node | null>();
  const body = fn.node.childForFieldName('body');
  if (!body) return locals;
  const bind = (name: string, value: Node | null): void => {
    if (fn.parameters.includes(name)) {
      locals.set(name, null);
      return;
    }
    locals.set(name, locals.has(name) ? null : value);
  };
  for (const node of nodesInScope(body, LOCAL_BINDINGS)) {
    if (node.type === 'assignment') {
      const left = node.childForFieldName('left');
      const right = node.childForFieldName('right');
      if (left?.type === 'identifier') bind(left.text, right && right.type !== 'assignment' ? right : null);
      else for (const id of left?.descendantsOfType('identifier') ?? []) bind(id.text, null);
    } else if (node.type === 'augmented_assignment') {
      const left = node.childForFieldName('left');
      if (left?.type === 'identifier') bind(left.text, null);
    } else if (node.type === 'as_pattern') {
      const target = node.childForFieldName('alias');
      const value = node.namedChild(0);
      const inner = target?.namedChild(0) ?? null;
      if (node.parent?.type === 'with_item' && inner?.type === 'identifier') bind(inner.text, value);
      else for (const id of target?.descendantsOfType('identifier') ?? []) bind(id.text, null);
    } else if (node.type === 'for_statement') {
      for (const id of node.childForFieldName('left')?.descendantsOfType('identifier') ?? []) bind(id.text, null);
    } else if (node.type === 'named_expression') {
      const name = node.childForFieldName('name');
      if (name) bind(name.text, null);
    }
  }
  return locals;
}

const LOCAL_BINDINGS = new Set(['assignment', 'augmented_assignment', 'as_pattern', 'for_statement', 'named_expression']);

/**
 * The names a function binds, read as a reader would: a name bound once (`x = ...`, `with ... as x`)
 * stands for its value; a name bound several times, or by a loop or an augmented assignment, is unknown.
 */
export class FunctionScope {
  readonly module: PyModule;
  readonly fn: FunctionInfo | null;
  /** name -> its single value, or null when bound in a way that cannot be followed. */
  readonly locals: Map<string, Node | null>;

  constructor(module: PyModule, fn: FunctionInfo | null) {
    this.module = module;
    this.fn = fn;
    // The bindings of a function are read once per tree and function; each scope gets its own copy of the map.
    this.locals = fn ? new Map(functionLocals(fn)) : new Map();
  }

  isParameter(name: string): boolean {
    return this.fn?.parameters.includes(name) ?? false;
  }

  /** Follows a name to the one value it was bound to (locally, else at module level); otherwise returns the node itself. */
  resolve(node: Node, depth = 0): Node {
    const expression = unparenthesize(node);
    if (expression.type !== 'identifier' || depth > 10) return expression;
    const name = expression.text;
    if (this.isParameter(name)) return expression;
    if (this.locals.has(name)) {
      const value = this.locals.get(name);
      return value ? this.resolve(value, depth + 1) : expression;
    }
    const assigned = this.module.assignments.get(name);
    return assigned ? resolveModuleName(this.module, assigned.value, depth + 1) : expression;
  }
}

/** Follows a module-level name to the one value it was assigned; otherwise returns the node itself. */
export function resolveModuleName(module: PyModule, node: Node, depth = 0): Node {
  const expression = unparenthesize(node);
  if (expression.type !== 'identifier' || depth > 10) return expression;
  const assigned = module.assignments.get(expression.text);
  return assigned ? resolveModuleName(module, assigned.value, depth + 1) : expression;
}
