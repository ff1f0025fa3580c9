// The HTTP side of a suite: which names are in-process clients (a FastAPI/Starlette `TestClient`, an
// httpx client on an ASGI transport), which fixtures hand out such clients or base URLs, which calls
// reach a live server, and what the URLs passed to requests look like. Shared by the SL4xx rules.
import path from 'node:path';
import type Parser from 'tree-sitter';
import type { SourceFile } from '../source.js';
import type { Project, Suite } from './suite.js';
import { suitePythonFiles, visibleFixtureModules, type SuiteModules } from './suite-modules.js';
import { projectFunction } from './fixture-modules.js';
import {
  callArguments,
  calleeName,
  dottedText,
  fixtureDecorator,
  lowerBound,
  nodeSpan,
  nodeText,
  nodesOfType,
  pyModule,
  stringValue,
  typedNodeIndex,
  unparenthesize,
  type FunctionInfo,
  type PyModule,
  sameNode,
} from './python.js';

type Node = Parser.SyntaxNode;

/** The request methods every client (TestClient, httpx, requests) shares, with the URL first. */
export const HTTP_VERBS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options']);
/** Request methods of an httpx-style client; `request` and `stream` take the method first and the URL second. */
export const CLIENT_METHODS = new Set([...HTTP_VERBS, 'request', 'stream']);

/** Hosts that a test suite means when it writes an absolute URL to its own app. */
export const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', 'testserver', '0.0.0.0', '[::1]']);

/** The base URL a TestClient resolves relative URLs against when given none. */
export const TESTCLIENT_DEFAULT_BASE_URL = 'http://testserver';

/** Names that, when nothing else is known of them, are read as "the server's base URL". */
const BASE_URL_NAME = /(^|_)base_?ur[li]|^(api|server|backend|service|live|host|app)_?url$/i;

// ---------------------------------------------------------------------------------------------
// Client constructions

export type ClientKind = 'testclient' | 'asgi';

/** An in-process client built in the code: `TestClient(app)` or `httpx.AsyncClient(transport=ASGITransport(app=app))`. */
export interface InProcessClient {
  kind: ClientKind;
  call: Node;
  module: PyModule;
  /** The `base_url=` argument, when one is given. */
  baseUrlNode: Node | null;
  /** What relative URLs resolve against: the argument's value, TestClient's default, or null when unknown or absent. */
  baseUrl: string | null;
  /** `*args`/`**kwargs` in the call: its arguments cannot all be read. */
  hasSplat: boolean;
}

/** Is this a call of Starlette's/FastAPI's `TestClient`? */
export function isTestClientCall(module: PyModule, node: Node): boolean {
  if (node.type !== 'call') return false;
  const name = calleeName(module, node);
  return name === 'TestClient' || (name !== null && name.endsWith('.TestClient'));
}

export type Presence = 'yes' | 'no' | 'unknown';

export interface HttpxClientCall {
  call: Node;
  isAsync: boolean;
  /** Does the client talk to an app in-process (ASGI/WSGI transport, or the old `app=` argument)? */
  inProcess: Presence;
  baseUrlNode: Node | null;
  hasSplat: boolean;
}

/** `httpx.Client(...)` / `httpx.AsyncClient(...)` (however imported), with what its transport says. */
export function httpxClientCall(module: PyModule, node: Node, scope?: FunctionScope): HttpxClientCall | null {
  if (node.type !== 'call') return null;
  const name = calleeName(module, node);
  if (name !== 'httpx.Client' && name !== 'httpx.AsyncClient') return null;
  const args = callArguments(node);
  const baseUrlNode = args.keywords.get('base_url') ?? null;
  let inProcess: Presence = 'no';
  if (args.keywords.has('app')) inProcess = 'yes';
  else if (args.keywords.has('transport')) inProcess = transportKind(module, args.keywords.get('transport')!, scope);
  else if (args.hasSplat) inProcess = 'unknown';
  return { call: node, isAsync: name === 'httpx.AsyncClient', inProcess, baseUrlNode, hasSplat: args.hasSplat };
}

/** Is this transport one that serves an app in-process? 'unknown' when it cannot be told. */
function transportKind(module: PyModule, value: Node, scope?: FunctionScope): Presence {
  const resolved = scope ? scope.resolve(value) : resolveModuleName(module, value);
  if (resolved.type !== 'call') return 'unknown';
  const name = calleeName(module, resolved) ?? '';
  const last = name.split('.').pop() ?? '';
  if (last === 'ASGITransport' || last === 'WSGITransport' || last === 'MockTransport') return 'yes';
  if (last === 'HTTPTransport' || last === 'AsyncHTTPTransport') return 'no';
  return 'unknown';
}

