// Fast lookups of the nodes of a parsed tree (the kinds it prefetches together are Python's): every
// node of some types, fetched from the native side in one call and cached per tree, with their offsets
// read once so that range questions ("which calls lie inside this function?") answer in JavaScript, and
// a node's span and text without crossing into the tree-sitter binding again.
import type Parser from 'tree-sitter';
import { onForget, perFile, type SourceFile } from '../source.js';

type Node = Parser.SyntaxNode;

/** Every node of a given type under `node` (inclusive), in document order. */
export function descendants(node: Node, types: string | string[]): Node[] {
  return node.descendantsOfType(types);
}

/**
 * Every node of the given types under the module, in document order, fetched from the native side
 * in one call and cached per file and type list. Walking `namedChildren` node by node crosses into
 * the tree-sitter binding for every node and costs ten times more; rules should ask for the kinds
 * of node they need through this.
 */
const typeIndex = perFile<Map<string, Node[]>>();

export function nodesOfType(file: SourceFile, type: string): Node[] {
  if (!file.tree) return [];
  let index = typeIndex.get(file);
  if (!index) {
    index = new Map();
    typeIndex.set(file, index);
  }
  let nodes = index.get(type);
  if (!nodes) {
    nodes = [...rawNodesOfTypes(file.tree, [type])];
    index.set(type, nodes);
  }
  return nodes;
}

/**
 * The identifiers spelled `name` in the file, in document order, found where its text spells the name:
 * asking the tree for every identifier of a module costs a wrapper each, and two calls into the binding
 * for each one's text, when a reader wants the few that spell one name. Each place the text holds the
 * name is looked up in the tree; one inside a comment, a string or a longer name is no identifier of
 * exactly that span, and every identifier spelled so starts at one of those places.
 */
export function* identifiersNamed(file: SourceFile, name: string): Generator<Node, void, undefined> {
  if (!file.tree) return;
  // An empty name is spelled everywhere: only the tree knows its (zero-width, missing) identifiers.
  if (name === '') {
    yield* nodesOfType(file, 'identifier').filter((identifier) => identifier.text === '');
    return;
  }
  const root = file.tree.rootNode;
  // Looked up one place at a time: a reader that stops at the first identifier it wants makes no node for the others.
  for (let at = file.text.indexOf(name); at >= 0; at = file.text.indexOf(name, at + 1)) {
    const end = at + name.length;
    const node = root.descendantForIndex(at, end);
    if (node.type === 'identifier' && node.startIndex === at && node.endIndex === end) yield node;
  }
}

/**
 * The kinds of node the models ask about most, fetched together: `descendantsOfType` costs a walk of
 * the whole tree on the native side whatever it looks for, so one walk serves them all, and a request
 * for some of them filters its result (the same nodes, in the same order, as a walk of their own).
 * Only the kinds the models look for: each node found costs a wrapper object, and each type name
 * asked for costs the binding a scan of the grammar's symbols.
 */
const COMMON_TYPES = [
  'call',
  'assignment',
  'augmented_assignment',
  'function_definition',
  'class_definition',
  'lambda',
  'as_pattern',
  'for_statement',
  'named_expression',
  'return_statement',
  'yield',
  // Asked for with `call` by the environment reads (gate/condition.ts), and imports by the app model:
  // each on every module the common kinds are fetched for, so one walk and one wrapper per call serve both.
  'subscript',
  'comparison_operator',
  'import_statement',
  'import_from_statement',
];
const COMMON = new Set(COMMON_TYPES);

interface TreeNodes {
  /** Every node of the common kinds, in document order. */
  common: Node[] | null;
  /** `descendantsOfType(types)` of the root by sorted type list. */
  raw: Map<string, Node[]>;
  positioned: Map<string, TypedNodeIndex>;
}

const treeNodes = new WeakMap<Parser.Tree, TreeNodes>();

// Kept by tree (the questions below are asked of trees), emptied with the tree's file.
onForget((file) => {
  if (file.tree) treeNodes.delete(file.tree);
});

function nodesOf(tree: Parser.Tree): TreeNodes {
  let entry = treeNodes.get(tree);
  if (!entry) {
    entry = { common: null, raw: new Map(), positioned: new Map() };
    treeNodes.set(tree, entry);
  }
  return entry;
}

/** Keys of the type lists asked for, by list: most callers ask with the same constant list every time. */
const typeKeys = new WeakMap<readonly string[], string>();

function typeKey(types: readonly string[]): string {
  if (types.length === 1) return types[0]!;
  let key = typeKeys.get(types);
  if (key === undefined) {
    key = [...types].sort().join(',');
    typeKeys.set(types, key);
  }
  return key;
}

/** Exactly `tree.rootNode.descendantsOfType(types)`, cached; do not modify the array. */
function rawNodesOfTypes(tree: Parser.Tree, types: readonly string[]): Node[] {
  const entry = nodesOf(tree);
  const key = typeKey(types);
  let nodes = entry.raw.get(key);
  if (!nodes) {
    if (types.every((type) => COMMON.has(type))) {
      entry.common ??= tree.rootNode.descendantsOfType(COMMON_TYPES);
      const wanted = new Set(types);
      nodes = entry.common.filter((node) => wanted.has(node.type));
    } else {
      nodes = tree.rootNode.descendantsOfType([...types]);
    }
    entry.raw.set(key, nodes);
  }
  return nodes;
}

/**
 * The named nodes of the given types in a tree, in document order, with their offsets read once:
 * range questions ("which calls lie inside this function?") then answer in JavaScript without
 * crossing into the binding again. Do not modify the arrays.
 */
export interface TypedNodeIndex {
  nodes: Node[];
  starts: number[];
  ends: number[];
}

export function typedNodeIndex(tree: Parser.Tree, types: readonly string[]): TypedNodeIndex {
  const entry = nodesOf(tree);
  const key = typeKey(types);
  let index = entry.positioned.get(key);
  if (!index) {
    index = { nodes: [], starts: [], ends: [] };
    // A type name may also name an anonymous token (`yield`, `lambda`): keep named nodes only. (A node of
    // smoke-lint's named class holds `isNamed` as a value, src/native.ts: the check costs no call into
    // the binding for the nodes it keeps.)
    for (const node of rawNodesOfTypes(tree, types)) {
      if (!node.isNamed) continue;
      index.nodes.push(node);
      index.starts.push(node.startIndex);
      index.ends.push(node.endIndex);
    }
    entry.positioned.set(key, index);
  }
  return index;
}

/** The first position in `starts` (sorted ascending) whose value is at least `offset`. */
export function lowerBound(starts: readonly number[], offset: number): number {
  let low = 0;
  let high = starts.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (starts[middle]! < offset) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** `tree.rootNode.descendantsOfType(types)` served from the per-tree cache (a fresh array each call). */
export function treeNodesOfType(tree: Parser.Tree, types: string | readonly string[]): Node[] {
  return [...rawNodesOfTypes(tree, typeof types === 'string' ? [types] : types)];
}

/**
 * `[node.startIndex, node.endIndex]`. A named node's start is read off the fields the binding hands every
 * node object and its end asked of the binding once (src/native.ts): no memo is needed here.
 */
export function nodeSpan(node: Node): readonly [number, number] {
  return [node.startIndex, node.endIndex];
}

/** `node.text`, cut from the tree's text when it was parsed from a string (as the binding's own getter does). */
export function nodeText(node: Node): string {
  const input = (node.tree as { input?: unknown }).input;
  return typeof input === 'string' ? input.substring(node.startIndex, node.endIndex) : node.text;
}
