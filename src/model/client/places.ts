// Where a node is, for a rule's judgement and its message: the function whose body holds it, whether that
// function is a test pytest collects, and a `file:line` to name it by.
import path from 'node:path';
import type Parser from 'tree-sitter';
import { perFile, type SourceFile } from '../../source.js';
import type { Suite } from '../suite.js';
import type { FunctionInfo, PyModule } from '../python.js';
import { lowerBound, nodeSpan, typedNodeIndex } from '../tree-nodes.js';

type Node = Parser.SyntaxNode;

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

const functionStarts = perFile<Map<number, FunctionInfo>>();

/** The module's collected functions by the offset their function_definition starts at (the first one wins, as `find` would). */
function functionsByStart(module: PyModule): Map<number, FunctionInfo> {
  let byStart = functionStarts.get(module.file);
  if (!byStart) {
    byStart = new Map();
    for (const fn of module.functions) {
      const start = fn.node.startIndex;
      if (!byStart.has(start)) byStart.set(start, fn);
    }
    functionStarts.set(module.file, byStart);
  }
  return byStart;
}

/** Source text for a 1-based line/column report of a node, e.g. `conftest.py:12`. */
export function where(suite: Pick<Suite, 'project'> | null, file: SourceFile, node: Node): string {
  const name = suite ? suite.project.relative(file.path) : path.basename(file.path);
  return `${name}:${node.startPosition.row + 1}`;
}
