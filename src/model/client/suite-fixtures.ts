// The fixtures of a suite and what each hands out: an in-process client (also one a project helper
// function builds), a network client, or a known string such as a base URL. Visibility follows pytest.
import type Parser from 'tree-sitter';
import type { SourceFile } from '../../source.js';
import type { Project, Suite } from '../suite.js';
import { suitePythonFiles, visibleFixtureModules, type SuiteModules } from '../suite-modules.js';
import { projectFunction } from '../fixture-modules.js';
import { callArguments, fixtureDecorator, pyModule, stringValue, unparenthesize, type FunctionInfo, type PyModule } from '../python.js';
import { nodeText } from '../tree-nodes.js';
import { FunctionScope, nodesInScope } from '../function-scope.js';
import { clientConstruction, type InProcessClient } from './constructions.js';
import { liveCall } from './live.js';
import { evalString } from './urls.js';

type Node = Parser.SyntaxNode;

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