/** The in-process client a call builds, or null when it builds none (or one that talks to the network). */
export function clientConstruction(module: PyModule, node: Node, scope?: FunctionScope): InProcessClient | null {
  if (node.type !== 'call') return null;
  if (isTestClientCall(module, node)) {
    const args = callArguments(node);
    const baseUrlNode = args.keywords.get('base_url') ?? null;
    const baseUrl = baseUrlNode ? evalString(scope ?? new FunctionScope(module, null), baseUrlNode) : TESTCLIENT_DEFAULT_BASE_URL;
    return { kind: 'testclient', call: node, module, baseUrlNode, baseUrl, hasSplat: args.hasSplat };
  }
  const httpx = httpxClientCall(module, node, scope);
  if (httpx && httpx.inProcess === 'yes') {
    const baseUrl = httpx.baseUrlNode ? evalString(scope ?? new FunctionScope(module, null), httpx.baseUrlNode) : null;
    return { kind: 'asgi', call: node, module, baseUrlNode: httpx.baseUrlNode, baseUrl, hasSplat: httpx.hasSplat };
  }
  return null;
}

/** Calls that reach the network: `requests.get(...)`, `requests.Session()`, `httpx.post(...)`, `urlopen(...)`. */
export interface LiveCall {
  call: Node;
  /** The callee as written resolved through imports: `requests.get`. */
  callee: string;
  /** `get`, `post`, ... for one-shot requests; null for session/client constructions and `urlopen`. */
  verb: string | null;
  /** The URL argument of one-shot requests. */
  url: Node | null;
  /** A client or session object that will send requests later. */
  isClientConstruction: boolean;
}

const REQUESTS_SESSION = new Set(['requests.Session', 'requests.session', 'requests.sessions.Session']);
const OTHER_LIVE_CONSTRUCTORS = new Set(['aiohttp.ClientSession', 'http.client.HTTPConnection', 'http.client.HTTPSConnection']);

/** The text of `a` in `a.b.c`. */
function headIdentifier(node: Node | null): string | null {
  if (!node) return null;
  const dotted = dottedText(node);
  if (dotted !== null) return dotted.split('.', 1)[0]!;
  let current: Node | null = node;
  while (current?.type === 'attribute') current = current.childForFieldName('object');
  return current?.type === 'identifier' ? current.text : null;
}

export function liveCall(module: PyModule, node: Node, scope?: FunctionScope): LiveCall | null {
  if (node.type !== 'call') return null;
  const callee = calleeName(module, node);
  if (!callee) return null;
  // `requests.get` only when `requests` is the imported module, not a local or a parameter of that name.
  const head = headIdentifier(node.childForFieldName('function'));
  if (!head || !module.imports.has(head) || module.imports.get(head)!.level !== 0) return null;
  if (scope && (scope.isParameter(head) || scope.locals.has(head))) return null;
  const parts = callee.split('.');
  const last = parts[parts.length - 1]!;
  const owner = parts.slice(0, -1).join('.');
  if ((owner === 'requests' || owner === 'requests.api' || owner === 'httpx') && (HTTP_VERBS.has(last) || last === 'request' || (owner === 'httpx' && last === 'stream'))) {
    const args = callArguments(node);
    const url = last === 'request' || last === 'stream' ? args.positional[1] ?? args.keywords.get('url') ?? null : args.positional[0] ?? args.keywords.get('url') ?? null;
    return { call: node, callee, verb: HTTP_VERBS.has(last) ? last : null, url, isClientConstruction: false };
  }
  if (REQUESTS_SESSION.has(callee) || OTHER_LIVE_CONSTRUCTORS.has(callee)) {
    return { call: node, callee, verb: null, url: null, isClientConstruction: true };
  }
  if (callee === 'urllib.request.urlopen' || callee === 'urllib2.urlopen') {
    const args = callArguments(node);
    return { call: node, callee, verb: null, url: args.positional[0] ?? args.keywords.get('url') ?? null, isClientConstruction: false };
  }
  const httpx = httpxClientCall(module, node, scope);
  if (httpx && httpx.inProcess === 'no') return { call: node, callee, verb: null, url: null, isClientConstruction: true };
  return null;
}

// ---------------------------------------------------------------------------------------------
// Names inside one function

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
  const candidates = typedNodeIndex(root.tree, [...types]);
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

const localsCache = new WeakMap<FunctionInfo, ReadonlyMap<string, Node | null>>();

