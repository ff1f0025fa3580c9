// The fixtures of a suite that own its expensive resources: the one that builds the database engine
// (or DB agent), and the one that builds the in-process client on the app.
import type Parser from 'tree-sitter';
import type { Edit } from '../rule.js';
import type { SourceFile } from '../source.js';
import type { Suite } from './suite.js';
import { callArguments, fixtureDecorator, pyModule, stringValue, unparenthesize, type FunctionInfo, type PyModule } from './python.js';
import { clientConstruction } from './client/constructions.js';
import { engineCallKind, suiteDbUrls, urlArgument, type SuiteDbUrl, type UrlUse } from './dburl.js';
import { resolveUrl } from './pyvalues.js';
import { suitePythonFiles } from './suite-modules.js';
import { ownNodes } from './function-scope.js';
import { perSuite } from './suite-caches.js';

type Node = Parser.SyntaxNode;

export interface FixtureScope {
  /** The decorator expression (`pytest.fixture` or the call `pytest.fixture(...)`). */
  decorator: Node;
  call: Node | null;
  /** The scope given: 'function' when none is given; null when given but not a known string. */
  scope: string | null;
  /** The `scope=` keyword node, when given. */
  scopeNode: Node | null;
  /** `pytest_asyncio.fixture`. */
  asyncioFixture: boolean;
}

export function fixtureScope(module: PyModule, fn: FunctionInfo): FixtureScope | null {
  const found = fixtureDecorator(module, fn);
  if (!found) return null;
  const asyncioFixture = (found.call ? found.call.childForFieldName('function') : found.decorator)?.text.includes('asyncio') ?? false;
  if (!found.call) return { decorator: found.decorator, call: null, scope: 'function', scopeNode: null, asyncioFixture };
  const args = callArguments(found.call);
  const scopeNode = args.keywords.get('scope') ?? null;
  if (!scopeNode) {
    // `@pytest.fixture(**opts)` or a positional argument: the scope cannot be read.
    const unreadable = args.hasSplat || args.positional.length > 0;
    return { decorator: found.decorator, call: found.call, scope: unreadable ? null : 'function', scopeNode: null, asyncioFixture };
  }
  return { decorator: found.decorator, call: found.call, scope: stringValue(module, scopeNode), scopeNode, asyncioFixture };
}

export interface EngineFixture {
  file: SourceFile;
  module: PyModule;
  fn: FunctionInfo;
  scope: FixtureScope;
  /** The engine (or agent) construction. */
  call: Node;
  use: UrlUse;
  /** The local name the engine is bound to (`engine = create_engine(...)`), when it is. */
  boundName: string | null;
  /** The URL given to the engine, when the suite model found it. */
  url: SuiteDbUrl | null;
}

export interface ClientFixture {
  file: SourceFile;
  module: PyModule;
  fn: FunctionInfo;
  scope: FixtureScope;
  /** The client construction. */
  call: Node;
}

export interface SuiteResourceFixtures {
  engines: EngineFixture[];
  clients: ClientFixture[];
}

const cache = perSuite<SuiteResourceFixtures>();

/** The engine and client fixtures of the suite: in its test modules and every fixture module pytest loads for it. */
export function resourceFixtures(suite: Suite): SuiteResourceFixtures {
  const cached = cache.get(suite);
  if (cached) return cached;
  const result: SuiteResourceFixtures = { engines: [], clients: [] };
  const urls = suiteDbUrls(suite);
  for (const file of suitePythonFiles(suite)) {
    const module = pyModule(file);
    if (!module) continue;
    for (const fn of module.functions) {
      const scope = fixtureScope(module, fn);
      if (!scope) continue;
      const calls = ownNodes(fn, ['call']);
      const engineCall = calls.find((call) => engineCallKind(module, call) !== null);
      if (engineCall) {
        const use = engineCallKind(module, engineCall)!;
        const argument = urlArgument(engineCall, use);
        const value = argument ? resolveUrl(module, argument, fn).value : null;
        // An in-memory SQLite engine per test is cheap and meant: only other databases count.
        if (!/^sqlite/i.test(value ?? (argument ? literalStart(argument) : ''))) {
          const url = urls.find((candidate) => candidate.call?.id === engineCall.id && candidate.file === file) ?? null;
          result.engines.push({ file, module, fn, scope, call: engineCall, use, boundName: boundName(engineCall), url });
        }
      }
      const clientCall = calls.find((call) => clientConstruction(module, call) !== null);
      if (clientCall) result.clients.push({ file, module, fn, scope, call: clientCall });
    }
  }
  cache.set(suite, result);
  return result;
}

/** The literal text a string expression starts with (`f"sqlite:///{path}"` → `sqlite:///`), or ''. */
function literalStart(node: Node): string {
  const expression = unparenthesize(node);
  if (expression.type !== 'string') return '';
  const content = expression.namedChildren.find((child) => child.type !== 'string_start');
  return content?.type === 'string_content' ? content.text : '';
}

/** `engine = create_engine(...)` → 'engine'; `with X(...) as name` → name; else null. */
function boundName(call: Node): string | null {
  const parent = call.parent;
  if (parent?.type === 'assignment' && parent.childForFieldName('right')?.id === call.id) {
    const left = parent.childForFieldName('left');
    return left?.type === 'identifier' ? left.text : null;
  }
  return null;
}

/** Is the construction the value of a `with ... as x` item (the context manager then closes it)? */
export function isContextManaged(call: Node): boolean {
  let node: Node | null = call.parent;
  while (node && (node.type === 'parenthesized_expression' || node.type === 'await')) node = node.parent;
  if (node?.type === 'as_pattern') node = node.parent;
  return node?.type === 'with_item';
}

/** The edit that gives a fixture decorator `scope="session"`, keeping its other arguments. */
export function addSessionScopeEdit(file: SourceFile, scope: FixtureScope): Edit | null {
  if (!scope.call) {
    return { file, start: scope.decorator.endIndex, end: scope.decorator.endIndex, text: '(scope="session")' };
  }
  const list = scope.call.childForFieldName('arguments');
  if (!list || list.type !== 'argument_list') return null;
  const open = list.child(0);
  if (!open || open.type !== '(') return null;
  const hasArguments = list.namedChildren.some((child) => child.type !== 'comment');
  return { file, start: open.endIndex, end: open.endIndex, text: hasArguments ? 'scope="session", ' : 'scope="session"' };
}
