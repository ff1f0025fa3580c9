// The parser hands out plain SyntaxNodes (src/source.ts, plainNodeClasses): tree-sitter's per-type node
// subclasses are never built. Without it, an identifier comes out as an `IdentifierNode` and a call as a
// `CallNode`; with it, the fields smoke-lint reads (`childForFieldName`) still answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type Parser from 'tree-sitter';
import { parseText } from '../src/source.js';

const { SyntaxNode } = createRequire(import.meta.url)('tree-sitter') as { SyntaxNode: Function };

function everyNode(root: Parser.SyntaxNode): Parser.SyntaxNode[] {
  const nodes: Parser.SyntaxNode[] = [];
  const cursor = root.walk();
  for (let more = true; more; ) {
    nodes.push(cursor.currentNode);
    if (cursor.gotoFirstChild()) continue;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) {
        more = false;
        break;
      }
    }
  }
  return nodes;
}

test('every node of a Python and of a shell tree is a plain SyntaxNode, named and anonymous, errors included', () => {
  const python = parseText('python', 'import os\n\ndef f(x: int) -> str:\n    return os.environ.get("A", x)\n\nclass C(Base):\n    y = [1, 2]\n(\n');
  const shell = parseText('shell', 'set -e\nf() { docker run -p 5433:5432 "$@"; }\nX=${Y:-1} pytest tests/ || exit 1\nif [ -n "$X" ]; then echo ok; fi\n');
  for (const tree of [python, shell]) {
    const nodes = everyNode(tree.rootNode);
    assert.ok(nodes.length > 40);
    const kinds = new Set(nodes.map((node) => node.constructor));
    assert.deepEqual([...kinds], [SyntaxNode], `classes seen: ${[...kinds].map((kind) => kind.name).join(', ')}`);
  }
  assert.ok(python.rootNode.hasError, 'the Python sample ends in a syntax error');
  const call = python.rootNode.descendantsOfType('call')[0]!;
  assert.equal(call.constructor, SyntaxNode);
  assert.equal(call.childForFieldName('function')?.text, 'os.environ.get');
  assert.equal(call.childForFieldName('arguments')?.namedChildCount, 2);
  const fn = shell.rootNode.descendantsOfType('function_definition')[0]!;
  assert.equal(fn.childForFieldName('name')?.text, 'f');
});
