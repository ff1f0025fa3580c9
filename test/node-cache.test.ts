// tree-sitter's JavaScript layer, as smoke-lint loads it, keeps its node objects per tree in a map
// (src/node-cache.ts) instead of registering each with the binding's cache of weak references. It must
// hand out the same nodes as the layer as published, each the same object however it is reached, and
// never register one with the binding. A file the project lets go is emptied of them, and of the
// models' caches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dockerRuns } from '../src/model/docker.js';
import { callArguments, pyModule } from '../src/model/python.js';
import { shellScript } from '../src/model/shell/model.js';
import { nodesOfType } from '../src/model/tree-nodes.js';
import { withNodeCachePerTree } from '../src/node-cache.js';
import { makeTempProject, projectModel } from './project.js';
import { repoRoot } from './helpers.js';
import path from 'node:path';

const NATIVE = path.join(repoRoot, 'dist', 'src', 'native.js');
const LAYER = createRequire(path.join(repoRoot, 'package.json')).resolve('tree-sitter');

/** Python with a syntax error, non-ASCII text, nested fields and lists of children. */
const SAMPLE = [
  'import os',
  'from app.main import app as application, get_session',
  '',
  'def test_é(client, *args, key="ü" ):',
  '    with TestClient(app) as c:',
  '        r = c.get("/path", params={"a": [1, 2]})',
  '    assert r.status_code == 200 and not r.json()["x"]',
  'class Broken(:',
  '    pass',
  '',
].join('\n');

/**
 * Parses SAMPLE in a fresh node, the layer loaded as smoke-lint loads it (`lean`) or the usual way, and
 * reports every node (preorder, by cursor), whether each is the object its parent's child list, its
 * children's `parent`, a second cursor walk and `descendantsOfType` give, and how often the binding's cache
 * was asked to keep a node.
 */
function parseInFreshNode(lean: boolean): { nodes: string[]; identical: boolean; registered: number } {
  const script = `
    import { createRequire } from 'node:module';
    import { natives } from ${JSON.stringify(NATIVE)};
    import { recordedBinding } from ${JSON.stringify(path.join(repoRoot, 'dist', 'src', 'native-record.js'))};
    const require = createRequire(${JSON.stringify(path.join(repoRoot, 'package.json'))});
    let Parser, python, binding;
    if (${lean}) {
      ({ Parser, python } = natives());
      binding = recordedBinding();
    } else {
      Parser = require('tree-sitter');
      python = require('tree-sitter-python');
      binding = require('node-gyp-build')(require('path').dirname(require.resolve('tree-sitter')));
    }
    let registered = 0;
    for (const name of ['_cacheNode', '_cacheNodes']) {
      const own = binding.Tree.prototype[name];
      binding.Tree.prototype[name] = function (...args) { registered++; return own.apply(this, args); };
    }
    const parser = new Parser();
    parser.setLanguage(python);
    const tree = parser.parse(${JSON.stringify(SAMPLE)});
    const walk = () => { const seen = []; const cursor = tree.walk(); for (;;) { seen.push(cursor.currentNode); if (cursor.gotoFirstChild()) continue; while (!cursor.gotoNextSibling()) if (!cursor.gotoParent()) return seen; } };
    const first = walk();
    const second = walk();
    let identical = first.length === second.length && first.every((node, index) => node === second[index]);
    for (const node of first) {
      const children = node.children;
      if (!children.every((child, index) => child.parent === node && node.child(index) === child)) identical = false;
      const field = node.childForFieldName('name');
      if (field !== null && !children.includes(field)) identical = false;
    }
    const types = [...new Set(first.filter((node) => node.isNamed).map((node) => node.type))];
    const found = tree.rootNode.descendantsOfType(types);
    if (!found.every((node) => first.includes(node))) identical = false;
    if (tree.rootNode.parent !== null) identical = false;
    const nodes = first.map((node) => [node.type, node.isNamed, node.startIndex, node.endIndex, node.text, node.hasError, node.childCount].join(' '));
    console.log(JSON.stringify({ nodes, identical, registered }));
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as { nodes: string[]; identical: boolean; registered: number };
}

test('the installed tree-sitter layer is the one the replacement was written for', () => {
  const source = readFileSync(LAYER, 'utf8');
  const changed = withNodeCachePerTree(source);
  assert.notEqual(changed, source, `tree-sitter's ${LAYER} no longer has the expected functions: src/node-cache.ts leaves it as it is`);
  assert.ok(!changed.includes('_cacheNode('), 'no node is registered with the binding any more');
  assert.equal(withNodeCachePerTree(changed), changed, 'a changed layer is not changed again');
});

