// tree-sitter and its two grammars are native addons. They are loaded on first use rather than at import, so
// that an install whose binding cannot load (`npm install --ignore-scripts`, a Node upgrade without a rebuild)
// gets one line saying what to do instead of a stack trace from the module loader.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { recordedBinding, recordedNatives } from './native-record.js';
import type Parser from 'tree-sitter';

/** The native binding or a grammar could not be loaded; the message is one line of advice. */
export class NativeLoadError extends Error {}

export interface Natives {
  Parser: typeof Parser;
  python: unknown;
  bash: unknown;
}

const require = createRequire(import.meta.url);
let loaded: Natives | null = null;

function load(name: string): unknown {
  try {
    return require(name);
  } catch (error) {
    const detail = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
    throw new NativeLoadError(
      `cannot load the native parser \`${name}\` (${detail}); run \`npm rebuild ${name}\` (it needs python3, make and g++) or reinstall without --ignore-scripts`,
    );
  }
}

/** Where the build records the binaries of tree-sitter and its grammars: dist/natives.json (scripts/bundle.js). */
const NATIVES_RECORD = fileURLToPath(new URL('../natives.json', import.meta.url));

export function natives(): Natives {
  loaded ??= recordedNatives(NATIVES_RECORD) ?? { Parser: load('tree-sitter') as typeof Parser, python: load('tree-sitter-python'), bash: load('tree-sitter-bash') };
  return loaded;
}

/**
 * Gives a grammar the node classes tree-sitter's JavaScript layer would build on its first `setLanguage`,
 * without what smoke-lint never uses. The layer hands out each node as an instance of a subclass of
 * `SyntaxNode` per named node type, whose prototype holds the type's name (so `node.type` needs no call
 * into the binding) and a getter per field (`node.nameNode`; smoke-lint asks `childForFieldName`). Its build
 * compiles a class per type from source and searches the grammar's node-type list once per type: 5-12 ms
 * of every run that parses both languages, about a tenth of starting node. The layer takes the classes from
 * the grammar's `nodeSubclasses` (by type id) when that is set already; these are made here in about a
 * millisecond: for each named type, a constructor that makes a node of one common class with the type as
 * the node's own field (the layer calls `new nodeSubclasses[typeId](tree)`, and takes the object it
 * returns). A type is named when the binding names its symbol (it gives null for the anonymous ones), so
 * the grammar's node-type list (`nodeTypeInfo`, a JSON file of 50-65 KB) is not needed: loaded from the
 * build's record (src/native-record.ts), a grammar leaves it unread. When the binding is not the one
 * expected (no `SyntaxNode`, no list of type names), nothing is set and the layer builds its own.
 * (test/node-classes.test.ts checks the classes and that a node's type reads as before.)
 */
export function leanNodeClasses(grammar: unknown, binding: typeof Parser): void {
  const language = grammar as { nodeSubclasses?: unknown };
  const SyntaxNode = (binding as unknown as { SyntaxNode?: unknown }).SyntaxNode;
  if (language.nodeSubclasses !== undefined || typeof SyntaxNode !== 'function') return;
  // The binding names the grammar's named (regular) symbols by id, and gives null for the others.
  const names = typeNamesById(grammar);
  if (names === null) return;
  const Base = SyntaxNode as new (...args: unknown[]) => object;
  // The named nodes' one class: where the start offset is read without a call into the binding, the end
  // offset asked once per node (see `rememberOnce`), and the type is the node's own field. Every named
  // node has the one shape (its fields are made with it, in one order), so that code reading a node's
  // fields sees one or two shapes: with a class per type (as the layer makes them) it saw a hundred, and
  // V8 answered each such read through its generic lookup (bench tree of 30 suites: 3,607 -> 3,528 M
  // instructions under callgrind; 500 suites about 3% less CPU).
  // A plain constructor over the binding's prototype rather than a subclass: `SyntaxNode`'s own constructor
  // gives each node its tree through `Object.defineProperty`, a call into V8's runtime per node; here it is
  // a plain field (writable, where the layer's is not: smoke-lint never assigns it).
  const Named = function (this: NamedFields, tree: unknown, type: string) {
    this.tree = tree;
    this.type = type;
    this[END] = undefined;
    this[PARENT] = undefined;
    this[NAMED_CHILDREN] = undefined;
    this[FIELD_CHILDREN] = undefined;
  } as unknown as new (tree: unknown, type: string) => object;
  Named.prototype = Object.create((SyntaxNode as { prototype: object }).prototype, {
    constructor: { value: Named, writable: true, configurable: true },
    // Writable fields here let the constructor set the node's own, past the binding's getter for `type`.
    type: { value: undefined, writable: true, enumerable: true, configurable: true },
    // Every node of this class is named: its type is a named symbol of the grammar (the binding names only
    // those). The binding's getter asked it of the tree at each read (typedNodeIndex reads it of every node
    // it indexes); `checkNodeFields` keeps this only where the binding agrees.
    isNamed: { value: true, enumerable: true, configurable: true },
  }) as object;
  Object.defineProperty(Named.prototype, 'startIndex', { get: startIndexFromFields, enumerable: true, configurable: true });
  const base = (SyntaxNode as { prototype: object }).prototype;
  rememberOnce(Named.prototype, base, 'endIndex', END);
  // A named node's parent and named children, remembered once asked too (the models walk up from a node
  // and over its children again and again); the node objects live as long as their tree's map
  // (src/node-cache.ts), so the references keep nothing alive that was not already. The list is frozen: a
  // model that changed it would throw rather than spoil the memo. 30 suites 3,459 -> 3,405 M instructions.
  rememberOnce(Named.prototype, base, 'parent', PARENT);
  rememberOnce(Named.prototype, base, 'namedChildren', NAMED_CHILDREN, (children) => Object.freeze(children as unknown[]));
  byFieldId(Named.prototype, base, grammar);
  namedClasses.set(grammar as object, Named);
  const classes: unknown[] = new Array<unknown>(names.length);
  for (let id = 0; id < names.length; id++) {
    const name = names[id];
    classes[id] = typeof name === 'string' ? namedNodeOf(Named, name) : Base;
  }
  language.nodeSubclasses = classes;
}

