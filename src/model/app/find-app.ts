// Finding the app a suite's client runs: through fixtures, imports and factories.
import path from 'node:path';
import type Parser from 'tree-sitter';
import type { SourceFile } from '../../source.js';
import type { Suite } from '../suite.js';
import {
  fixtureDecorator,
  pyModule,
  unparenthesize,
  type FunctionInfo,
  type PyModule,
} from '../python.js';
import { MAX_DEPTH, enclosingFunctionOf, nodesInOwnScope } from './helpers.js';
import { localValue } from './paths.js';
import { absoluteName, type ResolvedModule } from './resolve.js';
import type { AppRef, ClientUse, ModuleRef, OverrideSet } from './types.js';
import { localImport } from './helpers.js';
import { suitePythonFiles } from '../suite-modules.js';

type Node = Parser.SyntaxNode;

function fixturesNamed(files: SourceFile[], name: string): Array<{ module: PyModule; fn: FunctionInfo }> {
  const found: Array<{ module: PyModule; fn: FunctionInfo }> = [];
  for (const file of files) {
    const module = pyModule(file);
    if (!module) continue;
    for (const fn of module.functions) {
      if (fn.className || !fixtureDecorator(module, fn)) continue;
      if (fn.name === name) found.push({ module, fn });
    }
  }
  return found;
}

/** The values a function hands out (`return X`, `yield X`), not counting nested functions. */
export function handedOut(fn: FunctionInfo): Node[] {
  const body = fn.node.childForFieldName('body');
  if (!body) return [];
  const values: Node[] = [];
  for (const node of nodesInOwnScope(body, new Set(['return_statement', 'yield']))) {
    if (node.type === 'yield' && node.children.some((child) => child.type === 'from')) continue;
    const value = node.namedChild(0);
    if (value) values.push(value);
  }
  return values;
}

export function findApp(
  suite: Suite,
  clients: ClientUse[],
  overrides: OverrideSet[],
  resolveDotted: (dotted: string) => ResolvedModule | null,
  moduleRef: (resolved: ResolvedModule) => ModuleRef,
): AppRef | null {
  const files = suitePythonFiles(suite);
  const candidates: Array<{ module: PyModule; node: Node }> = [];
  for (const client of clients) if (client.appNode) candidates.push({ module: client.module, node: client.appNode });
  for (const set of overrides) candidates.push({ module: set.module, node: set.appNode });

  const follow = (module: PyModule, node: Node, depth: number): AppRef | null => {
    if (depth > MAX_DEPTH) return null;
    const expression = unparenthesize(node);
    if (expression.type === 'attribute' && expression.childForFieldName('attribute')?.text === 'app') {
      // `c.app.dependency_overrides` / `client.app`: the client's app; followed through its construction elsewhere.
      return null;
    }
    if (expression.type === 'call') {
      const fnNode = expression.childForFieldName('function');
      if (!fnNode) return null;
      const factory = follow(module, fnNode, depth + 1);
      return factory ? { ...factory, factoryCall: expression } : null;
    }
    if (expression.type !== 'identifier') return null;
    const name = expression.text;
    const local = localValue(expression, name);
    if (local) return follow(module, local, depth + 1);
    if (local === null) return null;
    const binding = localImport(expression, name) ?? null;
    const fn = enclosingFunctionOf(module, expression);
    if (!binding && fn?.parameters.includes(name)) {
      for (const fixture of fixturesNamed(files, name)) {
        for (const value of handedOut(fixture.fn)) {
          const found = follow(fixture.module, value, depth + 1);
          if (found) return found;
        }
      }
      return null;
    }
    const imported = binding ?? module.imports.get(name) ?? null;
    if (imported) {
      if (imported.level > 0 || !imported.name) return null;
      const resolved = resolveDotted(imported.module);
      if (!resolved) return null;
      return appIn(moduleRef(resolved), imported.name, resolveDotted, moduleRef, depth + 1);
    }
    const assigned = module.assignments.get(name);
    if (assigned) return follow(module, assigned.value, depth + 1);
    return null;
  };
  for (const candidate of candidates) {
    const found = follow(candidate.module, candidate.node, 0);
    if (found) return found;
  }
  return null;
}

/** Follows `name` in an app module through re-exports (`from .main import app`) to where it is defined. */
function appIn(
  ref: ModuleRef,
  name: string,
  resolveDotted: (dotted: string) => ResolvedModule | null,
  moduleRef: (resolved: ResolvedModule) => ModuleRef,
  depth: number,
): AppRef | null {
  if (depth > MAX_DEPTH) return null;
  const module = ref.source ? pyModule(ref.source) : null;
  if (module) {
    const binding = module.imports.get(name);
    if (binding?.name && !module.assignments.has(name) && !module.functions.some((fn) => fn.name === name && !fn.className)) {
      const target = binding.level > 0 ? absoluteName(ref.dotted, ref.isPackage, binding.level, binding.module) : binding.module;
      const resolved = target ? resolveDotted(target) : null;
      if (resolved) return appIn(moduleRef(resolved), binding.name, resolveDotted, moduleRef, depth + 1);
    }
  }
  if (!ref.filePath) return null;
  const top = ref.dotted.split('.')[0]!;
  const topResolved = resolveDotted(top);
  if (!topResolved) return null;
  if (ref.dotted.includes('.') || topResolved.dirs.length > 0) {
    return { module: ref, name, factoryCall: null, packageDir: topResolved.dirs[0] ?? null, packageDotted: top };
  }
  // A top-level module (`main.py` on the path): its folder is the app.
  return { module: ref, name, factoryCall: null, packageDir: path.dirname(ref.filePath), packageDotted: '' };
}
