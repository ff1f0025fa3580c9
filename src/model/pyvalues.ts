// Value resolution for database URLs on the Python side, with provenance: not only "what string is
// this", but "where did it come from" (a literal, a module constant, an environment variable and its
// default, the app's own settings, `URL.create(...)` keywords), because the SL2 rules judge the
// source as much as the value.
import type Parser from 'tree-sitter';
import {
  callArguments,
  calleeName,
  numberValue,
  stringValue,
  unparenthesize,
  type FunctionInfo,
  type ImportBinding,
  type PyModule,
  sameNode,
} from './python.js';
import { nodesInScope } from './function-scope.js';

type Node = Parser.SyntaxNode;

/** An environment read: `os.getenv("X", d)`, `os.environ.get("X", d)`, `os.environ["X"]`. */
export interface EnvRead {
  /** The variable's name; null when not a known string. */
  name: string | null;
  defaultNode: Node | null;
  call: Node;
}

/** Reads of the environment, or null when the node is none. */
export function envRead(module: PyModule, node: Node): EnvRead | null {
  const expression = unparenthesize(node);
  if (expression.type === 'call') {
    const callee = calleeName(module, expression);
    if (callee !== 'os.getenv' && callee !== 'os.environ.get') return null;
    const args = callArguments(expression);
    const nameNode = args.positional[0] ?? args.keywords.get('key') ?? null;
    return {
      name: nameNode ? stringValue(module, nameNode) : null,
      defaultNode: args.positional[1] ?? args.keywords.get('default') ?? null,
      call: expression,
    };
  }
  if (expression.type === 'subscript') {
    const target = expression.childForFieldName('value');
    if (qualifiedEnviron(module, target)) {
      const key = expression.childForFieldName('subscript');
      return { name: key ? stringValue(module, key) : null, defaultNode: null, call: expression };
    }
  }
  return null;
}

function qualifiedEnviron(module: PyModule, node: Node | null): boolean {
  if (!node) return false;
  const expression = unparenthesize(node);
  if (expression.type === 'identifier') {
    const binding = module.imports.get(expression.text);
    return binding?.module === 'os' && binding.name === 'environ';
  }
  if (expression.type === 'attribute') {
    const object = expression.childForFieldName('object');
    const attribute = expression.childForFieldName('attribute');
    return attribute?.text === 'environ' && object?.type === 'identifier' && module.imports.get(object.text)?.module === 'os' && !module.imports.get(object.text)?.name;
  }
  return false;
}

/** A variable the module puts into the environment at import time, before the app reads it. */
export interface EnvSet {
  name: string;
  value: Node;
  /** `setdefault` leaves a value the caller exported in place: the given one is only a default. */
  kind: 'set' | 'setdefault';
  statement: Node;
}

/**
 * `os.environ["X"] = v` and `os.environ.setdefault("X", v)` at module level (also inside module-level
 * `if`/`try` blocks) and in `pytest_configure`: these run before any fixture reads the variable.
 */
export function envSets(module: PyModule): Map<string, EnvSet> {
  const result = new Map<string, EnvSet>();
  const statements: Node[] = [];
  const collect = (block: Node): void => {
    for (const statement of block.namedChildren) {
      if (statement.type === 'expression_statement') statements.push(statement);
      else if (statement.type === 'if_statement' || statement.type === 'try_statement') {
        for (const inner of statement.descendantsOfType('block')) {
          const parent = inner.parent;
          if ((parent && sameNode(parent, statement)) || (parent?.parent && sameNode(parent.parent, statement))) collect(inner);
        }
      }
    }
  };
  collect(module.root);
  const configure = module.functions.find((fn) => !fn.className && fn.name === 'pytest_configure');
  const body = configure?.node.childForFieldName('body');
  if (body) collect(body);
  for (const statement of statements) {
    const inner = statement.namedChild(0);
    if (!inner) continue;
    if (inner.type === 'assignment') {
      const left = inner.childForFieldName('left');
      const right = inner.childForFieldName('right');
      if (left?.type === 'subscript' && right && qualifiedEnviron(module, left.childForFieldName('value'))) {
        const key = left.childForFieldName('subscript');
        const name = key ? stringValue(module, key) : null;
        if (name) result.set(name, { name, value: right, kind: 'set', statement });
      }
    } else if (inner.type === 'call') {
      const fn = inner.childForFieldName('function');
      if (fn?.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'setdefault' && qualifiedEnviron(module, fn.childForFieldName('object'))) {
        const args = callArguments(inner);
        const name = args.positional[0] ? stringValue(module, args.positional[0]) : null;
        const value = args.positional[1];
        if (name && value && !result.has(name)) result.set(name, { name, value, kind: 'setdefault', statement });
      }
    }
  }
  return result;
}

