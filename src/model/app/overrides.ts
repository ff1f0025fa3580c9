// Reading `app.dependency_overrides`: what a module sets and how it resets them.
import type Parser from 'tree-sitter';
import {
  callArguments,
  unparenthesize,
  type PyModule,
  sameNode,
} from '../python.js';
import { enclosingFunctionOf, nodesInOwnScope } from './helpers.js';
import type { OverrideReset, OverrideSet, ResetKind } from './types.js';
import { nodesOfType } from '../tree-nodes.js';

type Node = Parser.SyntaxNode;

function insideFinally(node: Node): boolean {
  for (let current: Node | null = node.parent; current; current = current.parent) {
    if (current.type === 'finally_clause') return true;
    if (current.type === 'function_definition') return false;
  }
  return false;
}

export function readOverrides(module: PyModule): { sets: OverrideSet[]; resets: OverrideReset[]; opaque: boolean } {
  const file = module.file;
  const sets: OverrideSet[] = [];
  const resets: OverrideReset[] = [];
  let opaque = false;
  // Only attributes named `dependency_overrides` matter, and their name is written in the file.
  if (!file.text.includes('dependency_overrides')) return { sets, resets, opaque };
  for (const attribute of nodesOfType(module.file, 'attribute')) {
    if (attribute.childForFieldName('attribute')?.text !== 'dependency_overrides') continue;
    const appNode = attribute.childForFieldName('object')!;
    const parent = attribute.parent;
    const fn = enclosingFunctionOf(module, attribute);
    const reset = (node: Node, kind: ResetKind, key: Node | null): void => {
      resets.push({ file, node, kind, key, fn, inFinally: insideFinally(node) });
    };
    if (parent?.type === 'subscript' && sameNode(parent.childForFieldName('value')!, attribute)) {
      const key = parent.childForFieldName('subscript');
      const holder = parent.parent;
      if (holder?.type === 'assignment' && sameNode(holder.childForFieldName('left')!, parent) && key) {
        const value = holder.childForFieldName('right');
        if (value) sets.push({ file, module, node: holder, appNode, key, value, fn });
        continue;
      }
      if (holder?.type === 'delete_statement' || holder?.parent?.type === 'delete_statement') {
        reset(holder, 'del', key);
        continue;
      }
      continue; // a read: `app.dependency_overrides[x]`
    }
    if (parent?.type === 'assignment' && sameNode(parent.childForFieldName('left')!, attribute)) {
      const right = parent.childForFieldName('right');
      const value = right ? unparenthesize(right) : null;
      if (value?.type === 'dictionary') {
        const pairs = value.namedChildren.filter((child) => child.type === 'pair');
        if (pairs.length === 0) reset(parent, 'assign', null);
        for (const pair of pairs) {
          const key = pair.childForFieldName('key');
          const pairValue = pair.childForFieldName('value');
          if (key && pairValue) sets.push({ file, module, node: parent, appNode, key, value: pairValue, fn });
        }
        if (value.namedChildren.some((child) => child.type === 'dictionary_splat')) opaque = true;
      } else {
        // `= saved` restores; `= dict()` clears.
        reset(parent, 'assign', null);
      }
      continue;
    }
    if (parent?.type === 'attribute' && parent.parent?.type === 'call') {
      const method = parent.childForFieldName('attribute')?.text;
      const call = parent.parent;
      const args = callArguments(call);
      if (method === 'clear') reset(call, 'clear', null);
      else if (method === 'pop') reset(call, 'pop', args.positional[0] ?? null);
      else if (method === 'update') {
        const only = args.positional[0] ? unparenthesize(args.positional[0]) : null;
        if (only?.type === 'dictionary' && !args.hasSplat) {
          for (const pair of only.namedChildren.filter((child) => child.type === 'pair')) {
            const key = pair.childForFieldName('key');
            const pairValue = pair.childForFieldName('value');
            if (key && pairValue) sets.push({ file, module, node: call, appNode, key, value: pairValue, fn });
          }
          if (only.namedChildren.some((child) => child.type === 'dictionary_splat')) opaque = true;
        } else if (args.positional.length === 0 && args.keywords.size === 0 && !args.hasSplat) {
          // nothing
        } else {
          opaque = true;
          if (insideFinally(call)) reset(call, 'update', null);
        }
      } else if (method === 'get' || method === 'copy' || method === 'items' || method === 'keys' || method === 'values') {
        // reads
      } else {
        opaque = true;
      }
      continue;
    }
    // Passed around (`overrides = app.dependency_overrides`, `monkeypatch.setitem(app.dependency_overrides, ...)`): unknown.
    if (parent?.type === 'comparison_operator' || parent?.type === 'not_operator') continue;
    opaque = true;
  }
  return { sets, resets, opaque };
}

/**
 * The overrides are set on an app the function builds for itself (`app = create_app()` in its own
 * body, with no `global app`): no other test can reach that object, so nothing set on it can leak.
 */
export function overridesOnOwnApp(set: OverrideSet): boolean {
  if (!set.fn || set.appNode.type !== 'identifier') return false;
  const name = set.appNode.text;
  const body = set.fn.node.childForFieldName('body');
  if (!body) return false;
  const own = nodesInOwnScope(body, new Set(['assignment', 'global_statement', 'nonlocal_statement']));
  if (own.some((node) => node.type !== 'assignment' && node.namedChildren.some((child) => child.text === name))) return false;
  return own.some((node) => {
    if (node.type !== 'assignment' || node.childForFieldName('left')?.text !== name) return false;
    const value = node.childForFieldName('right');
    // A call builds a new app (`create_app()`, `FastAPI()`); a name or attribute aliases a shared one.
    return value !== null && unparenthesize(value).type === 'call' && node.startIndex < set.node.startIndex;
  });
}