function functionLocals(fn: FunctionInfo): ReadonlyMap<string, Node | null> {
  // By the FunctionInfo itself: the modules' own are shared by every rule (and nobody changes them).
  let locals = localsCache.get(fn);
  if (!locals) {
    locals = readLocals(fn);
    localsCache.set(fn, locals);
  }
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

export { sameNode } from './python.js';

function resolveModuleName(module: PyModule, node: Node, depth = 0): Node {
  const expression = unparenthesize(node);
  if (expression.type !== 'identifier' || depth > 10) return expression;
  const assigned = module.assignments.get(expression.text);
  return assigned ? resolveModuleName(module, assigned.value, depth + 1) : expression;
}

/** The function (test, fixture, helper) whose body holds `node`, among the module's collected functions. */
export function enclosingFunction(module: PyModule, node: Node): FunctionInfo | null {
  // The innermost function_definition around the node, found by offsets: ancestors come before their
  // descendants in document order, so the last one (in that order) that encloses the node is the innermost.
  const definitions = typedNodeIndex(module.root.tree, ['function_definition']);
  const [start, end] = nodeSpan(node);
  for (let i = lowerBound(definitions.starts, start + 1) - 1; i >= 0; i--) {
    const fnStart = definitions.starts[i]!;
    const fnEnd = definitions.ends[i]!;
    if (fnEnd < end) continue;
    // As wide as the node: the node itself, or a node around it (a block holding only this function).
    if (fnStart === start && fnEnd === end) continue;
    return functionsByStart(module).get(fnStart) ?? null;
  }
  return null;
}

const functionStarts = new WeakMap<PyModule, Map<number, FunctionInfo>>();

/** The module's collected functions by the offset their function_definition starts at (the first one wins, as `find` would). */
function functionsByStart(module: PyModule): Map<number, FunctionInfo> {
  let byStart = functionStarts.get(module);
  if (!byStart) {
    byStart = new Map();
    for (const fn of module.functions) {
      const start = nodeSpan(fn.node)[0];
      if (!byStart.has(start)) byStart.set(start, fn);
    }
    functionStarts.set(module, byStart);
  }
  return byStart;
}

// ---------------------------------------------------------------------------------------------
// Strings and URLs

/** `os.getenv("X", "d")`, `os.environ.get("X", "d")`: the default node. */
export function envDefault(module: PyModule, node: Node): Node | null {
  if (node.type !== 'call') return null;
  const name = calleeName(module, node);
  if (name !== 'os.getenv' && name !== 'os.environ.get') return null;
  const args = callArguments(node);
  return args.positional[1] ?? args.keywords.get('default') ?? null;
}

/**
 * A string's value when it can be known: what `stringValue` knows, plus names bound in the function,
 * fixtures the function receives (through `fixtureValue`), and `os.getenv` defaults.
 */
export function evalString(scope: FunctionScope, node: Node | null, fixtureValue?: (name: string) => string | null, depth = 0): string | null {
  if (!node || depth > 20) return null;
  const expression = unparenthesize(node);
  const known = stringValue(scope.module, expression);
  if (known !== null) return known;
  switch (expression.type) {
    case 'identifier': {
      if (scope.isParameter(expression.text)) return fixtureValue ? fixtureValue(expression.text) : null;
      const resolved = scope.resolve(expression);
      return sameNode(resolved, expression) ? null : evalString(scope, resolved, fixtureValue, depth + 1);
    }
    case 'binary_operator': {
      if (expression.childForFieldName('operator')?.text !== '+') return null;
      const left = evalString(scope, expression.childForFieldName('left'), fixtureValue, depth + 1);
      const right = evalString(scope, expression.childForFieldName('right'), fixtureValue, depth + 1);
      return left === null || right === null ? null : left + right;
    }
    case 'call': {
      const fallback = envDefault(scope.module, expression);
      return fallback ? evalString(scope, fallback, fixtureValue, depth + 1) : null;
    }
    case 'string': {
      const start = expression.namedChildren.find((c) => c.type === 'string_start')?.text ?? '"';
      if (/[bB]/.test(start)) return null;
      let text = '';
      for (const part of expression.namedChildren) {
        if (part.type === 'string_content') text += part.text;
        else if (part.type === 'escape_sequence') return null;
        else if (part.type === 'interpolation') {
          if (part.namedChildren.some((c) => c.type === 'format_specifier' || c.type === 'type_conversion')) return null;
          const value = evalString(scope, part.namedChild(0), fixtureValue, depth + 1);
          if (value === null) return null;
          text += value;
        }
      }
      return text;
    }
    default:
      return null;
  }
}

const ABSOLUTE = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)/i;

