// Facts about one Python module, read off its tree once: imports, module constants, functions,
// fixtures; plus the small evaluator that resolves names and strings the way a reader would.
import type Parser from 'tree-sitter';
import { perFile, perNode, type SourceFile } from '../source.js';
import { nodeText } from './tree-nodes.js';

type Node = Parser.SyntaxNode;

export interface ImportBinding {
  /** The module imported from: `os` for `import os`, `fastapi.testclient` for `from fastapi.testclient import TestClient`. */
  module: string;
  /** The imported name for `from m import name`; undefined for `import m`. */
  name?: string;
  /** Leading dots of a relative import. */
  level: number;
  node: Node;
}

export interface FunctionInfo {
  name: string;
  node: Node; // the function_definition
  /** The decorated_definition around it, when there is one: the node that spans the decorators. */
  outer: Node;
  decorators: Node[]; // the decorator expressions, without `@`
  parameters: string[];
  isAsync: boolean;
  /** Containing class, for methods. */
  className?: string;
}

export interface PyModule {
  file: SourceFile;
  root: Node;
  imports: Map<string, ImportBinding>;
  /** Module-level simple assignments `NAME = value` (the last one wins), and where. */
  assignments: Map<string, { value: Node; statement: Node }>;
  /** Module-level functions and methods of module-level classes. */
  functions: FunctionInfo[];
  classes: Map<string, Node>;
}

const modules = perFile<PyModule>();

/**
 * Node identity by position: a node is one object while its tree's map of node objects holds it
 * (src/node-cache.ts), but a file the project lets go is emptied of them, and tree-sitter's layer as
 * published keeps them weakly (so `===` would depend on garbage collection there).
 */
export function sameNode(a: Node, b: Node): boolean {
  return a.tree === b.tree && a.startIndex === b.startIndex && a.endIndex === b.endIndex && a.type === b.type;
}

export function pyModule(file: SourceFile): PyModule | null {
  if (!file.tree || file.language !== 'python') return null;
  const cached = modules.get(file);
  if (cached) return cached;
  const root = file.tree.rootNode;
  const module: PyModule = { file, root, imports: new Map(), assignments: new Map(), functions: [], classes: new Map() };
  for (const statement of root.namedChildren) collectTopLevel(module, statement);
  modules.set(file, module);
  return module;
}

function collectTopLevel(module: PyModule, statement: Node): void {
  switch (statement.type) {
    case 'import_statement':
    case 'import_from_statement':
      collectImport(module, statement);
      break;
    case 'expression_statement': {
      const inner = statement.namedChild(0);
      if (inner?.type === 'assignment') {
        const left = inner.childForFieldName('left');
        const right = inner.childForFieldName('right');
        if (left?.type === 'identifier' && right) module.assignments.set(left.text, { value: right, statement });
      }
      break;
    }
    case 'function_definition':
    case 'decorated_definition': {
      const fn = functionInfo(statement);
      if (fn) module.functions.push(fn);
      else if (statement.type === 'decorated_definition') collectClass(module, statement.childForFieldName('definition'));
      break;
    }
    case 'class_definition':
      collectClass(module, statement);
      break;
    case 'if_statement':
    case 'try_statement':
      // Imports and constants guarded by `if TYPE_CHECKING:` or `try/except ImportError` still bind names.
      for (const block of statement.descendantsOfType('block')) {
        const parent = block.parent;
        if (!(parent && sameNode(parent, statement)) && !(parent?.parent && sameNode(parent.parent, statement))) continue;
        for (const child of block.namedChildren) {
          if (child.type === 'import_statement' || child.type === 'import_from_statement') collectImport(module, child);
        }
      }
      break;
    default:
      break;
  }
}

function collectClass(module: PyModule, node: Node | null): void {
  if (!node || node.type !== 'class_definition') return;
  const name = node.childForFieldName('name')?.text;
  if (!name) return;
  module.classes.set(name, node);
  const body = node.childForFieldName('body');
  for (const member of body?.namedChildren ?? []) {
    const fn = functionInfo(member);
    if (fn) module.functions.push({ ...fn, className: name });
  }
}

