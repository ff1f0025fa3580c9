// The bundle's V8 code cache (bin/load-bundle.cjs, recorded by scripts/bundle.js): the launcher takes it
// on a run like the build's training run, and a cache V8 rejects, or none at all, changes nothing a run
// prints or returns. Which chunks took their cache is read from the launcher's loader at exit; whether
// tree-sitter's layer took its own (src/native-record.ts), from the function it leaves for that.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './helpers.js';
import { tempDir } from './temp-dir.js';

const PROBE = `process.on('exit', () => {
  const loader = globalThis[Symbol.for('smoke-lint.bundle-loader')];
  const layer = globalThis[Symbol.for('smoke-lint.layer-cache')];
  require('node:fs').writeFileSync(process.env.CACHE_LOG, JSON.stringify({ chunks: loader ? loader.cacheUse() : null, layer: layer ? layer() : 'not loaded' }));
});
`;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Per chunk loaded: true (cache taken), false (rejected), null (no cache); null if the run was not from the bundle. */
  cacheUse: Record<string, boolean | null> | null;
  /** tree-sitter's layer (src/native-record.ts): its cache taken, rejected, not given (null), or the layer not loaded from the record. */
  layerCache: boolean | null | 'not loaded';
}

function run(launcher: string, cwd: string, args: string[]): Run {
  const dir = tempDir('smoke-lint-cache-probe-');
  writeFileSync(path.join(dir, 'probe.cjs'), PROBE);
  const log = path.join(dir, 'cache.json');
  const result = spawnSync(process.execPath, ['-r', path.join(dir, 'probe.cjs'), launcher, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CACHE_LOG: log, NO_COLOR: '1' },
  });
  const { chunks: use, layer } = JSON.parse(readFileSync(log, 'utf8')) as { chunks: Record<string, boolean | undefined> | null; layer: Run['layerCache'] };
  rmSync(dir, { recursive: true, force: true });
  // JSON drops undefined: a chunk without a cache is listed as null.
  const cacheUse = use === null ? null : Object.fromEntries(Object.entries(use).map(([name, taken]) => [name, taken ?? null]));
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, cacheUse, layerCache: layer };
}

const LAUNCHER = path.join(repoRoot, 'bin', 'smoke-lint.js');
const CLEAN = path.join(repoRoot, 'fixtures', 'clean', 'project');
const FINDINGS = path.join(repoRoot, 'fixtures', 'skill-verbatim', 'project');

/** The launcher and the bundle alone, in a folder of their own whose cache can be spoiled. */
function launcherCopy(): { launcher: string; cache: string } {
  const root = tempDir('smoke-lint-cache-copy-');
  cpSync(path.join(repoRoot, 'bin'), path.join(root, 'bin'), { recursive: true });
  cpSync(path.join(repoRoot, 'dist', 'bundle'), path.join(root, 'dist', 'bundle'), { recursive: true });
  cpSync(path.join(repoRoot, 'dist', 'natives.json'), path.join(root, 'dist', 'natives.json'));
  cpSync(path.join(repoRoot, 'package.json'), path.join(root, 'package.json'));
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  return { launcher: path.join(root, 'bin', 'smoke-lint.js'), cache: path.join(root, 'dist', 'bundle', 'cache') };
}

test('a whole-suite run from the bundle takes the code cache of every chunk it loads', () => {
  const result = run(LAUNCHER, CLEAN, ['.']);
  assert.equal(result.status, 0, result.stderr);
  assert.ok(result.cacheUse, 'the run did not start from the bundle');
  const chunks = Object.keys(result.cacheUse);
  assert.ok(chunks.includes('cli') && chunks.length > 3, chunks.join(', '));
  assert.deepEqual(
    Object.entries(result.cacheUse).filter(([, taken]) => taken !== true),
    [],
    'chunks whose cache was missing (null) or rejected by V8 (false): is the cache made under the launcher\'s V8 flags?',
  );
});

test("tree-sitter's layer takes its code cache only when the cache was made for its very text", () => {
  const expected = run(LAUNCHER, FINDINGS, ['.']);
  assert.equal(expected.status, 1, expected.stderr);
  assert.equal(expected.layerCache, true, 'the layer did not take the cache the build made for it');

  // V8 checks a cache against the length of its source only: a text of the same length, one character
  // changed, would be taken with the other text's code.
  const changed = launcherCopy();
  const recorded = path.join(changed.cache, 'tree-sitter-layer.js');
  const text = readFileSync(recorded, 'utf8');
  const at = text.indexOf('Parser');
  writeFileSync(recorded, text.slice(0, at) + 'Qarser' + text.slice(at + 'Parser'.length));
  const otherText = run(changed.launcher, FINDINGS, ['.']);
  assert.equal(otherText.layerCache, null, 'a cache made for another text was given to V8');
  assert.deepEqual([otherText.status, otherText.stdout, otherText.stderr], [expected.status, expected.stdout, expected.stderr]);

  const spoiled = launcherCopy();
  writeFileSync(path.join(spoiled.cache, 'tree-sitter-layer.bin'), Buffer.from('not a V8 code cache'));
  const rejected = run(spoiled.launcher, FINDINGS, ['.']);
  assert.equal(rejected.layerCache, false);
  assert.deepEqual([rejected.status, rejected.stdout, rejected.stderr], [expected.status, expected.stdout, expected.stderr]);
});

test('a code cache V8 rejects, or none at all, changes nothing a run prints or returns', () => {
  const expected = run(LAUNCHER, FINDINGS, ['.']);
  assert.equal(expected.status, 1, expected.stderr);
  assert.match(expected.stdout, /SL\d{3}/);

  const spoiled = launcherCopy();
  for (const name of readdirSync(spoiled.cache)) writeFileSync(path.join(spoiled.cache, name), Buffer.from('not a V8 code cache, but bytes of the right kind of nonsense'));
  const rejected = run(spoiled.launcher, FINDINGS, ['.']);
  assert.deepEqual([rejected.status, rejected.stdout, rejected.stderr], [expected.status, expected.stdout, expected.stderr]);
  assert.ok(rejected.cacheUse && Object.keys(rejected.cacheUse).length > 3);
  assert.deepEqual(Object.values(rejected.cacheUse).filter((taken) => taken !== false), [], 'V8 took a spoiled cache');

  const missing = launcherCopy();
  rmSync(missing.cache, { recursive: true });
  const uncached = run(missing.launcher, FINDINGS, ['.']);
  assert.deepEqual([uncached.status, uncached.stdout, uncached.stderr], [expected.status, expected.stdout, expected.stderr]);
  assert.deepEqual(Object.values(uncached.cacheUse ?? {}).filter((taken) => taken !== null), []);
});

test('every bundle chunk is ASCII: node reads a chunk with one other character as a two-byte string, several times slower', () => {
  const bundleDir = path.join(repoRoot, 'dist', 'bundle');
  const chunks = readdirSync(bundleDir).filter((name) => name.endsWith('.cjs'));
  assert.ok(chunks.length > 5, 'the bundle is built');
  for (const name of chunks) {
    const text = readFileSync(path.join(bundleDir, name), 'utf8');
    const at = text.search(/[^\x00-\x7f]/);
    assert.equal(at, -1, `${name}: ${JSON.stringify(text.slice(Math.max(0, at - 40), at + 10))}`);
  }
});
