// Which of a suite's fixtures and module-level objects its tests actually use. A fixture is used when
// a test of the suite requests it by name (a parameter, `usefixtures`, `getfixturevalue("x")`, or a
// computed `getfixturevalue(name)` whose possible names can be read), when a
// used fixture requests it (transitively), or when it is autouse where a test sees it; the definition
// pytest picks is the nearest one (the test module's own, then conftests inside out, then plugins), so
// a fixture shadowed by a same-named one closer to every test is not used. A module-level object of a
// test module (`client = TestClient(app)`) is used when some code of the module refers to it.
// Rules use this to stay silent about code that never runs (SL203, SL306).
import path from 'node:path';
import type Parser from 'tree-sitter';
import type { SourceFile } from '../source.js';
import { isWithin } from '../discover.js';
import type { Suite } from './suite.js';
import { callArguments, calleeName, fixtureDecorator, isTestFunction, pyModule, stringValue, type FunctionInfo, type PyModule } from './python.js';
import { fixtureScope } from './fixtures.js';
import { dynamicFixtureNames } from './dynamic-fixture-names.js';
import { nodesOfType } from './tree-nodes.js';
import { perSuite } from './suite-caches.js';

type Node = Parser.SyntaxNode;

export interface FixtureDef {
  /** The name tests request it by (`name=` of the decorator, else the function's name). */
  name: string;
  file: SourceFile;
  module: PyModule;
  fn: FunctionInfo;
  /** 'function' when none is given; null when it cannot be read. */
  scope: string | null;
  autouse: boolean;
}

export interface FixtureUse {
  /** Is this fixture requested by a test of the suite (directly, through used fixtures, or autouse)? */
  isUsed(file: SourceFile, fn: FunctionInfo): boolean;
  /** The fixture definition of a function, when it is one. */
  definition(file: SourceFile, fn: FunctionInfo): FixtureDef | null;
  /** The fixtures a used fixture was seen to request, as pytest resolves them for the suite's tests. */
  dependencies(def: FixtureDef): FixtureDef[];
  /** Does code of this module refer to its module-level name (other than by binding it)? */
  moduleNameUsed(file: SourceFile, name: string): boolean;
}

const cache = perSuite<FixtureUse>();

const key = (file: SourceFile, fn: FunctionInfo): string => `${file.path}:${fn.node.startIndex}`;

function definitionsOf(file: SourceFile): FixtureDef[] {
  const module = pyModule(file);
  if (!module) return [];
  const defs: FixtureDef[] = [];
  for (const fn of module.functions) {
    const found = fixtureDecorator(module, fn);
    if (!found) continue;
    const args = found.call ? callArguments(found.call) : null;
    const nameNode = args?.keywords.get('name');
    const name = (nameNode ? stringValue(module, nameNode) : null) ?? fn.name;
    const autouse = args?.keywords.get('autouse')?.text === 'True';
    defs.push({ name, file, module, fn, scope: fixtureScope(module, fn)?.scope ?? null, autouse });
  }
  return defs;
}

/**
 * Names a module asks for by string: `usefixtures("x")` marks and `request.getfixturevalue("x")`, and
 * for a computed name the ones it can be read to take (see dynamic-fixture-names.ts; none when unreadable).
 */
function namedRequests(module: PyModule): string[] {
  const names: string[] = [];
  // Both kinds spell their method in the module (`usefixtures`, `getfixturevalue`): without either, no call is one.
  if (!/usefixtures|getfixturevalue/.test(module.file.text)) return names;
  for (const call of nodesOfType(module.file, 'call')) {
    const fn = call.childForFieldName('function');
    const isGetValue = fn?.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'getfixturevalue';
    const callee = isGetValue ? null : calleeName(module, call);
    if (!isGetValue && !(callee && /(^|\.)mark\.usefixtures$/.test(callee))) continue;
    for (const argument of callArguments(call).positional) {
      const value = stringValue(module, argument);
      if (value) names.push(value);
      else if (isGetValue) names.push(...(dynamicFixtureNames(module, argument) ?? []));
    }
  }
  return names;
}