export function functionInfo(node: Node): FunctionInfo | null {
  let definition = node;
  const decorators: Node[] = [];
  if (node.type === 'decorated_definition') {
    const children = node.namedChildren;
    for (const child of children) {
      if (child.type === 'decorator') {
        const expression = child.namedChild(0);
        if (expression) decorators.push(expression);
      }
    }
    // The definition is the last child; in a tree without errors, the last named child when it is a definition.
    const last = children[children.length - 1];
    const inner = last && (last.type === 'function_definition' || last.type === 'class_definition') && !treeHasError(node.tree) ? last : node.childForFieldName('definition');
    if (!inner) return null;
    definition = inner;
  }
  if (definition.type !== 'function_definition') return null;
  const header = plainHeader(definition);
  if (header) return { name: header.name, node: definition, outer: node, decorators, parameters: header.parameters, isAsync: header.isAsync };
  const name = definition.childForFieldName('name')?.text ?? '';
  const parameters: string[] = [];
  for (const parameter of definition.childForFieldName('parameters')?.namedChildren ?? []) {
    const identifier = parameter.type === 'identifier' ? parameter : parameter.namedChildren.find((c) => c.type === 'identifier');
    if (identifier) parameters.push(identifier.text);
  }
  // `async` can only come first, before `def`: read the first child, and all of them only if that is neither.
  const first = definition.firstChild;
  const isAsync = first?.type === 'async' || (first?.type !== 'def' && definition.children.some((child) => child.type === 'async'));
  return { name, node: definition, outer: node, decorators, parameters, isAsync };
}

// `def name(a, b):` / `async def name():` with plain parameter names only, read off the text.
const PLAIN_HEADER = /(async[ \t]+)?def[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]*\(([A-Za-z0-9_, \t\r\n]*)\)/y;
const PLAIN_PARAMETER = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Names the grammar may read as something other than a plain identifier parameter.
const NOT_PLAIN = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'case', 'class', 'continue', 'def', 'del', 'elif',
  'else', 'except', 'exec', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'match', 'nonlocal', 'not',
  'or', 'pass', 'print', 'raise', 'return', 'try', 'type', 'while', 'with', 'yield',
]);

/**
 * What `functionInfo` reads off a function's nodes, read off its text instead when the header is plain
 * (ASCII names, parameters that are bare names without annotations, defaults, stars or comments) in a
 * tree without errors: there the text can only mean what the nodes say. Null otherwise.
 */
function plainHeader(definition: Node): { name: string; parameters: string[]; isAsync: boolean } | null {
  const input = (definition.tree as { input?: unknown }).input;
  if (typeof input !== 'string' || treeHasError(definition.tree)) return null;
  PLAIN_HEADER.lastIndex = definition.startIndex;
  const match = PLAIN_HEADER.exec(input);
  if (!match) return null;
  const name = match[2]!;
  if (NOT_PLAIN.has(name)) return null;
  const list = match[3]!.trim();
  const parameters: string[] = [];
  if (list !== '') {
    const parts = list.split(',').map((part) => part.trim());
    // One trailing comma is allowed (`(a, b,)`); an empty part anywhere else is not Python.
    if (parts[parts.length - 1] === '') parts.pop();
    for (const part of parts) {
      if (!PLAIN_PARAMETER.test(part) || NOT_PLAIN.has(part)) return null;
      parameters.push(part);
    }
  }
  return { name, parameters, isAsync: match[1] !== undefined };
}

