// Findings must not depend on the garbage collector. tree-sitter hands out a JavaScript wrapper per node and
// keeps it only while something else does: once V8 has collected it, the same node comes back as a new
// object. So `a.parent === b` may hold in one run and not in the next, depending on when V8 collected
// (SL306 once said a client was never started when enough other rules ran before it: a `with` statement
// was compared by identity). Models compare nodes by position (`sameNode`), never by identity.
//
// This test makes the worst case the only case: a preload wraps every tree-sitter getter and method so
// that each node it returns is a new wrapper, and every fixture project is linted once as usual and once
// so. The findings must be the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './helpers.js';
import { caseProject, findCases } from './fixture-case.js';
import { tempDir } from './temp-dir.js';

const LAUNCHER = path.join(repoRoot, 'bin', 'smoke-lint.js');

/** A preload that makes every node handed out by tree-sitter a new wrapper of the same node. */
function freshWrappersPreload(): string {
  const treeSitter = JSON.stringify(path.join(repoRoot, 'node_modules', 'tree-sitter'));
  const python = JSON.stringify(path.join(repoRoot, 'node_modules', 'tree-sitter-python'));
  return `'use strict';
const Parser = require(${treeSitter});
const parser = new Parser();
parser.setLanguage(require(${python}));
const tree = parser.parse('x = 1\\n');
const nodePrototype = Object.getPrototypeOf(Object.getPrototypeOf(tree.rootNode));
const SyntaxNode = nodePrototype.constructor;
let copies = 0;
// A node's state is its own fields: its tree, six numbers (tree-sitter's index.js, NODE_FIELD_COUNT) and
// what smoke-lint's node class adds (src/native.ts); a copy of them is a new wrapper of the same node.
function fresh(value) {
  if (value instanceof SyntaxNode) {
    const copy = Object.create(Object.getPrototypeOf(value), Object.getOwnPropertyDescriptors(value));
    copies++;
    return copy;
  }
  return Array.isArray(value) ? value.map(fresh) : value;
}
function wrapAll(prototype) {
  for (const name of Object.getOwnPropertyNames(prototype)) {
    if (name === 'constructor') continue;
    const descriptor = Object.getOwnPropertyDescriptor(prototype, name);
    if (descriptor.get) {
      const get = descriptor.get;
      Object.defineProperty(prototype, name, { ...descriptor, get() { return fresh(get.call(this)); } });
    } else if (typeof descriptor.value === 'function') {
      const method = descriptor.value;
      Object.defineProperty(prototype, name, { ...descriptor, value: function (...args) { return fresh(method.apply(this, args)); } });
    }
  }
}
wrapAll(nodePrototype);
wrapAll(Object.getPrototypeOf(tree));
wrapAll(Object.getPrototypeOf(tree.walk()));
process.on('exit', () => process.stderr.write('fresh node wrappers: ' + copies + '\\n'));
`;
}

test('findings do not depend on whether tree-sitter hands out the same wrapper for a node twice', () => {
  const cases = findCases();
  const projects = cases.map((fixture) => caseProject(fixture));
  const dir = tempDir('smoke-lint-node-identity-');
  try {
    const preload = path.join(dir, 'fresh-wrappers.cjs');
    writeFileSync(preload, freshWrappersPreload());
    const args = ['--format', 'concise', '--no-color', ...projects.map(({ project }) => project)];
    const options = { encoding: 'utf8' as const, cwd: dir, maxBuffer: 64 * 1024 * 1024 };
    const usual = spawnSync(process.execPath, [LAUNCHER, ...args], options);
    const fresh = spawnSync(process.execPath, ['-r', preload, LAUNCHER, ...args], options);
    assert.equal(usual.status, 1, usual.stderr);
    // The preload did its work: a few hundred thousand nodes were handed out as new wrappers.
    const copies = Number(/fresh node wrappers: (\d+)/.exec(fresh.stderr)?.[1] ?? 0);
    assert.ok(copies > 100_000, fresh.stderr);
    assert.match(usual.stdout, /SL306 /);
    assert.deepEqual(fresh.stdout.split('\n'), usual.stdout.split('\n'));
    assert.equal(fresh.status, usual.status);
  } finally {
    for (const { dispose } of projects) dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