/**
 * What the layer calls with `new` to make a named node of one type (`nodeSubclasses[typeId]`): a node of the
 * named nodes' one class, with the type's name.
 */
function namedNodeOf(Named: new (tree: unknown, type: string) => object, type: string): unknown {
  return function NamedNode(tree: unknown): object {
    return new Named(tree, type);
  };
}

/**
 * A node's start offset, read off the fields the binding hands every node object: the node's id (two
 * words), then its start in bytes of the UTF-16 text the binding parses, so twice the string offset (the
 * binding's own getter answers `ts_node_start_byte(node) / 2` through a call into it). Offsets are asked
 * for about 100,000 times in a 100-suite run (`.text` asks too), each call into the binding costing more than
 * the rest of the question. `checkNodeFields` keeps this only where the binding's own getter agrees.
 */
function startIndexFromFields(this: Record<number, number>): number {
  return this[2]! >>> 1;
}

/** Where a named node keeps its end offset, parent and named children once asked (undefined until then). */
const END = Symbol('endIndex');
const PARENT = Symbol('parent');
const NAMED_CHILDREN = Symbol('namedChildren');
/** A named node's child for each field asked of it so far, by field id (null: none), made on the first question. */
const FIELD_CHILDREN = Symbol('fieldChildren');

/**
 * Lets go of what a named node remembered of its neighbours (its parent and named children), for a file its
 * project lets go (`forgetFile`). A node object that V8 had moved to its old generation while the suite ran
 * kept the younger nodes it remembered alive at every young-generation collection until the next full
 * one, dead or not, and those nodes the ones they remembered: bench tree of 500 suites, three runs in
 * turn with the build before, young-generation collections 620-724 -> 551-603 ms, full ones 15 -> 13
 * (100-105 -> 85-90 ms). Asked again, a node asks the binding again.
 */
export function forgetNeighbours(node: object): void {
  const fields = node as Partial<NamedFields>;
  if (fields[PARENT] !== undefined) fields[PARENT] = undefined;
  if (fields[NAMED_CHILDREN] !== undefined) fields[NAMED_CHILDREN] = undefined;
  if (fields[FIELD_CHILDREN] !== undefined) fields[FIELD_CHILDREN] = undefined;
}

/** The fields a named node gets when it is made. */
interface NamedFields {
  [END]: number | undefined;
  [PARENT]: unknown;
  [NAMED_CHILDREN]: readonly unknown[] | undefined;
  [FIELD_CHILDREN]: unknown[] | undefined;
  tree: unknown;
  type: string;
}

/**
 * Replaces the binding's getter `name` on `prototype` (named nodes) with one that asks it once per node and
 * keeps the answer (through `keep`) in the node's `slot`, made with the node and undefined until asked.
 *
 * First for the end offset: the models ask one node for it again and again
 * (in a 100-suite run, 38,000 of 74,000 end offsets were asked of a node already asked, `.text` asking each
 * time), and each answer is a call into the binding. The first answer is the binding's own getter's; the
 * offset of a node never changes (smoke-lint never edits a tree). Remembering the parent and child lists
 * too was once measured as a loss: the references kept alive node objects that the binding's weak cache
 * would have let go, and the collector's threads spent more than the calls had cost (500 suites, about
 * 0.2 s more). Since the node objects are kept per tree (src/node-cache.ts) that cost is paid anyway, and
 * the parent and the named children are remembered as well.
 */