function collectImport(module: PyModule, statement: Node): void {
  if (statement.type === 'import_statement') {
    for (const child of statement.namedChildren) {
      if (child.type === 'dotted_name') {
        // `import a.b` binds `a`, and `a.b.x` then resolves through the dotted text itself.
        const first = child.text.split('.')[0]!;
        module.imports.set(first, { module: first, level: 0, node: statement });
      } else if (child.type === 'aliased_import') {
        const name = child.childForFieldName('name')?.text;
        const alias = child.childForFieldName('alias')?.text;
        if (name && alias) module.imports.set(alias, { module: name, level: 0, node: statement });
      }
    }
    return;
  }
  const moduleNode = statement.childForFieldName('module_name');
  if (!moduleNode) return;
  let level = 0;
  let moduleName = moduleNode.text;
  if (moduleNode.type === 'relative_import') {
    const prefix = moduleNode.namedChildren.find((c) => c.type === 'import_prefix');
    level = prefix ? prefix.text.length : 0;
    moduleName = moduleNode.namedChildren.find((c) => c.type === 'dotted_name')?.text ?? '';
  }
  for (const child of statement.namedChildren) {
    if (sameNode(child, moduleNode)) continue;
    if (child.type === 'dotted_name') {
      module.imports.set(child.text, { module: moduleName, name: child.text, level, node: statement });
    } else if (child.type === 'aliased_import') {
      const name = child.childForFieldName('name')?.text;
      const alias = child.childForFieldName('alias')?.text;
      if (name && alias) module.imports.set(alias, { module: moduleName, name, level, node: statement });
    }
  }
}

/**
 * The dotted name an expression refers to, with its first part resolved through the imports:
 * `pytest.mark.skipif` -> `pytest.mark.skipif`; `environ.get` after `from os import environ` -> `os.environ.get`.
 * Returns null for anything that is not a name or an attribute chain.
 */
export function qualifiedName(module: PyModule, node: Node | null): string | null {
  if (!node) return null;
  return readQualifiedName(module, node);
}

// Per-module memos keyed by the node object, for what many rules ask about the same calls and
// strings (emptied with the module's file: perNode). A node is the same object while its tree's map holds it
// (src/node-cache.ts), so the rules share the work; another object for the node only misses.
const calleeNames = perNode<Node, string | null>();
const stringValues = perNode<Node, string | null>();

/**
 * A memo of one kind per node (`perNode`: emptied with the node's file): `compute` is a function of the
 * node and its module alone (no closure made per question, since most questions are asked again), and
 * never answers undefined (undefined in the memo means not asked yet).
 */
function memo<T>(store: WeakMap<Node, T>, module: PyModule, node: Node, compute: (module: PyModule, node: Node) => T): T {
  let value = store.get(node);
  if (value === undefined) {
    value = compute(module, node);
    store.set(node, value);
  }
  return value;
}

function readQualifiedName(module: PyModule, node: Node): string | null {
  const dotted = dottedText(node);
  if (dotted !== null) {
    // The same string as the walk below builds, read off the text in one step.
    const dot = dotted.indexOf('.');
    const head = dot < 0 ? dotted : dotted.slice(0, dot);
    const rest = dot < 0 ? '' : dotted.slice(dot);
    const binding = module.imports.get(head);
    if (binding && binding.level === 0) return (binding.name ? `${binding.module}.${binding.name}` : binding.module) + rest;
    return head + rest;
  }
  const parts: string[] = [];
  let current: Node | null = node;
  while (current && current.type === 'attribute') {
    const attribute = current.childForFieldName('attribute');
    if (!attribute) return null;
    parts.unshift(attribute.text);
    current = current.childForFieldName('object');
  }
  if (!current || current.type !== 'identifier') return null;
  const head = current.text;
  const binding = module.imports.get(head);
  if (binding && binding.level === 0) {
    parts.unshift(binding.name ? `${binding.module}.${binding.name}` : binding.module);
  } else {
    parts.unshift(head);
  }
  return parts.join('.');
}

const DOTTED = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const treeErrors = new WeakMap<Parser.Tree, boolean>();

function treeHasError(tree: Parser.Tree): boolean {
  let hasError = treeErrors.get(tree);
  if (hasError === undefined) {
    hasError = tree.rootNode.hasError;
    treeErrors.set(tree, hasError);
  }
  return hasError;
}

