// tree-sitter and its grammars load from the binaries the build recorded (dist/natives.json, written by
// scripts/bundle.js with node-gyp-build's own choice), without asking node-gyp-build again; a record that
// is missing, unreadable or names files that are not there, or a variable that changes node-gyp-build's
// choice, leaves the packages to load the usual way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { recordedNatives } from '../src/native-record.js';
import { repoRoot } from './helpers.js';
import { tempDir } from './temp-dir.js';

const RECORD = path.join(repoRoot, 'dist', 'natives.json');
const NATIVE = path.join(repoRoot, 'dist', 'src', 'native.js');

/** Loads the natives in a fresh node (the record is read once per process), and says what it loaded. */
function loadInFreshNode(env: NodeJS.ProcessEnv = {}): { modules: string[]; root: string } {
  const script = `
    import { createRequire } from 'node:module';
    import { natives } from ${JSON.stringify(NATIVE)};
    const { Parser, python } = natives();
    const parser = new Parser();
    parser.setLanguage(python);
    const root = parser.parse('x = 1\\n').rootNode.type;
    const modules = Object.keys(createRequire(import.meta.url).cache);
    console.log(JSON.stringify({ modules, root }));
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, ...env } });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as { modules: string[]; root: string };
}

test("the build records each package's main module and the binary node-gyp-build chose, relative to the package", () => {
  const record = JSON.parse(readFileSync(RECORD, 'utf8')) as Record<string, { main: string; binary: string }>;
  assert.deepEqual(Object.keys(record), ['tree-sitter', 'tree-sitter-python', 'tree-sitter-bash']);
  const fromRoot = createRequire(path.join(repoRoot, 'package.json'));
  for (const [name, entry] of Object.entries(record)) {
    const folder = path.dirname(fromRoot.resolve(`${name}/package.json`));
    assert.equal(path.join(folder, entry.main), fromRoot.resolve(name), name);
    assert.match(entry.binary, /\.node$/, name);
    assert.ok(existsSync(path.join(folder, entry.binary)), name);
  }
});

test('with the record, the packages load without node-gyp-build, and parse', () => {
  const { modules, root } = loadInFreshNode();
  assert.equal(root, 'module');
  assert.ok(modules.some((file) => file.endsWith(`${path.sep}tree-sitter${path.sep}index.js`)), 'tree-sitter ran its own main module');
  assert.ok(modules.some((file) => file.endsWith('.node')), 'the binaries are in node\u2019s module cache');
  assert.deepEqual(modules.filter((file) => file.includes('node-gyp-build')), []);
  // Which node types are named comes from the binding (src/native.ts): the grammars' lists are not read.
  assert.deepEqual(modules.filter((file) => file.endsWith('node-types.json')), []);
});

test("with a variable that changes node-gyp-build's choice, node-gyp-build chooses", () => {
  const { modules, root } = loadInFreshNode({ TREE_SITTER_PYTHON_PREBUILD: path.join(repoRoot, 'node_modules', 'tree-sitter-python') });
  assert.equal(root, 'module');
  assert.ok(modules.some((file) => file.includes('node-gyp-build')));
});

test('a record that cannot be read or whose files are gone is not used', () => {
  const folder = tempDir('smoke-lint-natives-');
  const write = (name: string, content: string) => {
    writeFileSync(path.join(folder, name), content);
    return path.join(folder, name);
  };
  assert.equal(recordedNatives(path.join(folder, 'absent.json')), null);
  assert.equal(recordedNatives(write('broken.json', '{"tree-sitter": ')), null);
  assert.equal(recordedNatives(write('partial.json', JSON.stringify({ 'tree-sitter': { main: 'a.js', binary: 'a.node' } }))), null);
  const moved = Object.fromEntries(
    ['tree-sitter', 'tree-sitter-python', 'tree-sitter-bash'].map((name) => [name, { main: `gone/${name}/index.js`, binary: `gone/${name}/binding.node` }]),
  );
  assert.equal(recordedNatives(write('moved.json', JSON.stringify(moved))), null);
});

test('a package already loaded the usual way is the one the record gives (no second copy of tree-sitter)', () => {
  const usual = createRequire(import.meta.url)('tree-sitter') as unknown;
  const fromRecord = recordedNatives(RECORD);
  assert.ok(fromRecord);
  assert.equal(fromRecord.Parser, usual);
});
