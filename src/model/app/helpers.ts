// Limits and small syntax helpers shared by the app model's parts.
import type Parser from 'tree-sitter';
import type { SourceFile } from '../../source.js';
import { functionInfo, sameNode, type FunctionInfo, type ImportBinding, type PyModule } from '../python.js';
import { nodesInScope } from '../function-scope.js';

type Node = Parser.SyntaxNode;

/** How deep import chains, re-exports and name lookups are followed before giving up (cycles end there too). */
export const MAX_DEPTH = 12;
/** Upper bound on the modules of an app package that are read. */
export const MAX_PACKAGE_FILES = 2000;

// ---------------------------------------------------------------------------------------------
// Small helpers

const SCOPE_BOUNDARIES = new Set(['function_definition', 'class_definition', 'lambda', 'decorated_definition']);

/** Nodes of the given types under `root`, without entering nested functions, classes or lambdas. */
export function nodesInOwnScope(root: Node, types: ReadonlySet<string>): Node[] {
  const found: Node[] = [];
  const visit = (node: Node): void => {
    if (types.has(node.type)) found.push(node);
    for (const child of node.namedChildren) {
      if (SCOPE_BOUNDARIES.has(child.type)) continue;
      visit(child);
    }
  };
  visit(root);
  return found;
}

export { sameNode } from '../python.js';

/** The innermost function definition around a node, as a FunctionInfo of the module. */
export function enclosingFunctionOf(module: PyModule, node: Node): FunctionInfo | null {
  for (let current: Node | null = node.parent; current; current = current.parent) {
    if (current.type !== 'function_definition') continue;
    const known = module.functions.find((fn) => sameNode(fn.node, current!));
    if (known) return known;
    const outer = current.parent?.type === 'decorated_definition' ? current.parent : current;
    return functionInfo(outer);
  }
  return null;
}

/** The chain of function definitions around a node, innermost first. */
export function enclosingDefinitions(node: Node): Node[] {
  const found: Node[] = [];
  for (let current: Node | null = node.parent; current; current = current.parent) {
    if (current.type === 'function_definition') found.push(current);
  }
  return found;
}

export function lastSegment(dotted: string): string {
  const index = dotted.lastIndexOf('.');
  return index < 0 ? dotted : dotted.slice(index + 1);
}

export function uniqueFiles(files: SourceFile[]): SourceFile[] {
  const seen = new Set<string>();
  return files.filter((file) => (seen.has(file.path) ? false : (seen.add(file.path), true)));
}

const IMPORT_TYPES = new Set(['import_statement', 'import_from_statement']);

/**
 * An import of `name` inside the functions around `at` (fixtures import the app inside their body). The
 * imports are looked up in the tree's node index (`nodesInScope`) rather than by walking each body: a
 * decorator holds no import, so leaving out nested definitions, decorated or not, finds the same ones.
 */
export function localImport(at: Node, name: string): ImportBinding | null {
  for (const definition of enclosingDefinitions(at)) {
    const body = definition.childForFieldName('body');
    if (!body) continue;
    for (const statement of nodesInScope(body, IMPORT_TYPES)) {
      const binding = bindingIn(statement, name);
      if (binding) return binding;
    }
  }
  return null;
}

function bindingIn(statement: Node, name: string): ImportBinding | null {
  if (statement.type === 'import_statement') {
    for (const child of statement.namedChildren) {
      if (child.type === 'dotted_name' && child.text.split('.')[0] === name) return { module: name, level: 0, node: statement };
      if (child.type === 'aliased_import' && child.childForFieldName('alias')?.text === name) {
        return { module: child.childForFieldName('name')!.text, level: 0, node: statement };
      }
    }
    return null;
  }
  const moduleNode = statement.childForFieldName('module_name');
  if (!moduleNode) return null;
  let level = 0;
  let moduleName = moduleNode.text;
  if (moduleNode.type === 'relative_import') {
    level = moduleNode.namedChildren.find((c) => c.type === 'import_prefix')?.text.length ?? 0;
    moduleName = moduleNode.namedChildren.find((c) => c.type === 'dotted_name')?.text ?? '';
  }
  for (const child of statement.namedChildren) {
    if (sameNode(child, moduleNode)) continue;
    if (child.type === 'dotted_name' && child.text === name) return { module: moduleName, name, level, node: statement };
    if (child.type === 'aliased_import' && child.childForFieldName('alias')?.text === name) {
      return { module: moduleName, name: child.childForFieldName('name')!.text, level, node: statement };
    }
  }
  return null;
}