export interface ParsedAbsolute {
  scheme: string;
  /** `host[:port]`, without user info. */
  authority: string;
  host: string;
  /** Everything after the authority: path, query and fragment (may be empty). */
  rest: string;
  /** Length of `scheme://authority` in the text. */
  prefixLength: number;
}

/** Splits `http://host:port/path?q` into its parts; null when the text is not an absolute URL. */
export function parseAbsolute(text: string): ParsedAbsolute | null {
  const match = ABSOLUTE.exec(text);
  if (!match) return null;
  const authority = match[2]!.replace(/^.*@/, '');
  const host = authority.startsWith('[') ? authority.replace(/\].*$/, ']') : authority.replace(/:\d*$/, '');
  return { scheme: match[1]!.toLowerCase(), authority, host: host.toLowerCase(), rest: text.slice(match[0].length), prefixLength: match[0].length };
}

export type UrlShape =
  | {
      kind: 'absolute';
      /** The URL's value when known entirely. */
      value: string | null;
      /** The expression the absolute part comes from when it is a name (`base_url`, `BASE_URL`, `settings.base_url`). */
      base: Node | null;
      /** Its value, when known. */
      baseValue: string | null;
    }
  | { kind: 'relative' }
  | { kind: 'unknown' };

/** Does this name read as a server's base URL (`base_url`, `API_BASE_URL`, `server_url`)? */
export function isBaseUrlName(name: string): boolean {
  return BASE_URL_NAME.test(name);
}

function looksLikeBaseUrlName(node: Node): boolean {
  const expression = unparenthesize(node);
  if (expression.type === 'identifier') return BASE_URL_NAME.test(expression.text);
  if (expression.type === 'attribute') return BASE_URL_NAME.test(expression.childForFieldName('attribute')?.text ?? '');
  return false;
}

function shapeOfText(text: string): 'absolute' | 'relative' | 'unknown' {
  if (ABSOLUTE.test(text)) return 'absolute';
  if (text.includes('://') || /^[a-z][a-z0-9+.-]*:/i.test(text) || text.startsWith('//')) return 'unknown';
  return 'relative';
}

/** Shape of what a base expression stands for, when it begins a URL. */
function baseShape(scope: FunctionScope, node: Node, fixtureValue?: (name: string) => string | null): UrlShape {
  const value = evalString(scope, node, fixtureValue);
  if (value !== null) {
    const kind = shapeOfText(value);
    return kind === 'absolute' ? { kind, value, base: node, baseValue: value } : kind === 'relative' && value !== '' ? { kind } : { kind: 'unknown' };
  }
  if (looksLikeBaseUrlName(node)) return { kind: 'absolute', value: null, base: node, baseValue: null };
  return { kind: 'unknown' };
}

/**
 * What a URL argument is: absolute (names a host), relative (a path resolved against the client's base),
 * or unknown. Reads literals, f-strings and `+` from their first part, and follows names.
 */