function rememberOnce(prototype: object, base: object, name: string, slot: symbol, keep: (answer: unknown) => unknown = (answer) => answer): void {
  const ask = Object.getOwnPropertyDescriptor(base, name)?.get;
  if (!ask) return;
  Object.defineProperty(prototype, name, {
    get(this: Record<symbol, unknown>) {
      let answer = this[slot];
      if (answer === undefined) this[slot] = answer = keep(ask.call(this));
      return answer;
    },
    enumerable: true,
    configurable: true,
  });
}

/**
 * Makes a named node's `childForFieldName(name)` ask the binding by the field's id, looked up here once per
 * name: given a name, the binding copies the string out of V8 and searches the grammar's field names for it
 * at every call (51,000 calls in a 100-suite run). A name the grammar does not have asks by name, as before.
 * Each answer is remembered on the node (as its parent and named children are, see `rememberOnce`): the
 * models ask one node for the same field again and again (bench tree of 30 suites: 15,300 questions of
 * 7,806 node and field pairs; `function` of a call 6,030 times for 1,942 calls), and a tree never changes.
 */
function byFieldId(prototype: object, base: object, grammar: unknown): void {
  const byName = (base as { childForFieldName?: unknown }).childForFieldName;
  const byId = (base as { childForFieldId?: unknown }).childForFieldId;
  const names = fieldNamesById(grammar);
  if (typeof byName !== 'function' || typeof byId !== 'function' || names === null) return;
  const ids = new Map<string, number>();
  names.forEach((name, id) => {
    if (typeof name === 'string' && !ids.has(name)) ids.set(name, id);
  });
  Object.defineProperty(prototype, 'childForFieldName', {
    value(this: NamedFields, name: string) {
      const id = ids.get(name);
      if (id === undefined) return byName.call(this, name);
      const known = (this[FIELD_CHILDREN] ??= []);
      let child = known[id];
      if (child === undefined) known[id] = child = byId.call(this, id);
      return child;
    },
    writable: true,
    configurable: true,
  });
}

const namedClasses = new WeakMap<object, { prototype: object }>();

/**
 * Checks the start offsets read off node fields against the binding's own getter on every node of a
 * small tree of the grammar (non-ASCII text before and inside nodes): a binding that lays its fields out
 * otherwise gets its own getter back. So does `isNamed`, unless the binding says every node of the named
 * class in the tree is named. Called once per grammar, on a tree the caller parsed.
 */
export function checkNodeFields(grammar: unknown, tree: Parser.Tree): void {
  const Named = namedClasses.get(grammar as object);
  if (!Named) return;
  const base = Object.getPrototypeOf(Named.prototype) as object;
  const own = Object.getOwnPropertyDescriptor(base, 'startIndex')?.get;
  const ownIsNamed = Object.getOwnPropertyDescriptor(base, 'isNamed')?.get;
  let agrees = own !== undefined;
  let namedAgrees = ownIsNamed !== undefined;
  const cursor = tree.walk();
  for (let more = agrees || namedAgrees; more; ) {
    const node = cursor.currentNode;
    if (agrees && startIndexFromFields.call(node as unknown as Record<number, number>) !== own!.call(node)) agrees = false;
    if (namedAgrees && Object.getPrototypeOf(node) === Named.prototype && ownIsNamed!.call(node) !== true) namedAgrees = false;
    if (cursor.gotoFirstChild()) continue;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) {
        more = false;
        break;
      }
    }
  }
  if (!agrees) delete (Named.prototype as { startIndex?: unknown }).startIndex;
  if (!namedAgrees) delete (Named.prototype as { isNamed?: unknown }).isNamed;
}

/** The grammar's field names by id, from the binding tree-sitter itself loaded; null when it has no such list. */
function fieldNamesById(grammar: unknown): unknown[] | null {
  return namesById(grammar, 'getNodeFieldNamesById');
}

/** The grammar's node type names by id, from the binding tree-sitter itself loaded; null when it has no such list. */
function typeNamesById(grammar: unknown): unknown[] | null {
  return namesById(grammar, 'getNodeTypeNamesById');
}

function namesById(grammar: unknown, list: 'getNodeTypeNamesById' | 'getNodeFieldNamesById'): unknown[] | null {
  try {
    type Binding = Partial<Record<typeof list, (language: unknown) => unknown>>;
    let binding = recordedBinding() as Binding | null;
    if (binding === null) {
      const treeSitterDir = path.dirname(require.resolve('tree-sitter'));
      binding = (createRequire(path.join(treeSitterDir, 'index.js'))('node-gyp-build') as (dir: string) => Binding)(treeSitterDir);
    }
    const names = binding[list]?.(grammar);
    return Array.isArray(names) ? names : null;
  } catch {
    return null;
  }
}
