// The bundle's CommonJS interop (scripts/lean-interop.js): esbuild's helpers are replaced by ones that
// copy nothing, and a read through them gives what a read through esbuild's gave.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { transformSync } from 'esbuild';
import { repoRoot } from './helpers.js';

type LeanInterop = (code: string) => string;
const leanInterop = async (): Promise<LeanInterop> =>
  ((await import(pathToFileURL(path.join(repoRoot, 'scripts', 'lean-interop.js')).href)) as { leanInterop: LeanInterop }).leanInterop;

// An ES module as the bundle's chunks are: importing node's modules, a package exporting a function, a
// package's namespace, and an ES module made CommonJS (a sibling chunk), at once and lazily.
const SAMPLE = `
import path, { sep } from 'node:path';
import triple from 'fn-package';
import * as settings from 'cjs-package';
import chunkDefault, { chunkNamed } from 'esm-chunk';
export const seen = {
  joined: path.join('a', 'b'), sep, tripled: triple(2), setting: settings.level, settingsDefault: settings.default.level,
  hasOwn: 'level' in settings, chunkDefault, chunkNamed: chunkNamed(),
};
export const later = () => import('esm-chunk').then((chunk) => ({ chunkDefault: chunk.default, chunkNamed: chunk.chunkNamed() }));
export default 'the sample';
`;

/** What `require` gives the sample: node's path, two CommonJS packages, and a chunk as the bundle makes it. */
function fakeRequire(name: string): unknown {
  if (name === 'node:path') return path;
  if (name === 'fn-package') return (n: number) => n * 3;
  if (name === 'cjs-package') return { level: 2 };
  if (name === 'esm-chunk') {
    const chunk = {};
    Object.defineProperty(chunk, '__esModule', { value: true });
    Object.defineProperty(chunk, 'default', { get: () => 'D', enumerable: true });
    Object.defineProperty(chunk, 'chunkNamed', { get: () => () => 'N', enumerable: true });
    return chunk;
  }
  throw new Error(`unexpected require of ${name}`);
}

async function run(code: string): Promise<unknown> {
  const module = { exports: {} as Record<string, unknown> };
  new Function('exports', 'require', 'module', code)(module.exports, fakeRequire, module);
  const exports = module.exports as { seen: unknown; later: () => Promise<unknown>; default: unknown; __esModule?: unknown };
  return { seen: exports.seen, later: await exports.later(), default: exports.default, esModule: exports.__esModule };
}

test('reads through the lean helpers give what reads through esbuild\'s gave', async () => {
  const lean = await leanInterop();
  const original = transformSync(SAMPLE, { format: 'cjs', platform: 'node', target: 'node20', supported: { 'dynamic-import': false } }).code;
  const leaner = lean(original);
  assert.notEqual(leaner, original, "esbuild's helpers were found and replaced");
  assert.doesNotMatch(leaner, /__copyProps\(/, 'nothing is copied any more');
  const expected = await run(original);
  assert.deepEqual(await run(leaner), expected);
  assert.deepEqual((expected as { seen: unknown }).seen, { joined: path.join('a', 'b'), sep: path.sep, tripled: 6, setting: 2, settingsDefault: 2, hasOwn: true, chunkDefault: 'D', chunkNamed: 'N' });
});

test("every chunk of the built bundle has the lean helpers, none esbuild's copying ones", () => {
  const bundle = path.join(repoRoot, 'dist', 'bundle');
  const chunks = readdirSync(bundle).filter((name) => name.endsWith('.cjs'));
  let lean = 0;
  for (const name of chunks) {
    const code = readFileSync(path.join(bundle, name), 'utf8');
    assert.doesNotMatch(code, /var __to(ESM|CommonJS)\d* = [^\n]*__copyProps/, name);
    assert.doesNotMatch(code, /var __toESM\d* = \(mod, isNodeMode, target\)/, name);
    lean += (code.match(/var __to(ESM|CommonJS)\d* = \(mod(, isNodeMode)?\) =>/g) ?? []).length;
  }
  assert.ok(lean >= chunks.length, `${lean} lean helpers in ${chunks.length} chunks`);
});
