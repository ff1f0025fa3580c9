// Overrides set through a helper: `def override_dependency(dep, value): app.dependency_overrides[dep] = ...`.
// The key written at the set is a parameter; what it stands for is decided where the helper is called
// (`override_dependency(get_current_user, fake_user)`). This reads those call sites, so a rule can see
// which dependencies the suite overrides; when one call site cannot be read, the answer is "unknown".
import type Parser from 'tree-sitter';
import type { SourceFile } from '../../source.js';
import { callArguments, fixtureDecorator, pyModule, sameNode, unparenthesize, type FunctionInfo, type PyModule } from '../python.js';
import { suitePythonFiles } from '../suite-modules.js';
import { nodesInOwnScope } from './helpers.js';
import type { AppModel, OverrideSet } from './types.js';
import { identifiersNamed } from '../tree-nodes.js';

type Node = Parser.SyntaxNode;

/** A key expression and the file it is written in: at the override itself or at a call site of its helper. */
export interface OverrideKey {
  file: SourceFile;
  node: Node;
}

/** Where a parameter sits: its positional index (null when keyword-only) and whether it has a default. */
function parameterSlot(fn: FunctionInfo, name: string): { index: number | null; hasDefault: boolean } | null {
  const list = fn.node.childForFieldName('parameters');
  if (!list) return null;
  let index = 0;
  let keywordOnly = false;
  for (const parameter of list.namedChildren) {
    if (parameter.type === 'comment') continue;
    if (parameter.type === 'positional_separator') continue;
    if (parameter.type === 'keyword_separator' || parameter.type === 'list_splat_pattern') {
      keywordOnly = true;
      continue;
    }
    if (parameter.type === 'dictionary_splat_pattern') continue;
    const identifier = parameter.type === 'identifier' ? parameter : parameter.namedChildren.find((child) => child.type === 'identifier');
    if (identifier?.text === name) {
      return { index: keywordOnly ? null : index, hasDefault: parameter.type === 'default_parameter' || parameter.type === 'typed_default_parameter' };
    }
    index++;
  }
  return null;
}

/** Is the name bound again inside the function (assignment, loop, `with ... as`, `global`)? Then the parameter is not what reaches the set. */
function reboundInBody(fn: FunctionInfo, name: string): boolean {
  const body = fn.node.childForFieldName('body');
  if (!body) return true;
  const binders = nodesInOwnScope(body, new Set(['assignment', 'augmented_assignment', 'for_statement', 'as_pattern', 'named_expression', 'global_statement', 'nonlocal_statement', 'delete_statement']));
  return binders.some((node) => {
    const target = node.type === 'as_pattern' ? node.childForFieldName('alias') : node.type === 'for_statement' ? node.childForFieldName('left') : node.type === 'named_expression' ? node.childForFieldName('name') : node.type === 'assignment' || node.type === 'augmented_assignment' ? node.childForFieldName('left') : node;
    return target !== null && bindsName(target, name);
  });
}

/** Does an assignment target bind the name (`x`, `x, y`, `*x`), not only use it (`d[x]`, `x.attr`)? */
function bindsName(target: Node, name: string): boolean {
  if (target.type === 'identifier') return target.text === name;
  if (target.type === 'subscript' || target.type === 'attribute') return false;
  return target.namedChildren.some((child) => bindsName(child, name));
}

/** Does this use of `name` in `module` refer to the helper defined in `helperFile`? */
function refersToHelper(model: AppModel, module: PyModule, helperFile: SourceFile, name: string, node: Node): boolean {
  if (module.file.path === helperFile.path) return true;
  if (module.functions.some((fn) => !fn.className && fn.name === name) || module.assignments.has(name)) return false;
  const binding = module.imports.get(name);
  if (!binding) return false;
  const symbol = model.resolveName(module.file, node);
  // An import of that name that cannot be followed (a relative import in the tests) is taken as the helper.
  return symbol ? symbol.filePath === helperFile.path && symbol.name === name : binding.name === name;
}

/**
 * The keys an override set stands for. A plain key is itself. A key that is a parameter of a module-level
 * helper function (not a fixture) stands for the argument every call of the helper passes; a helper no
 * module of the suite calls sets nothing. Null when some use cannot be read: the helper is passed
 * around instead of called, called with `*args`, or without that argument.
 */
export function overrideKeys(model: AppModel, set: OverrideSet): OverrideKey[] | null {
  const own: OverrideKey[] = [{ file: set.file, node: set.key }];
  const key = unparenthesize(set.key);
  const fn = set.fn;
  if (key.type !== 'identifier' || !fn || !fn.parameters.includes(key.text)) return own;
  // Only a module-level helper has call sites to read; a nested one (a fixture's closure) does not.
  const helper = set.module.functions.find((candidate) => !candidate.className && sameNode(candidate.node, fn.node));
  if (!helper || fixtureDecorator(set.module, helper) || reboundInBody(helper, key.text)) return null;
  const slot = parameterSlot(helper, key.text);
  if (!slot) return null;
  const keys: OverrideKey[] = [];
  for (const file of suitePythonFiles(model.suite)) {
    const module = pyModule(file);
    if (!module) continue;
    for (const use of identifiersNamed(module.file, helper.name)) {
      const parent = use.parent;
      if (!parent) continue;
      if (parent.type === 'function_definition' && sameNode(parent.childForFieldName('name') ?? parent, use)) continue;
      if (parent.type === 'dotted_name' || parent.type === 'aliased_import' || parent.type === 'import_from_statement') continue;
      // `helpers.override_dependency(...)`: a call through a module object is not followed.
      if (parent.type === 'attribute' && !sameNode(parent.childForFieldName('object') ?? parent, use)) return null;
      if (parent.type === 'keyword_argument' && sameNode(parent.childForFieldName('name') ?? parent, use)) continue;
      if (!refersToHelper(model, module, set.file, helper.name, use)) continue;
      const call = parent.type === 'call' && sameNode(parent.childForFieldName('function') ?? parent, use) ? parent : null;
      if (!call) return null; // handed out, stored or passed on: its callers are not here
      const args = callArguments(call);
      if (args.hasSplat) return null;
      const argument = (slot.index !== null ? args.positional[slot.index] : undefined) ?? args.keywords.get(key.text);
      if (!argument) return null; // the default (or a missing argument): not read
      keys.push({ file, node: argument });
    }
  }
  return keys;
}