/** The parts a `URL.create(...)` (or `URL(...)`) call gives, as strings; a part absent from the call is null. */
export interface UrlCreateParts {
  call: Node;
  drivername: string | null;
  username: string | null;
  password: string | null;
  host: string | null;
  port: string | null;
  database: string | null;
  /** Parts given by an expression that could not be resolved. */
  unknown: Set<string>;
}

/** Where a URL expression got its value. */
export type UrlOrigin =
  | 'literal' // a string literal (possibly through module constants and local names)
  | 'computed' // concatenation or an f-string over known values
  | 'env-default' // the default of an environment read
  | 'env-set' // a value the conftest itself puts into the environment
  | 'env-no-default' // an environment read with no default: whatever the shell has
  | 'settings' // the app's own settings object or constant
  | 'url-create' // `URL.create(...)`
  | 'unknown';

export interface ResolvedUrl {
  value: string | null;
  origin: UrlOrigin;
  /** The single plain string literal (no escapes, no interpolation) holding the whole value, when there is one. */
  literal: Node | null;
  /** The expression the value was computed from (a literal, an f-string, a concatenation, a `URL.create` call), after following names. */
  source: Node | null;
  /** The environment variable the value passes through, if any. */
  envName: string | null;
  /** The settings expression (`settings.DATABASE_URL`) or imported constant, for 'settings'. */
  settings: Node | null;
  /** For 'url-create'. */
  parts: UrlCreateParts | null;
}

const URLISH_NAME = /(url|uri|dsn|database|conn(ection)?_?str(ing)?)/i;
const TEST_MODULE_HEAD = new Set(['tests', 'test', 'conftest', 'testing']);

/** Is this import one of the app's own modules (not the test package, not a third-party helper)? */
function isAppImport(binding: ImportBinding | undefined): boolean {
  if (!binding) return false;
  if (binding.level > 0) return false; // `from .settings import ...` inside the tests
  const head = binding.module.split('.')[0]!;
  if (TEST_MODULE_HEAD.has(head)) return false;
  if (['os', 'sqlalchemy', 'sqlmodel', 'pytest', 'typing', 'pathlib', 'urllib', 'dotenv', 'pydantic', 'pydantic_settings'].includes(head)) return false;
  return true;
}

const LOCAL_BINDERS = new Set(['assignment', 'augmented_assignment', 'for_statement']);

/** Local bindings of a function that a URL might pass through: names bound exactly once. */
function localValue(fn: FunctionInfo | null, name: string): Node | null | undefined {
  if (!fn) return undefined;
  if (fn.parameters.includes(name)) return null;
  const body = fn.node.childForFieldName('body');
  if (!body) return undefined;
  let found: Node | null | undefined;
  // The body's own binders, from the tree's node index rather than a walk of the body (nested functions,
  // classes and lambdas left out, as before).
  for (const child of nodesInScope(body, LOCAL_BINDERS)) {
    if (child.type === 'assignment') {
      const left = child.childForFieldName('left');
      if (left?.type === 'identifier' && left.text === name) found = found === undefined ? child.childForFieldName('right') : null;
    } else if (child.namedChild(0)?.text === name) {
      found = null;
    }
  }
  return found;
}