/** The fixture use of a suite (built once per suite). */
export function fixtureUse(suite: Suite): FixtureUse {
  const cached = cache.get(suite);
  if (cached) return cached;
  const defsByFile = new Map<string, FixtureDef[]>();
  const defsOf = (file: SourceFile): FixtureDef[] => {
    let defs = defsByFile.get(file.path);
    if (!defs) defsByFile.set(file.path, (defs = definitionsOf(file)));
    return defs;
  };
  const byKey = new Map<string, FixtureDef>();
  const used = new Set<string>();
  const edges = new Map<string, Set<FixtureDef>>();
  const depth = (scope: string) => scope.split(path.sep).length;

  for (const test of suite.testModules) {
    const module = pyModule(test);
    if (!module) continue;
    const tests = module.functions.filter((fn) => isTestFunction(fn) && !fixtureDecorator(module, fn));
    if (tests.length === 0) continue;
    // What this test module sees, nearest first: itself, then the fixture modules whose scope covers it.
    const visible = suite.fixtureModules
      .filter((entry) => entry.file.path !== test.path && isWithin(test.path, entry.scope))
      .sort((a, b) => depth(b.scope) - depth(a.scope))
      .map((entry) => entry.file);
    const order = [test, ...visible.filter((file, i) => visible.indexOf(file) === i)];
    const chain = order.flatMap((file) => [...defsOf(file)].reverse()); // the last definition in a module wins
    for (const def of chain) byKey.set(key(def.file, def.fn), def);
    const resolve = (name: string, requester: FixtureDef | null): FixtureDef | null => {
      // A fixture that requests its own name gets the next definition out (pytest's override pattern).
      const start = requester && requester.name === name ? chain.indexOf(requester) + 1 : 0;
      for (let i = start; i < chain.length; i++) if (chain[i]!.name === name) return chain[i]!;
      return null;
    };
    const queue: Array<{ name: string; from: FixtureDef | null }> = [];
    for (const fn of tests) for (const parameter of fn.parameters) if (parameter !== 'self') queue.push({ name: parameter, from: null });
    for (const file of order) {
      const other = pyModule(file);
      if (!other) continue;
      // usefixtures in the test module, getfixturevalue anywhere it sees: names the tests may request.
      for (const name of namedRequests(other)) queue.push({ name, from: null });
    }
    const autouse = new Set(chain.filter((def) => def.autouse).map((def) => def.name));
    for (const name of autouse) queue.push({ name, from: null });
    const seenHere = new Set<string>();
    while (queue.length > 0) {
      const { name, from } = queue.shift()!;
      const def = resolve(name, from);
      if (!def) continue;
      if (from) {
        const set = edges.get(key(from.file, from.fn)) ?? new Set();
        set.add(def);
        edges.set(key(from.file, from.fn), set);
      }
      const id = key(def.file, def.fn);
      used.add(id);
      if (seenHere.has(id)) continue;
      seenHere.add(id);
      for (const parameter of def.fn.parameters) if (parameter !== 'self') queue.push({ name: parameter, from: def });
    }
  }

  const namesCache = new Map<string, Set<string>>();
  const result: FixtureUse = {
    isUsed: (file, fn) => used.has(key(file, fn)),
    definition: (file, fn) => byKey.get(key(file, fn)) ?? defsOf(file).find((def) => def.fn.node.startIndex === fn.node.startIndex) ?? null,
    dependencies: (def) => [...(edges.get(key(def.file, def.fn)) ?? [])],
    moduleNameUsed: (file, name) => {
      let names = namesCache.get(file.path);
      if (!names) namesCache.set(file.path, (names = referencedModuleNames(file)));
      return names.has(name);
    },
  };
  cache.set(suite, result);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Module-level names referred to

const FUNCTION_TYPES = new Set(['function_definition', 'lambda']);

/** Identifiers a function binds in its own scope: parameters, assignment and loop targets, `with ... as x`, imports. */
function locallyBound(fn: Node): Set<string> {
  const bound = new Set<string>();
  for (const parameter of fn.childForFieldName('parameters')?.namedChildren ?? []) {
    const identifier = parameter.type === 'identifier' ? parameter : parameter.namedChildren.find((child) => child.type === 'identifier');
    if (identifier) bound.add(identifier.text);
  }
  const body = fn.childForFieldName('body');
  if (!body) return bound;
  const visit = (node: Node): void => {
    if (node.type === 'global_statement' || node.type === 'nonlocal_statement') {
      for (const child of node.namedChildren) bound.delete(child.text);
      return;
    }
    let target: Node | null = null;
    if (node.type === 'assignment' || node.type === 'augmented_assignment') target = node.childForFieldName('left');
    else if (node.type === 'for_statement' || node.type === 'for_in_clause') target = node.childForFieldName('left');
    else if (node.type === 'as_pattern') target = node.childForFieldName('alias') ?? node.namedChildren[node.namedChildren.length - 1] ?? null;
    else if (node.type === 'named_expression') target = node.childForFieldName('name');
    if (target) {
      if (target.type === 'identifier') bound.add(target.text);
      else if (target.type !== 'attribute' && target.type !== 'subscript') for (const id of target.descendantsOfType('identifier')) bound.add(id.text);
    }
    for (const child of node.namedChildren) if (!FUNCTION_TYPES.has(child.type) && child.type !== 'class_definition') visit(child);
  };
  visit(body);
  // `global x` anywhere in the body makes x the module's again.
  for (const statement of body.descendantsOfType(['global_statement'])) for (const child of statement.namedChildren) bound.delete(child.text);
  return bound;
}

/** Does this identifier only name something (an attribute, a keyword argument, a parameter, the target of a module-level binding)? */
function isNotAReference(id: Node): boolean {
  const parent = id.parent;
  if (!parent) return true;
  if (parent.type === 'attribute' && parent.childForFieldName('attribute')?.startIndex === id.startIndex) return true;
  if (parent.type === 'keyword_argument' && parent.childForFieldName('name')?.startIndex === id.startIndex) return true;
  if (parent.type === 'parameters' || parent.type === 'default_parameter' || parent.type === 'typed_parameter' || parent.type === 'typed_default_parameter') {
    return parent.type === 'parameters' || parent.namedChild(0)?.startIndex === id.startIndex;
  }
  if ((parent.type === 'function_definition' || parent.type === 'class_definition') && parent.childForFieldName('name')?.startIndex === id.startIndex) return true;
  if (parent.type === 'dotted_name' || parent.type === 'aliased_import') return true;
  // `NAME = ...` at module level binds the name; `NAME += ...` reads it too.
  if (parent.type === 'assignment' && parent.childForFieldName('left')?.startIndex === id.startIndex && parent.parent?.parent?.type === 'module') return true;
  return false;
}

/** The module-level names a module's code refers to (a name a function binds itself is its own, not the module's). */
function referencedModuleNames(file: SourceFile): Set<string> {
  const module = pyModule(file);
  const names = new Set<string>();
  if (!module) return names;
  const boundCache = new Map<number, Set<string>>();
  for (const id of nodesOfType(module.file, 'identifier')) {
    if (names.has(id.text) || isNotAReference(id)) continue;
    let shadowed = false;
    for (let node = id.parent; node; node = node.parent) {
      if (!FUNCTION_TYPES.has(node.type) || node.type === 'lambda') continue;
      let bound = boundCache.get(node.startIndex);
      if (!bound) boundCache.set(node.startIndex, (bound = locallyBound(node)));
      if (bound.has(id.text)) {
        shadowed = true;
        break;
      }
    }
    if (!shadowed) names.add(id.text);
  }
  return names;
}
