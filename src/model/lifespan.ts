// Where the app's lifespan runs through `asgi_lifespan.LifespanManager`: the fixtures that enter it
// (each time they run, they start the app), and whether a client is built inside one (`async with
// LifespanManager(app) as manager:` around it, whether its app is `app` or `manager.app`, or a fixture
// it uses that enters one and hands out the app or the manager). A client whose app is started that way
// needs no lifespan of its own.
import type Parser from 'tree-sitter';
import type { SourceFile } from '../source.js';
import type { Suite } from './suite.js';
import { calleeName, sameNode, unparenthesize, type FunctionInfo, type PyModule, pyModule } from './python.js';
import { fixtureScope, type FixtureScope } from './fixtures.js';
import { ownNodes } from './function-scope.js';
import { suitePythonFiles } from './suite-modules.js';
import type { FixtureDef, FixtureUse } from './fixture-use.js';
import { perSuite } from './suite-caches.js';

type Node = Parser.SyntaxNode;

export function isLifespanManagerCall(module: PyModule, node: Node): boolean {
  const expression = unparenthesize(node);
  return expression.type === 'call' && /(^|\.)LifespanManager$/.test(calleeName(module, expression) ?? '');
}

/** The LifespanManager calls a function makes itself (not in nested functions). */
export function lifespanManagerCalls(module: PyModule, fn: FunctionInfo): Node[] {
  return ownNodes(fn, ['call']).filter((call) => isLifespanManagerCall(module, call));
}

export interface LifespanFixture {
  file: SourceFile;
  module: PyModule;
  fn: FunctionInfo;
  scope: FixtureScope;
  /** The `LifespanManager(...)` call. */
  call: Node;
}

const cache = perSuite<LifespanFixture[]>();

/** The suite's fixtures (in every module pytest loads for it) that enter a LifespanManager themselves. */
export function lifespanFixtures(suite: Suite): LifespanFixture[] {
  const cached = cache.get(suite);
  if (cached) return cached;
  const found: LifespanFixture[] = [];
  for (const file of suitePythonFiles(suite)) {
    const module = pyModule(file);
    if (!module || !file.text.includes('LifespanManager')) continue;
    for (const fn of module.functions) {
      const scope = fixtureScope(module, fn);
      if (!scope) continue;
      const call = lifespanManagerCalls(module, fn)[0];
      if (call) found.push({ file, module, fn, scope, call });
    }
  }
  cache.set(suite, found);
  return found;
}

/** The `with` items around a node (inside its function), innermost first. */
function enclosingWithValues(node: Node): Node[] {
  const values: Node[] = [];
  for (let current = node.parent; current; current = current.parent) {
    if (current.type === 'function_definition' || current.type === 'lambda' || current.type === 'class_definition') break;
    if (current.type !== 'with_statement') continue;
    for (const item of current.descendantsOfType('with_item')) {
      // Wrappers of one node are not always the same object (tree-sitter makes new ones once the old are
      // collected), so the item's place is compared by position, never with `===`.
      const parent = item.parent;
      const grandparent = parent?.parent ?? null;
      if (!(parent && sameNode(parent, current)) && !(grandparent && sameNode(grandparent, current))) continue;
      const value = item.childForFieldName('value');
      if (value) values.push(value);
    }
  }
  return values;
}

/** `with LifespanManager(app) [as manager]` around the node: the item's value (call or as_pattern). */
function enclosingManagers(module: PyModule, node: Node): Node[] {
  return enclosingWithValues(node).filter((value) => {
    const entered = value.type === 'as_pattern' ? value.namedChild(0) : value;
    return entered !== null && isLifespanManagerCall(module, entered);
  });
}

/**
 * Is the app of a client built at `call` started by a LifespanManager: the call sits inside `with
 * LifespanManager(...)`, or the fixtures its function requests (`requested`: a fixture's own
 * dependencies, or the fixtures a test's parameters name) use, at any depth and scope, one that enters one?
 */
export function lifespanRunsFor(module: PyModule, call: Node, usage: FixtureUse, requested: FixtureDef[]): boolean {
  if (enclosingManagers(module, call).length > 0) return true;
  const seen = new Set<FixtureDef>();
  const queue = [...requested];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (seen.has(next)) continue;
    seen.add(next);
    if (lifespanManagerCalls(next.module, next.fn).length > 0) return true;
    queue.push(...usage.dependencies(next));
  }
  return false;
}