/** Is the node a plain string literal: no prefix other than `r`/`u`, no escapes, no interpolation? */
export function isPlainLiteral(node: Node): boolean {
  if (node.type !== 'string') return false;
  const start = node.namedChildren.find((child) => child.type === 'string_start')?.text ?? '"';
  const prefix = start.replace(/["']+$/, '').toLowerCase();
  if (/[bf]/.test(prefix)) return false;
  return node.namedChildren.every((child) => child.type === 'string_start' || child.type === 'string_end' || (child.type === 'string_content' && (!child.text.includes('\\') || prefix.includes('r'))));
}

/** The offset in the file where a plain literal's content starts. */
export function literalContentStart(node: Node): number {
  const start = node.namedChildren.find((child) => child.type === 'string_start');
  return start ? start.endIndex : node.startIndex + 1;
}

/** Resolves the expression a URL is given as, following names and environment reads, and says where it came from. */
export function resolveUrl(module: PyModule, node: Node, fn: FunctionInfo | null = null, env?: Map<string, EnvSet>, depth = 0): ResolvedUrl {
  const unknown: ResolvedUrl = { value: null, origin: 'unknown', literal: null, source: null, envName: null, settings: null, parts: null };
  if (depth > 20) return unknown;
  const sets = env ?? envSets(module);
  const expression = unparenthesize(node);
  switch (expression.type) {
    case 'string':
    case 'concatenated_string':
    case 'binary_operator': {
      const value = stringValue(module, expression) ?? localString(module, expression, fn, sets, depth);
      if (value === null) {
        const settings = settingsComposite(module, expression, fn, sets, depth);
        return settings ? { ...unknown, origin: 'settings', settings, source: expression } : unknown;
      }
      const plain = expression.type === 'string' && isPlainLiteral(expression);
      return { ...unknown, value, origin: plain ? 'literal' : 'computed', literal: plain ? expression : null, source: expression };
    }
    case 'identifier': {
      const local = localValue(fn, expression.text);
      if (local === null) return unknown;
      if (local) return resolveUrl(module, local, fn, sets, depth + 1);
      const assigned = module.assignments.get(expression.text);
      if (assigned) return resolveUrl(module, assigned.value, null, sets, depth + 1);
      const binding = module.imports.get(expression.text);
      if (isAppImport(binding) && URLISH_NAME.test(binding?.name ?? expression.text)) return { ...unknown, origin: 'settings', settings: expression, source: expression };
      return unknown;
    }
    case 'attribute': {
      // `settings.DATABASE_URL`, `get_settings().database_url`, `app.config.settings.DB_URL`
      const attribute = expression.childForFieldName('attribute')?.text ?? '';
      if (!URLISH_NAME.test(attribute)) return unknown;
      let head: Node | null = expression.childForFieldName('object');
      while (head && (head.type === 'attribute' || head.type === 'call')) {
        head = head.type === 'attribute' ? head.childForFieldName('object') : head.childForFieldName('function');
      }
      if (head?.type === 'identifier' && isAppObject(module, head, depth)) return { ...unknown, origin: 'settings', settings: expression, source: expression };
      return unknown;
    }
    case 'call':
    case 'subscript': {
      const read = envRead(module, expression);
      if (read) {
        const set = read.name ? sets.get(read.name) : undefined;
        if (set?.kind === 'set') return { ...resolveUrl(module, set.value, null, sets, depth + 1), origin: 'env-set', envName: read.name };
        const fallback = read.defaultNode ?? (set ? set.value : null);
        if (!fallback) return { ...unknown, origin: 'env-no-default', envName: read.name, source: expression };
        const inner = resolveUrl(module, fallback, fn, sets, depth + 1);
        let origin: UrlOrigin = 'env-default';
        if (inner.origin === 'settings') origin = 'settings';
        else if (inner.value === null && inner.parts === null) origin = 'unknown';
        return { ...inner, origin, envName: read.name };
      }
      if (expression.type !== 'call') return unknown;
      const callee = calleeName(module, expression) ?? '';
      const last = callee.split('.').pop() ?? '';
      const args = callArguments(expression);
      if ((callee === 'str' || last === 'make_url' || last === 'render_as_string') && args.positional[0]) {
        return resolveUrl(module, args.positional[0], fn, sets, depth + 1);
      }
      if (expression.childForFieldName('function')?.type === 'attribute' && ['unicode_string', 'render_as_string'].includes(last)) {
        const object = expression.childForFieldName('function')!.childForFieldName('object');
        return object ? resolveUrl(module, object, fn, sets, depth + 1) : unknown;
      }
      if (callee.endsWith('URL.create') || callee === 'URL' || callee.endsWith('.URL')) {
        return { ...unknown, origin: 'url-create', source: expression, parts: urlCreateParts(module, expression, fn, sets, depth) };
      }
      return unknown;
    }
    default:
      return unknown;
  }
}

/**
 * Is the name the app's settings object (or the module that holds them): an import from the app
 * (`from app.config import settings`), or a module constant made from one (`settings = get_settings()`,
 * `_SETTINGS = app_config.get_settings()`)?
 */
function isAppObject(module: PyModule, name: Node, depth: number): boolean {
  if (depth > 20) return false;
  if (isAppImport(module.imports.get(name.text))) return true;
  const assigned = module.assignments.get(name.text);
  if (!assigned) return false;
  let head: Node | null = unparenthesize(assigned.value);
  while (head && (head.type === 'attribute' || head.type === 'call')) {
    // `Settings(_env_file=".env.test")`, `Settings(database_url=TEST_URL)`: settings the suite builds its own way.
    if (head.type === 'call' && head.childForFieldName('arguments')?.namedChildren.some((child) => child.type !== 'comment')) return false;
    head = head.type === 'attribute' ? head.childForFieldName('object') : head.childForFieldName('function');
  }
  return head?.type === 'identifier' && head.text !== name.text && isAppImport(module.imports.get(head.text));
}

/** A URL scheme and nothing else: `postgresql+asyncpg://`. */
const SCHEME_ONLY = /^[A-Za-z][\w+]*:\/\/$/;

/**
 * A concatenation or f-string of the app's settings (`DATABASE_PREFIX + DATABASE_URI`, both taken
 * from the settings; `f"postgresql+asyncpg://{settings.DB_URI}"`): the settings node when every piece is
 * either the app's settings or a literal URL scheme. Any other literal text (a `_test` suffix, another
 * database name) changes the URL into one that is not the settings' own: null.
 */
function settingsComposite(module: PyModule, node: Node, fn: FunctionInfo | null, sets: Map<string, EnvSet>, depth: number): Node | null {
  if (depth > 20) return null;
  const pieces: Node[] = [];
  const expression = unparenthesize(node);
  if (expression.type === 'binary_operator') {
    if (expression.childForFieldName('operator')?.text !== '+') return null;
    const left = expression.childForFieldName('left');
    const right = expression.childForFieldName('right');
    if (!left || !right) return null;
    pieces.push(left, right);
  } else if (expression.type === 'string') {
    const start = expression.namedChildren.find((c) => c.type === 'string_start')?.text ?? '"';
    if (!/f/i.test(start)) return null;
    for (const part of expression.namedChildren) {
      if (part.type === 'string_start' || part.type === 'string_end') continue;
      if (part.type === 'interpolation') {
        if (part.namedChildren.some((c) => c.type === 'format_specifier' || c.type === 'type_conversion')) return null;
        const inner = part.namedChild(0);
        if (!inner) return null;
        pieces.push(inner);
      } else if (part.type === 'string_content') {
        if (!SCHEME_ONLY.test(part.text)) return null;
      } else return null;
    }
  } else return null;
  let settings: Node | null = null;
  for (const piece of pieces) {
    const resolved = resolveUrl(module, piece, fn, sets, depth + 1);
    if (resolved.origin === 'settings') settings ??= resolved.settings;
    else if (resolved.value !== null ? !SCHEME_ONLY.test(resolved.value) : !isSettingsAttribute(module, piece, fn, depth + 1)) return null;
  }
  return settings;
}

/** `settings.POSTGRES_SYNC_PREFIX` (any name), directly or through a local or module constant. */
function isSettingsAttribute(module: PyModule, node: Node, fn: FunctionInfo | null, depth: number): boolean {
  if (depth > 20) return false;
  const expression = unparenthesize(node);
  if (expression.type === 'identifier') {
    const local = localValue(fn, expression.text);
    if (local === null) return false;
    if (local) return isSettingsAttribute(module, local, fn, depth + 1);
    const assigned = module.assignments.get(expression.text);
    return assigned ? isSettingsAttribute(module, assigned.value, null, depth + 1) : false;
  }
  if (expression.type !== 'attribute') return false;
  let head: Node | null = expression.childForFieldName('object');
  while (head && (head.type === 'attribute' || head.type === 'call')) {
    head = head.type === 'attribute' ? head.childForFieldName('object') : head.childForFieldName('function');
  }
  return head?.type === 'identifier' && isAppObject(module, head, depth + 1);
}

/** f-strings and concatenations over local names bound once (stringValue covers module constants). */
function localString(module: PyModule, node: Node, fn: FunctionInfo | null, sets: Map<string, EnvSet>, depth: number): string | null {
  if (!fn || depth > 20) return null;
  const expression = unparenthesize(node);
  if (expression.type === 'binary_operator') {
    if (expression.childForFieldName('operator')?.text !== '+') return null;
    const left = expression.childForFieldName('left');
    const right = expression.childForFieldName('right');
    const a = left ? partValue(module, left, fn, sets, depth + 1) : null;
    const b = right ? partValue(module, right, fn, sets, depth + 1) : null;
    return a === null || b === null ? null : a + b;
  }
  if (expression.type !== 'string') return null;
  const start = expression.namedChildren.find((c) => c.type === 'string_start')?.text ?? '"';
  if (/[bB]/.test(start)) return null;
  let text = '';
  for (const part of expression.namedChildren) {
    if (part.type === 'string_content') {
      if (part.text.includes('\\')) return null;
      text += part.text;
    } else if (part.type === 'escape_sequence') return null;
    else if (part.type === 'interpolation') {
      if (part.namedChildren.some((c) => c.type === 'format_specifier' || c.type === 'type_conversion')) return null;
      const inner = part.namedChild(0);
      const value = inner ? partValue(module, inner, fn, sets, depth + 1) : null;
      if (value === null) return null;
      text += value;
    }
  }
  return text;
}

function partValue(module: PyModule, node: Node, fn: FunctionInfo | null, sets: Map<string, EnvSet>, depth: number): string | null {
  const number = numberValue(module, node);
  if (number !== null) return String(number);
  const expression = unparenthesize(node);
  if (expression.type === 'identifier') {
    const local = localValue(fn, expression.text);
    if (local) {
      const n = numberValue(module, local);
      if (n !== null) return String(n);
    }
  }
  return resolveUrl(module, node, fn, sets, depth).value;
}

function urlCreateParts(module: PyModule, call: Node, fn: FunctionInfo | null, sets: Map<string, EnvSet>, depth: number): UrlCreateParts {
  const args = callArguments(call);
  const names = ['drivername', 'username', 'password', 'host', 'port', 'database'] as const;
  const parts: UrlCreateParts = { call, drivername: null, username: null, password: null, host: null, port: null, database: null, unknown: new Set() };
  names.forEach((name, index) => {
    const node = args.keywords.get(name) ?? args.positional[index] ?? null;
    if (!node || unparenthesize(node).type === 'none') return;
    const value = partValue(module, node, fn, sets, depth + 1);
    if (value === null) parts.unknown.add(name);
    else parts[name] = value;
  });
  if (args.hasSplat) for (const name of names) if (parts[name] === null) parts.unknown.add(name);
  return parts;
}
