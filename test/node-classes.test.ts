// The node classes smoke-lint gives each grammar (src/native.ts, leanNodeClasses) instead of the ones
// tree-sitter's JavaScript layer builds: every named node is of one class, with its type as its own field
// (the layer's classes, one per type, hold it on their prototypes), never read through a call into the
// binding; nodes are as the layer's own build would make them in every other respect smoke-lint reads
// (type, fields through childForFieldName).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import type Parser from 'tree-sitter';
import { forgetNeighbours } from '../src/native.js';
import { parseText } from '../src/source.js';

const require = createRequire(import.meta.url);
const { SyntaxNode } = require('tree-sitter') as { SyntaxNode: Function };

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

const PYTHON = 'import os\n\ndef f(x: int) -> str:\n    yield os.environ.get("A", x)\n\nclass C(Base):\n    y = [1, 2]\n(\n';
const SHELL = 'set -e\nf() { docker run -p 5433:5432 "$@"; }\nX=${Y:-1} pytest tests/ || exit 1\nif [ -n "$X" ]; then echo ok; fi\n';

/** Whether a node's type is a plain value (on the node or its class) rather than the binding's getter. */
function typeIsValue(node: object): boolean {
  for (let at: object | null = node; at; at = Object.getPrototypeOf(at) as object | null) {
    const own = Object.getOwnPropertyDescriptor(at, 'type');
    if (own) return 'value' in own && own.value !== undefined;
  }
  return false;
}

/** Each node as `type named type-is-a-value`, in tree order. */
function describe(nodes: Parser.SyntaxNode[]): string[] {
  return nodes.map((node) => `${node.type} ${node.isNamed} ${typeIsValue(node)}`);
}

test("named nodes are of one class, each with its type as its own field (no call into the binding); anonymous tokens and errors are plain SyntaxNodes", () => {
  for (const [language, text] of [['python', PYTHON], ['shell', SHELL]] as const) {
    const nodes = everyNode(parseText(language, text).rootNode);
    assert.ok(nodes.length > 40);
    const namedClasses = new Set<unknown>();
    for (const node of nodes) {
      const own = Object.getOwnPropertyDescriptor(node, 'type');
      if (node.isNamed && node.type !== 'ERROR') {
        assert.equal(own?.value, node.type, `${language}: ${node.type} has its type as its own field`);
        assert.notEqual(node.constructor, SyntaxNode);
        namedClasses.add(Object.getPrototypeOf(node));
        // smoke-lint's class, not the layer's: those also list the type's fields and have a getter for each.
        assert.equal(Object.getOwnPropertyDescriptor(Object.getPrototypeOf(node), 'fields'), undefined, `${language}: ${node.type} has the layer's class`);
        // Named without a call into the binding (the next test holds every node's answer to the binding's).
        assert.equal(Object.getOwnPropertyDescriptor(Object.getPrototypeOf(node), 'isNamed')?.value, true, `${language}: ${node.type} is named as a value`);
      } else if (!['yield'].includes(node.type)) {
        assert.equal(node.constructor, SyntaxNode, `${language}: ${node.type}`);
      }
    }
    assert.equal(namedClasses.size, 1, `${language}: one class for every named node`);
  }
  const python = parseText('python', PYTHON);
  assert.ok(python.rootNode.hasError, 'the Python sample ends in a syntax error');
  const call = python.rootNode.descendantsOfType('call')[0]!;
  assert.equal(call.childForFieldName('function')?.text, 'os.environ.get');
  assert.equal(call.childForFieldName('arguments')?.namedChildCount, 2);
  const fn = parseText('shell', SHELL).rootNode.descendantsOfType('function_definition')[0]!;
  assert.equal(fn.childForFieldName('name')?.text, 'f');
});