/**
 * The text of an identifier or of an attribute chain on one (`a`, `a.b.c`) written without spaces,
 * comments or line breaks, in a tree without syntax errors; null otherwise (then walk the nodes).
 * In such a tree that text can only be a chain of identifiers, except after `None`, `True`, `False`.
 */
export function dottedText(node: Node): string | null {
  if (node.type !== 'identifier' && node.type !== 'attribute') return null;
  if (treeHasError(node.tree)) return null;
  const text = nodeText(node);
  if (!DOTTED.test(text)) return null;
  const head = text.split('.', 1)[0];
  return head === 'None' || head === 'True' || head === 'False' ? null : text;
}

/** The call's callee name as `qualifiedName` resolves it. */
export function calleeName(module: PyModule, call: Node): string | null {
  if (call.type !== 'call') return null;
  return memo(calleeNames, module, call, readCalleeName);
}

function readCalleeName(module: PyModule, call: Node): string | null {
  return qualifiedName(module, call.childForFieldName('function'));
}

/** A call's arguments, read once per call node and shared by every reader: do not modify. */
export interface CallArguments {
  readonly positional: readonly Node[];
  readonly keywords: ReadonlyMap<string, Node>;
  /** `*args` or `**kwargs` present: the argument list cannot be read completely. */
  readonly hasSplat: boolean;
}

export function callArguments(call: Node): CallArguments {
  let read = callArgumentsMemo.get(call);
  if (!read) {
    read = readCallArguments(call);
    callArgumentsMemo.set(call, read);
  }
  return read;
}

const callArgumentsMemo = perNode<Node, CallArguments>();

const KEYWORD_NAME = /([A-Za-z_][A-Za-z0-9_]*)[ \t]*=/y;

function readCallArguments(call: Node): CallArguments {
  const result = { positional: [] as Node[], keywords: new Map<string, Node>(), hasSplat: false };
  const list = call.childForFieldName('arguments');
  if (!list || list.type !== 'argument_list') return result;
  const input = (call.tree as { input?: unknown }).input;
  const plain = typeof input === 'string' && !treeHasError(call.tree);
  for (const argument of list.namedChildren) {
    if (argument.type === 'keyword_argument') {
      // In a tree without errors an ASCII name followed by `=` is the name field, read off the text.
      let name: string | undefined;
      if (plain) {
        KEYWORD_NAME.lastIndex = argument.startIndex;
        name = KEYWORD_NAME.exec(input as string)?.[1];
      }
      name ??= argument.childForFieldName('name')?.text;
      const value = argument.childForFieldName('value');
      if (name && value) result.keywords.set(name, value);
    } else if (argument.type === 'list_splat' || argument.type === 'dictionary_splat') {
      result.hasSplat = true;
    } else if (argument.type !== 'comment') {
      result.positional.push(argument);
    }
  }
  return result;
}

/** Strips redundant parentheses. */
export function unparenthesize(node: Node): Node {
  let current = node;
  while (current.type === 'parenthesized_expression' && current.namedChildCount === 1) current = current.namedChild(0)!;
  return current;
}

/**
 * The value of a string expression when it can be known statically: literals, implicit and `+`
 * concatenation, f-strings over known names, module constants. Null when unknown.
 */
export function stringValue(module: PyModule, node: Node | null, depth = 0): string | null {
  if (!node || depth > 20) return null;
  // The depth limit makes only the outermost call a function of the node alone.
  if (depth === 0) return memo(stringValues, module, node, readOuterStringValue);
  return readStringValue(module, node, depth);
}

function readOuterStringValue(module: PyModule, node: Node): string | null {
  return readStringValue(module, node, 0);
}

function readStringValue(module: PyModule, node: Node, depth: number): string | null {
  const expression = unparenthesize(node);
  switch (expression.type) {
    case 'string':
      return stringLiteral(module, expression, depth);
    case 'concatenated_string': {
      let text = '';
      for (const part of expression.namedChildren) {
        const value = stringLiteral(module, part, depth);
        if (value === null) return null;
        text += value;
      }
      return text;
    }
    case 'binary_operator': {
      if (expression.childForFieldName('operator')?.text !== '+') return null;
      const left = stringValue(module, expression.childForFieldName('left'), depth + 1);
      const right = stringValue(module, expression.childForFieldName('right'), depth + 1);
      return left === null || right === null ? null : left + right;
    }
    case 'identifier': {
      const assigned = module.assignments.get(expression.text);
      return assigned ? stringValue(module, assigned.value, depth + 1) : null;
    }
    default:
      return null;
  }
}