export function urlShape(scope: FunctionScope, node: Node, fixtureValue?: (name: string) => string | null, depth = 0): UrlShape {
  if (depth > 10) return { kind: 'unknown' };
  const expression = unparenthesize(node);
  const whole = evalString(scope, expression, fixtureValue);
  if (whole !== null) {
    const kind = shapeOfText(whole);
    return kind === 'absolute' ? { kind, value: whole, base: null, baseValue: null } : { kind };
  }
  switch (expression.type) {
    case 'string': {
      let leading = '';
      for (const part of expression.namedChildren) {
        if (part.type === 'string_start') {
          if (/[bB]/.test(part.text)) return { kind: 'unknown' };
          continue;
        }
        if (part.type === 'string_content' || part.type === 'escape_sequence') {
          leading += part.text;
          continue;
        }
        if (part.type === 'interpolation') {
          if (leading !== '') {
            const kind = shapeOfText(leading);
            if (kind === 'absolute') return { kind, value: null, base: null, baseValue: null };
            // `f"/items/{id}"` is relative; `f"http{s}://..."` cannot be told.
            return kind === 'relative' && /^[/?#]|^[\w.~-]+\//.test(leading) ? { kind } : { kind: 'unknown' };
          }
          const inner = part.namedChild(0);
          if (!inner || part.namedChildren.some((c) => c.type === 'format_specifier' || c.type === 'type_conversion')) return { kind: 'unknown' };
          return baseShape(scope, inner, fixtureValue);
        }
      }
      return { kind: 'unknown' };
    }
    case 'concatenated_string': {
      const first = expression.namedChild(0);
      return first ? urlShape(scope, first, fixtureValue, depth + 1) : { kind: 'unknown' };
    }
    case 'binary_operator': {
      if (expression.childForFieldName('operator')?.text !== '+') return { kind: 'unknown' };
      const left = expression.childForFieldName('left');
      if (!left) return { kind: 'unknown' };
      const leftShape = urlShape(scope, left, fixtureValue, depth + 1);
      if (leftShape.kind === 'absolute') return { kind: 'absolute', value: null, base: leftShape.value !== null || leftShape.base ? left : null, baseValue: leftShape.value ?? leftShape.baseValue };
      return leftShape;
    }
    case 'identifier': {
      const resolved = scope.resolve(expression);
      if (!sameNode(resolved, expression)) return urlShape(scope, resolved, fixtureValue, depth + 1);
      return baseShape(scope, expression, fixtureValue);
    }
    case 'attribute':
      return baseShape(scope, expression, fixtureValue);
    default:
      return { kind: 'unknown' };
  }
}

// ---------------------------------------------------------------------------------------------
// Rewriting an absolute URL as the path the client should be given

export interface RelativeRewrite {
  /** The replacement source text for the URL expression. */
  text: string;
  /**
   * 'literal': a literal URL whose host and scheme are known (`"http://localhost:8000/health"`);
   * 'base': the host comes from a base-URL name whose value may not be what was assumed.
   */
  from: 'literal' | 'base';
  /** The literal's host, for 'literal' rewrites. */
  host: string | null;
  scheme: string | null;
}

function stringParts(node: Node): { start: Node; end: Node; middle: Node[] } | null {
  if (node.type !== 'string') return null;
  const children = node.namedChildren;
  const start = children.find((c) => c.type === 'string_start');
  const end = children.find((c) => c.type === 'string_end');
  if (!start || !end) return null;
  return { start, end, middle: children.filter((c) => c.type !== 'string_start' && c.type !== 'string_end') };
}

/** The path part of a base URL's value (`http://h:1/api` -> `/api`), '' when none or unknown. */
function basePath(value: string | null): string | null {
  if (value === null) return '';
  const parsed = parseAbsolute(value);
  if (!parsed) return null;
  if (/[?#]/.test(parsed.rest)) return null;
  return parsed.rest.replace(/\/+$/, '');
}

/** A string literal with `text` as its content, in the quote style and prefix of `like` (minus `f` when asked). */
function literalLike(start: Node, end: Node, content: string, keepF: boolean): string {
  let opening = start.text;
  if (!keepF) opening = opening.replace(/[fF]/, '');
  return `${opening}${content}${end.text}`;
}

/**
 * The expression to put in place of an absolute URL so that only its path (and query) remains, or null
 * when the shape is not one of: a literal (`"http://localhost:8000/x?q=1"`, also an f-string whose host
 * part is literal), an f-string starting with a base (`f"{base_url}/x/{id}"`), `BASE + "/x"`.
 */
export function relativeRewrite(scope: FunctionScope, node: Node, fixtureValue?: (name: string) => string | null): RelativeRewrite | null {
  const file = scope.module.file;
  const expression = unparenthesize(node);
  if (expression.type === 'string') {
    const parts = stringParts(expression);
    if (!parts || /[bB]/.test(parts.start.text)) return null;
    const first = parts.middle[0];
    if (!first) return null;
    const contentStart = first.startIndex;
    const contentEnd = parts.end.startIndex;
    const raw = file.text.slice(contentStart, contentEnd);
    if (first.type === 'string_content') {
      // Host written literally: it must be whole before any interpolation or escape.
      const literalEnd = parts.middle.find((p) => p.type !== 'string_content')?.startIndex ?? contentEnd;
      const literal = file.text.slice(contentStart, literalEnd);
      const parsed = parseAbsolute(literal);
      if (!parsed) return null;
      const authorityClosed = parsed.rest !== '' || literalEnd === contentEnd;
      if (!authorityClosed) return null;
      let rest = raw.slice(parsed.prefixLength);
      if (rest === '' || rest.startsWith('?') || rest.startsWith('#')) rest = `/${rest}`;
      if (!rest.startsWith('/') && !rest.startsWith('{')) return null;
      const hasInterpolation = parts.middle.some((p) => p.type === 'interpolation');
      return { text: literalLike(parts.start, parts.end, rest, hasInterpolation || /\{\{|\}\}/.test(rest)), from: 'literal', host: parsed.host, scheme: parsed.scheme };
    }
    if (first.type === 'interpolation') {
      const inner = first.namedChild(0);
      if (!inner) return null;
      const shape = baseShape(scope, inner, fixtureValue);
      if (shape.kind !== 'absolute') return null;
      const prefixPath = basePath(shape.baseValue);
      if (prefixPath === null) return null;
      let rest = prefixPath + file.text.slice(first.endIndex, contentEnd);
      if (rest === '' || rest.startsWith('?')) rest = `/${rest}`;
      if (!rest.startsWith('/')) return null;
      const hasInterpolation = parts.middle.slice(1).some((p) => p.type === 'interpolation');
      return { text: literalLike(parts.start, parts.end, rest, hasInterpolation || /\{\{|\}\}/.test(rest)), from: 'base', host: null, scheme: null };
    }
    return null;
  }
  if (expression.type === 'binary_operator' && expression.childForFieldName('operator')?.text === '+') {
    const left = expression.childForFieldName('left');
    const right = expression.childForFieldName('right');
    if (!left || !right) return null;
    const leftShape = baseShape(scope, left, fixtureValue);
    if (leftShape.kind !== 'absolute') return null;
    if (basePath(leftShape.baseValue) !== '') return null;
    const rightExpression = unparenthesize(right);
    const parts = stringParts(rightExpression);
    if (!parts) return null;
    const rightValue = file.text.slice(parts.middle[0]?.startIndex ?? parts.end.startIndex, parts.end.startIndex);
    if (!rightValue.startsWith('/')) return null;
    return { text: rightExpression.text, from: 'base', host: null, scheme: null };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Fixtures of a suite

export interface FixtureInfo {
  /** The name tests ask for: the function's name or the decorator's `name=`. */
  name: string;
  fn: FunctionInfo;
  module: PyModule;
}

/** The values a function hands out: its `return X` and `yield X` expressions (not in nested functions). */
export function handedOutValues(fn: FunctionInfo): Node[] {
  const body = fn.node.childForFieldName('body');
  if (!body) return [];
  const values: Node[] = [];
  for (const node of nodesInScope(body, new Set(['return_statement', 'yield']))) {
    const value = node.namedChild(0);
    if (!value) continue;
    if (node.type === 'yield' && node.children.some((c) => c.type === 'from')) {
      values.push(node); // `yield from`: what it hands out is not read.
      continue;
    }
    values.push(value);
  }
  return values;
}

export function fixtureName(module: PyModule, fn: FunctionInfo): string | null {
  const decorator = fixtureDecorator(module, fn);
  if (!decorator) return null;
  if (decorator.call) {
    const nameNode = callArguments(decorator.call).keywords.get('name');
    if (nameNode) return stringValue(module, nameNode);
  }
  return fn.name;
}

/**
 * The fixtures of a suite and what they hand out: in-process clients, live (network) clients, base URLs.
 * Visibility follows pytest: a module sees its own fixtures, then those of the fixture modules that
 * cover it (imported fixture modules, conftests of its folder and above, `pytest_plugins` modules).
 */
export class SuiteFixtures {
  /** The suite's Python modules: fixture modules and test modules. */
  readonly files: SourceFile[];
  private readonly suite: SuiteModules;
  /** For following a call to a helper function of the project (absent when built on bare modules). */
  private readonly project: Project | null;
  private readonly byFile = new Map<string, FixtureInfo[]>();
  private readonly visible = new Map<string, SourceFile[]>();
  // Keyed by the function itself: tree-sitter node ids are unique only within one tree.
  private readonly clients = new Map<FunctionInfo, InProcessClient | null>();
  private readonly live = new Map<FunctionInfo, Node | null>();
  private readonly urls = new Map<FunctionInfo, string | null>();
  private readonly busy = new Set<string>();

  constructor(suite: SuiteModules) {
    this.suite = suite;
    this.project = (suite as Partial<Pick<Suite, 'project'>>).project ?? null;
    this.files = suitePythonFiles(suite);
    for (const file of this.files) {
      const module = pyModule(file);
      const fixtures: FixtureInfo[] = [];
      for (const fn of module?.functions ?? []) {
        const name = module ? fixtureName(module, fn) : null;
        if (module && name) fixtures.push({ name, fn, module });
      }
      this.byFile.set(file.path, fixtures);
    }
  }

  /** All fixtures defined in a file. */
  definedIn(file: SourceFile): FixtureInfo[] {
    return this.byFile.get(file.path) ?? [];
  }

  /** The fixture a function defined in `file` receives for the parameter `name` (the nearest definition wins). */
  lookup(file: SourceFile, name: string): FixtureInfo | null {
    const own = this.definedIn(file).filter((fixture) => fixture.name === name);
    if (own.length > 0) return own[own.length - 1]!;
    let candidates = this.visible.get(file.path);
    if (!candidates) {
      candidates = visibleFixtureModules(this.suite, file);
      this.visible.set(file.path, candidates);
    }
    for (const module of candidates) {
      const found = this.definedIn(module).filter((fixture) => fixture.name === name);
      if (found.length > 0) return found[found.length - 1]!;
    }
    return null;
  }

  /** The in-process client a fixture hands out (every `return`/`yield` must agree), or null. */
  clientOf(fixture: FixtureInfo): InProcessClient | null {
    const key = fixture.fn;
    if (this.clients.has(key)) return this.clients.get(key)!;
    const guard = `client:${fixture.module.file.path}:${fixture.fn.node.startIndex}`;
    if (this.busy.has(guard)) return null;
    this.busy.add(guard);
    const scope = new FunctionScope(fixture.module, fixture.fn);
    const values = handedOutValues(fixture.fn);
    let result: InProcessClient | null = null;
    for (const value of values) {
      const client = this.clientIn(scope, value);
      if (!client || (result && result.kind !== client.kind)) {
        result = null;
        break;
      }
      result ??= client;
    }
    this.busy.delete(guard);
    this.clients.set(key, result);
    return result;
  }

  /** The construction of a network client (requests session, httpx client without ASGI transport) a fixture hands out. */
  liveClientOf(fixture: FixtureInfo): Node | null {
    const key = fixture.fn;
    if (this.live.has(key)) return this.live.get(key)!;
    const guard = `live:${fixture.module.file.path}:${fixture.fn.node.startIndex}`;
    if (this.busy.has(guard)) return null;
    this.busy.add(guard);
    const scope = new FunctionScope(fixture.module, fixture.fn);
    let result: Node | null = null;
    const values = handedOutValues(fixture.fn);
    for (const value of values) {
      const found = this.liveClientIn(scope, value);
      if (!found) {
        result = null;
        break;
      }
      result ??= found;
    }
    this.busy.delete(guard);
    this.live.set(key, result);
    return result;
  }

  /** The string a fixture hands out, when every `return`/`yield` gives the same known value. */
  valueOf(fixture: FixtureInfo): string | null {
    const key = fixture.fn;
    if (this.urls.has(key)) return this.urls.get(key)!;
    const guard = `url:${fixture.module.file.path}:${fixture.fn.node.startIndex}`;
    if (this.busy.has(guard)) return null;
    this.busy.add(guard);
    const scope = new FunctionScope(fixture.module, fixture.fn);
    let result: string | null = null;
    const values = handedOutValues(fixture.fn);
    for (const value of values) {
      const text = evalString(scope, value, this.fixtureValueFor(fixture.module.file));
      if (text === null || (result !== null && result !== text)) {
        result = null;
        break;
      }
      result = text;
    }
    this.busy.delete(guard);
    this.urls.set(key, result);
    return result;
  }

  /** A resolver for parameter names of functions in `file`: the string value of the fixture of that name. */
  fixtureValueFor(file: SourceFile): (name: string) => string | null {
    return (name: string) => {
      const fixture = this.lookup(file, name);
      return fixture ? this.valueOf(fixture) : null;
    };
  }

  /** The in-process client an expression in `scope` stands for: a construction, a local, a module name, a fixture parameter. */
  clientIn(scope: FunctionScope, node: Node): InProcessClient | null {
    const expression = unparenthesize(node);
    if (expression.type === 'await') {
      const inner = expression.namedChild(0);
      return inner ? this.clientIn(scope, inner) : null;
    }
    if (expression.type === 'identifier') {
      const name = nodeText(expression);
      if (scope.isParameter(name)) {
        const fixture = this.lookup(scope.module.file, name);
        return fixture ? this.clientOf(fixture) : null;
      }
    }
    const resolved = scope.resolve(expression);
    if (resolved.type === 'call') return clientConstruction(scope.module, resolved, scope) ?? this.helperClient(scope, resolved);
    return null;
  }

  /** The client a helper function of the project hands out (`make_client()`, defined here or imported), built where the helper builds it. */
  private helperClient(scope: FunctionScope, call: Node): InProcessClient | null {
    const callee = call.childForFieldName('function');
    if (!this.project || callee?.type !== 'identifier') return null;
    const helper = projectFunction(this.project, scope.module, nodeText(callee));
    if (!helper || fixtureDecorator(helper.module, helper.fn)) return null;
    return this.clientOf({ name: helper.fn.name, fn: helper.fn, module: helper.module });
  }

  /** The network-client construction an expression in `scope` stands for. */
  liveClientIn(scope: FunctionScope, node: Node): Node | null {
    const expression = unparenthesize(node);
    if (expression.type === 'identifier') {
      const name = nodeText(expression);
      if (scope.isParameter(name)) {
        const fixture = this.lookup(scope.module.file, name);
        return fixture ? this.liveClientOf(fixture) : null;
      }
    }
    const resolved = scope.resolve(expression);
    if (resolved.type !== 'call') return null;
    const call = liveCall(scope.module, resolved, scope);
    return call?.isClientConstruction ? resolved : null;
  }
}

// ---------------------------------------------------------------------------------------------
// Requests made through a client object

export interface ClientRequest {
  call: Node;
  /** `client` in `client.get(...)`. */
  receiver: Node;
  method: string;
  url: Node | null;
  fn: FunctionInfo;
  scope: FunctionScope;
}

/** Calls of `X.get/post/.../request/stream(...)` inside the module's functions, with their URL argument. */
export function methodRequests(module: PyModule): ClientRequest[] {
  // Read once per module (SL401, SL402 and SL403 all ask); callers get their own array and objects.
  let requests = requestsCache.get(module);
  if (!requests) {
    requests = readMethodRequests(module);
    requestsCache.set(module, requests);
  }
  return requests.map((request) => ({ ...request }));
}

const requestsCache = new WeakMap<PyModule, ClientRequest[]>();

function readMethodRequests(module: PyModule): ClientRequest[] {
  const requests: ClientRequest[] = [];
  for (const fn of module.functions) {
    const body = fn.node.childForFieldName('body');
    if (!body) continue;
    const scope = new FunctionScope(module, fn);
    for (const call of nodesInScope(body, CALLS)) {
      const callee = call.childForFieldName('function');
      if (callee?.type !== 'attribute') continue;
      const dotted = dottedText(callee);
      const method = dotted !== null ? dotted.slice(dotted.lastIndexOf('.') + 1) : callee.childForFieldName('attribute')?.text ?? '';
      if (!CLIENT_METHODS.has(method)) continue;
      const receiver = callee.childForFieldName('object');
      if (!receiver) continue;
      const args = callArguments(call);
      const url = method === 'request' || method === 'stream' ? args.positional[1] ?? args.keywords.get('url') ?? null : args.positional[0] ?? args.keywords.get('url') ?? null;
      requests.push({ call, receiver, method, url, fn, scope });
    }
  }
  return requests;
}

const CALLS = new Set(['call']);

export interface InProcessRequest extends ClientRequest {
  client: InProcessClient;
}

/** Requests made on in-process clients in one file of the suite. */
export function inProcessRequests(fixtures: SuiteFixtures, file: SourceFile): InProcessRequest[] {
  const module = pyModule(file);
  if (!module) return [];
  const found: InProcessRequest[] = [];
  for (const request of methodRequests(module)) {
    const client = fixtures.clientIn(request.scope, request.receiver);
    if (client) found.push({ ...request, client });
  }
  return found;
}

/** Is this a test function pytest collects by default (`test*` function, or method of a `Test*` class)? */
export function isTestFunction(fn: FunctionInfo): boolean {
  if (!fn.name.startsWith('test')) return false;
  return fn.className === undefined || fn.className.startsWith('Test');
}

/** Source text for a 1-based line/column report of a node, e.g. `conftest.py:12`. */
export function where(suite: Pick<Suite, 'project'> | null, file: SourceFile, node: Node): string {
  const name = suite ? suite.project.relative(file.path) : path.basename(file.path);
  return `${name}:${node.startPosition.row + 1}`;
}

/**
 * A server the suite starts itself, in-process: a `uvicorn.run(...)`/`uvicorn.Server(...)` call in a file
 * that also starts a `threading.Thread`. Requests to it are deliberate, not a forgotten live server.
 */
export function inProcessServer(files: SourceFile[]): { file: SourceFile; node: Node } | null {
  for (const file of files) {
    const module = pyModule(file);
    if (!module) continue;
    let server: Node | null = null;
    let thread = false;
    for (const call of nodesOfType(file, 'call')) {
      const name = calleeName(module, call);
      if (name === 'uvicorn.run' || name === 'uvicorn.Server' || name === 'uvicorn.server.Server') server ??= call;
      else if (name === 'threading.Thread') thread = true;
    }
    if (server && thread) return { file, node: server };
  }
  return null;
}