test("the nodes' types, and which are plain values, are those of tree-sitter's own classes", () => {
  // tree-sitter's own build, in a process of its own: it runs only for a grammar without classes.
  const script = `
    const Parser = require('tree-sitter');
    const out = {};
    for (const [name, grammar, text] of [['python', require('tree-sitter-python'), ${JSON.stringify(PYTHON)}], ['shell', require('tree-sitter-bash'), ${JSON.stringify(SHELL)}]]) {
      const parser = new Parser();
      parser.setLanguage(grammar);
      const nodes = [];
      const cursor = parser.parse(text).walk();
      for (let more = true; more; ) {
        nodes.push(cursor.currentNode);
        if (cursor.gotoFirstChild()) continue;
        while (!cursor.gotoNextSibling()) if (!cursor.gotoParent()) { more = false; break; }
      }
      out[name] = nodes.map((node) => node.type + ' ' + node.isNamed + ' ' + (${typeIsValue.toString()})(node));
    }
    console.log(JSON.stringify(out));`;
  const run = spawnSync(process.execPath, ['-e', script], { cwd: path.dirname(require.resolve('tree-sitter/package.json')), encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const theirs = JSON.parse(run.stdout) as Record<string, string[]>;
  assert.deepEqual(describe(everyNode(parseText('python', PYTHON).rootNode)), theirs.python);
  assert.deepEqual(describe(everyNode(parseText('shell', SHELL).rootNode)), theirs.shell);
});

const NON_ASCII = {
  python: 'ä = "€😀"\nclass Ö:\n    def f(self, ß="ü"):\n        return g(ß, "😀😀", [1, "é"])\n',
  shell: 'ü="😀"\nf() { echo "€ $ü"; }\ndocker run -e "Ä=ö" postgres:16 && echo ß\n',
} as const;

test("a named node's start offset is read off its fields, and equals the binding's own answer on every node, after non-ASCII text too", () => {
  const native = Object.getOwnPropertyDescriptor(SyntaxNode.prototype, 'startIndex')!.get!;
  for (const [language, text] of Object.entries(NON_ASCII) as Array<['python' | 'shell', string]>) {
    const nodes = everyNode(parseText(language, text).rootNode);
    const named = nodes.filter((node) => node.isNamed && node.type !== 'ERROR');
    assert.ok(named.length > 15);
    for (const node of named) {
      // The getter in use is smoke-lint's, on the named nodes' class, not the binding's.
      assert.notEqual(Object.getOwnPropertyDescriptor(Object.getPrototypeOf(node), 'startIndex')?.get, undefined, `${language}: ${node.type}`);
    }
    for (const node of nodes) assert.equal(node.startIndex, native.call(node), `${language}: ${node.type} at ${node.startPosition.row}:${node.startPosition.column}`);
  }
});

test("a binding whose nodes' fields say otherwise keeps its own start offsets", () => {
  // In a process of its own: the binding's getter is made to disagree (as a binding laying its fields out
  // otherwise would) before smoke-lint's parser is made, and the offsets must then be the binding's.
  const script = `
    import { createRequire } from 'node:module';
    const require = createRequire(${JSON.stringify(path.join(process.cwd(), 'package.json'))});
    const { SyntaxNode } = require('tree-sitter');
    const own = Object.getOwnPropertyDescriptor(SyntaxNode.prototype, 'startIndex').get;
    Object.defineProperty(SyntaxNode.prototype, 'startIndex', { get() { return own.call(this) + 1; }, configurable: true });
    const { parseText } = await import(${JSON.stringify(new URL('../src/source.js', import.meta.url).href)});
    const root = parseText('python', 'x = 1\\n').rootNode;
    const assignment = root.descendantsOfType('assignment')[0];
    console.log(JSON.stringify([root.startIndex, assignment.startIndex, assignment.childForFieldName('right').startIndex]));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), [1, 1, 5]);
});

test("a named node's end offset is the binding's own answer on every node, remembered on the node once asked", () => {
  const native = Object.getOwnPropertyDescriptor(SyntaxNode.prototype, 'endIndex')!.get!;
  const remembered = (node: Parser.SyntaxNode) =>
    Object.getOwnPropertySymbols(node)
      .filter((symbol) => symbol.description === 'endIndex')
      .map((symbol) => (node as unknown as Record<symbol, unknown>)[symbol]);
  for (const [language, text] of Object.entries(NON_ASCII) as Array<['python' | 'shell', string]>) {
    const nodes = everyNode(parseText(language, text).rootNode).filter((node) => node.isNamed && node.type !== 'ERROR');
    assert.ok(nodes.length > 15);
    for (const node of nodes) {
      const where = `${language}: ${node.type} at ${node.startIndex}`;
      // One slot, empty until asked (everyNode asked nothing but the type).
      assert.deepEqual(remembered(node), [undefined], where);
      const end = node.endIndex;
      assert.equal(end, native.call(node), where);
      assert.deepEqual(remembered(node), [end], `${where}: remembered`);
      assert.equal(node.text, text.slice(node.startIndex, end), `${where}: its text`);
    }
  }
});

test("a named node's parent and named children are the binding's own answers, asked once (the list one no model can change)", () => {
  const own = (name: string) => Object.getOwnPropertyDescriptor(SyntaxNode.prototype, name)!.get!;
  for (const [language, text] of Object.entries(NON_ASCII) as Array<['python' | 'shell', string]>) {
    const nodes = everyNode(parseText(language, text).rootNode).filter((node) => node.isNamed && node.type !== 'ERROR');
    for (const node of nodes) {
      const where = `${language}: ${node.type} at ${node.startIndex}`;
      const [parent, children] = [node.parent, node.namedChildren];
      assert.equal(parent, own('parent').call(node), where);
      assert.deepEqual(children, own('namedChildren').call(node), where);
      assert.equal(node.parent, parent);
      assert.equal(node.namedChildren, children);
      assert.ok(Object.isFrozen(children));
    }
    assert.ok(nodes.some((node) => node.parent === null), 'the root has none');
    assert.ok(nodes.some((node) => node.namedChildren.length > 1));
  }
});

test("a named node's child for a field name is asked by the field's id, remembered, and is the binding's own answer for every node and field", () => {
  const byName = (SyntaxNode.prototype as { childForFieldName: (name: string) => Parser.SyntaxNode | null }).childForFieldName;
  for (const [language, text] of [['python', PYTHON], ['shell', SHELL], ...Object.entries(NON_ASCII)] as Array<['python' | 'shell', string]>) {
    const nodes = everyNode(parseText(language, text).rootNode);
    const named = nodes.filter((node) => node.isNamed && node.type !== 'ERROR');
    // smoke-lint's lookup, on the named nodes' class.
    assert.notEqual(Object.getOwnPropertyDescriptor(Object.getPrototypeOf(named[0]!), 'childForFieldName'), undefined, language);
    let found = 0;
    for (const node of nodes) {
      for (const field of ['name', 'body', 'function', 'arguments', 'left', 'right', 'value', 'argument', 'condition', 'no_such_field', '']) {
        const ours = node.childForFieldName(field);
        const theirs = byName.call(node, field);
        assert.equal(ours?.id, theirs?.id, `${language}: ${node.type}.${field}`);
        // Asked again (remembered for a named node): the same node object, or null again.
        assert.equal(node.childForFieldName(field), ours, `${language}: ${node.type}.${field}, asked again`);
        if (ours) found++;
      }
    }
    assert.ok(found > 5, `${language}: fields found (${found})`);
    // What a node remembered of its fields goes with its neighbours (forgetNeighbours), and is asked again.
    const field = (node: Parser.SyntaxNode) => ['function', 'name', 'body', 'left'].find((name) => node.childForFieldName(name) !== null);
    const call = named.find((node) => field(node) !== undefined)!;
    const asked = field(call)!;
    const before = call.childForFieldName(asked);
    const slot = Object.getOwnPropertySymbols(call).find((symbol) => symbol.description === 'fieldChildren')!;
    assert.ok((call as unknown as Record<symbol, unknown>)[slot], `${language}: remembered`);
    forgetNeighbours(call);
    assert.equal((call as unknown as Record<symbol, unknown>)[slot], undefined, `${language}: let go`);
    assert.equal(call.childForFieldName(asked)?.id, before?.id, `${language}: asked again after forgetting`);
  }
});