const PLAIN_STRING = /^(?:"[^"\\\r\n]*"|'[^'\\\r\n]*')$/;

function stringLiteral(module: PyModule, node: Node, depth: number): string | null {
  if (node.type !== 'string') return null;
  if (!treeHasError(node.tree)) {
    // A plain one-line literal without prefix or escapes: its value is what lies between the quotes.
    const literal = nodeText(node);
    if (PLAIN_STRING.test(literal)) return literal.slice(1, -1);
  }
  const parts = node.namedChildren;
  const start = parts.find((child) => child.type === 'string_start')?.text ?? '"';
  const prefix = start.replace(/["']+$/, '').toLowerCase();
  if (prefix.includes('b')) return null;
  const raw = prefix.includes('r');
  let text = '';
  for (const part of parts) {
    if (part.type === 'string_content') text += raw ? part.text : unescapePython(part.text);
    else if (part.type === 'escape_sequence') text += raw ? part.text : unescapePython(part.text);
    else if (part.type === 'interpolation') {
      if (part.namedChildren.some((child) => child.type === 'format_specifier' || child.type === 'type_conversion')) return null;
      const inner = part.namedChild(0);
      const value = stringValue(module, inner, depth + 1) ?? numberValue(module, inner, depth + 1)?.toString() ?? null;
      if (value === null) return null;
      text += value;
    }
  }
  return text;
}

/** Integer literals and constants holding them. */
export function numberValue(module: PyModule, node: Node | null, depth = 0): number | null {
  if (!node || depth > 20) return null;
  const expression = unparenthesize(node);
  if (expression.type === 'integer' && /^\d+$/.test(expression.text)) return Number(expression.text);
  if (expression.type === 'identifier') {
    const assigned = module.assignments.get(expression.text);
    return assigned ? numberValue(module, assigned.value, depth + 1) : null;
  }
  return null;
}

function unescapePython(text: string): string {
  return text.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|.|\n)/g, (whole, body: string) => {
    switch (body[0]) {
      case 'n': return '\n';
      case 't': return '\t';
      case 'r': return '\r';
      case '\\': return '\\';
      case "'": return "'";
      case '"': return '"';
      case '\n': return '';
      case 'x': case 'u': case 'U': return String.fromCodePoint(parseInt(body.slice(1), 16));
      default:
        if (/^[0-7]+$/.test(body)) return String.fromCodePoint(parseInt(body, 8));
        return whole;
    }
  });
}

/** Is this decorator `@pytest.fixture` or `@pytest.fixture(...)`? Returns the call node when called. */
export function fixtureDecorator(module: PyModule, fn: FunctionInfo): { decorator: Node; call: Node | null } | null {
  for (const decorator of fn.decorators) {
    const target = decorator.type === 'call' ? decorator.childForFieldName('function') : decorator;
    const name = qualifiedName(module, target);
    if (name === 'pytest.fixture' || name === 'pytest_asyncio.fixture') {
      return { decorator, call: decorator.type === 'call' ? decorator : null };
    }
  }
  return null;
}

/** Is this a test function pytest collects by default (`test*` function, or method of a `Test*` class)? */
export function isTestFunction(fn: FunctionInfo): boolean {
  if (!fn.name.startsWith('test')) return false;
  return fn.className === undefined || fn.className.startsWith('Test');
}

/** Top-level test functions and test classes, as pytest collects them by default. */
export function definesTests(module: PyModule): boolean {
  if (module.functions.some((fn) => !fn.className && fn.name.startsWith('test'))) return true;
  for (const name of module.classes.keys()) if (name.startsWith('Test')) return true;
  return false;
}
