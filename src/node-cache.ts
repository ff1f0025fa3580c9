// tree-sitter's node objects, kept per tree in a plain JavaScript map instead of the binding's cache of
// weak references. Applied to tree-sitter's JavaScript layer (its index.js) as it is loaded
// (src/native-record.ts).
//
// What it replaces: the layer hands out one JavaScript object per syntax node, and so that a node asked
// for twice is the same object, it registers every new object with the binding (`tree._cacheNode`). The
// binding keeps a weak reference to it and adds a finalizer that takes the entry out when V8 collects the
// object: two weak handles, a native allocation and a hash-table entry per node object, each made through
// a call into the binding, and each handled by the collector again when the object dies. For every node
// it is asked about, the binding first looks in that cache. smoke-lint makes hundreds of thousands of
// node objects on a large tree, and measured in turn with the layer as published (CPU of every thread):
// the bench tree of 500 suites 10.3-12.2 -> 9.0-9.4 s, 30 suites 3,853 -> 3,656 M instructions under
// callgrind, the same findings.
//
// What it does instead: each tree gets a map from a node's id (the address of the node in the parsed
// tree, which the binding already writes beside each node it hands out) to the node's object, filled as
// nodes are handed out, and consulted before a new object is made. The binding's cache stays empty, so
// it always writes the node out, and the map answers. The objects live as long as their tree: smoke-lint
// never edits a tree, and lets each go when the suite that parsed it is done, so memory stays bounded by
// the largest suite (the bench's peak RSS at 500 suites is the same). The map is under a registered
// symbol (`NODE_OBJECTS`), so that `forgetFile` (src/source.ts) can empty it when a project lets the file
// go. A node is now the same object for as long as its tree's map holds it, where before it depended on
// when V8 had collected the last one; the models compare nodes by position anyway
// (test/node-identity.test.ts).
//
// Only a layer whose text is the one this replacement was written against is changed: the two functions
// must be there, with the names, signatures and the calls into the binding's cache they have in
// tree-sitter 0.25, alone between `unmarshalNode` and `marshalNode`. Any other text is left as it is
// (correct, only slower); test/node-cache.test.ts checks that the installed tree-sitter is changed.

/** Where the replaced layer keeps a tree's node objects (a registered symbol: the layer is a module of its own). */
export const NODE_OBJECTS = Symbol.for('smoke-lint.nodes');

/** Where the layer's functions begin and end, and what the replacement relies on the layer to define. */
const FIRST = 'function unmarshalNode(value, tree, offset = 0, cache = null) {';
const SECOND = 'function unmarshalNodes(nodes, tree) {';
const AFTER = 'function marshalNode(node, offset = 0) {';
const REQUIRED = [
  'tree._cacheNode(result);',
  'tree._cacheNodes(Array.from(cache.values()));',
  'const NODE_FIELD_COUNT = 6;',
  'const ERROR_TYPE_ID = 0xFFFF',
  'const binding = ',
  'class SyntaxNode {',
];

/**
 * The replacement. A node is written out by the binding as six 32-bit numbers in `nodeTransferArray`,
 * the first two its id's low and high halves (an address, below 2^53: exact as a number), and is handed
 * out as its type id, or as an object when the binding's own cache had it (never, here, but still
 * honoured). `unmarshalNodes` walks a list the way the layer's own does: the offset moves on by one node
 * for every entry that was written out.
 */
const REPLACEMENT = `const SMOKE_LINT_NODES = Symbol.for(${JSON.stringify(NODE_OBJECTS.description)});

function unmarshalNode(value, tree, offset = 0) {
  if (typeof value === 'object') return value;
  const {nodeTransferArray} = binding;
  const low = nodeTransferArray[offset];
  const high = nodeTransferArray[offset + 1];
  if (low === 0 && high === 0) return null;
  const id = high * 4294967296 + low;
  let known = tree[SMOKE_LINT_NODES];
  if (known === undefined) {
    known = new Map();
    Object.defineProperty(tree, SMOKE_LINT_NODES, { value: known });
  }
  let node = known.get(id);
  if (node !== undefined) return node;
  const NodeClass = value === ERROR_TYPE_ID ? SyntaxNode : tree.language.nodeSubclasses[value];
  node = new NodeClass(tree);
  for (let field = 0; field < NODE_FIELD_COUNT; field++) node[field] = nodeTransferArray[offset + field];
  known.set(id, node);
  return node;
}

function unmarshalNodes(nodes, tree) {
  let offset = 0;
  for (let index = 0; index < nodes.length; index++) {
    const node = unmarshalNode(nodes[index], tree, offset);
    if (node !== nodes[index]) {
      nodes[index] = node;
      offset += NODE_FIELD_COUNT;
    }
  }
  return nodes;
}

`;

/** tree-sitter's index.js with node objects kept per tree (see above); the text as it is when it is not the expected one. */
export function withNodeCachePerTree(source: string): string {
  const first = source.indexOf(FIRST);
  const second = source.indexOf(SECOND);
  const after = source.indexOf(AFTER);
  if (first < 0 || !(first < second && second < after)) return source;
  // Exactly the two functions in between, each once in the file.
  const region = source.slice(first, after);
  if (region.split('function ').length !== 3 || source.indexOf(FIRST, first + 1) >= 0 || source.indexOf(SECOND, second + 1) >= 0) return source;
  if (!REQUIRED.every((text) => source.includes(text))) return source;
  if (source.includes('SMOKE_LINT_NODES')) return source;
  return source.slice(0, first) + REPLACEMENT + source.slice(after);
}