test('a layer whose text is not the expected one is left as it is', () => {
  const source = readFileSync(LAYER, 'utf8');
  const start = source.indexOf('function unmarshalNodes(nodes, tree) {');
  const variants = [
    // a function added between the two
    source.slice(0, start) + 'function helper() {}\n\n' + source.slice(start),
    // the binding's cache called otherwise
    source.replace('tree._cacheNode(result);', 'tree._cacheNode(result, 1);'),
    // another signature
    source.replace('function unmarshalNode(value, tree, offset = 0, cache = null) {', 'function unmarshalNode(value, tree, offset = 0) {'),
    'module.exports = {};\n',
  ];
  for (const variant of variants) assert.equal(withNodeCachePerTree(variant), variant);
});

test('as smoke-lint loads it, the layer hands out the same nodes, each one object, none kept by the binding', () => {
  const usual = parseInFreshNode(false);
  const lean = parseInFreshNode(true);
  // The probe sees the binding's cache: the layer as published registers node objects with it.
  assert.ok(usual.registered > 0);
  assert.equal(lean.registered, 0);
  assert.ok(lean.nodes.some((node) => node.startsWith('ERROR ')), 'the sample has a syntax error');
  assert.deepEqual(lean.nodes, usual.nodes);
  assert.equal(lean.identical, true);
});

test('a file its project lets go keeps no node objects and no model caches', () => {
  const root = makeTempProject({ 'tests/test_a.py': 'def test_a(client):\n    assert client.get("/x").json() == {}\n' });
  const project = projectModel(root);
  const discovered = project.discovered.find((file) => file.path.endsWith('test_a.py'))!;
  const file = project.load(discovered)!;
  const module = pyModule(file);
  const calls = nodesOfType(file, 'call');
  assert.equal(calls.length, 2);
  const nodes = (file.tree as unknown as Record<symbol, Map<number, unknown>>)[Symbol.for('smoke-lint.nodes')]!;
  assert.ok(nodes.size > 0, 'the layer keeps the tree node objects in its map');
  // What a node remembered of its neighbours goes too (an old node would keep younger ones alive).
  const remembered = (node: object, name: string) => {
    const slot = Object.getOwnPropertySymbols(node).find((symbol) => symbol.description === name);
    assert.ok(slot, `a named node has a ${name} field`);
    return (node as Record<symbol, unknown>)[slot];
  };
  const [call] = calls;
  assert.ok(call!.parent && call!.namedChildren.length > 0);
  assert.equal(remembered(call!, 'parent'), call!.parent);
  assert.equal(remembered(call!, 'namedChildren'), call!.namedChildren);
  // So do the models' memos per node (perNode): asked again, a node's facts are read anew.
  const args = callArguments(call!);
  assert.equal(callArguments(call!), args);
  project.releasePython();
  assert.equal(nodes.size, 0);
  assert.equal(remembered(call!, 'parent'), undefined);
  assert.equal(remembered(call!, 'namedChildren'), undefined);
  const argsAgain = callArguments(call!);
  assert.notEqual(argsAgain, args);
  assert.deepEqual(argsAgain.positional.map((node) => node.text), args.positional.map((node) => node.text));
  // Asked again, the models build their facts anew (the same facts).
  assert.notEqual(pyModule(file), module);
  const again = nodesOfType(file, 'call');
  assert.notEqual(again, calls);
  assert.deepEqual(again.map((node) => node.text), calls.map((node) => node.text));
});

test("a script its project lets go has its model's caches emptied too", () => {
  const root = makeTempProject({ 'scripts/test-db.sh': '#!/bin/bash\ndocker run -d -p 5433:5432 postgres:17\n' });
  const project = projectModel(root);
  const file = project.load(project.discovered.find((entry) => entry.path.endsWith('test-db.sh'))!)!;
  const script = shellScript(file);
  assert.ok(script);
  assert.equal(shellScript(file), script);
  const runs = dockerRuns(script);
  assert.equal(runs.length, 1);
  project.releaseSuiteFiles();
  const again = shellScript(file);
  assert.ok(again && again !== script);
  assert.notEqual(dockerRuns(again), runs);
  assert.equal(dockerRuns(again).length, 1);
});
