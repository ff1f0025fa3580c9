// tree-sitter and its grammars loaded from the binaries the build recorded (dist/natives.json, written by
// scripts/bundle.js with node-gyp-build's own choice), instead of asking node-gyp-build on every run; and
// tree-sitter's JavaScript layer compiled with the code cache the build recorded for it.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import type Parser from 'tree-sitter';
import type { Natives } from './native.js';
import { withNodeCachePerTree } from './node-cache.js';

const require = createRequire(import.meta.url);

/** The native packages, as the record names them. */
const NATIVE_PACKAGES = ['tree-sitter', 'tree-sitter-python', 'tree-sitter-bash'] as const;

/**
 * Variables that make node-gyp-build choose another binary than the one it chose when the build ran: with
 * any of them set, the packages load the usual way and node-gyp-build chooses.
 */
const BINARY_CHOICE_VARIABLES = ['PREBUILDS_ONLY', 'npm_config_arch', 'npm_config_platform', 'LIBC', 'ARM_VERSION', ...NATIVE_PACKAGES.map((name) => `${name.toUpperCase().replace(/-/g, '_')}_PREBUILD`)];

/** A package's entry in the record: its main module and its binary, relative to the package's folder. */
interface RecordEntry {
  main: string;
  binary: string;
}

/**
 * Writes the record (scripts/bundle.js, at build time): for each package as `require` finds it from
 * `fromFile`, its main module and the binary node-gyp-build chooses, asked of the node-gyp-build the package
 * itself requires, through its own `path()`. Throws when a package or its binary is not there (the packages
 * not built); then there is no record, and runs load the packages the usual way.
 */
export function writeNativesRecord(recordFile: string, fromFile: string): void {
  const fromHere = createRequire(fromFile);
  const record: Record<string, RecordEntry> = {};
  for (const name of NATIVE_PACKAGES) {
    const main = fromHere.resolve(name);
    const folder = path.dirname(fromHere.resolve(`${name}/package.json`));
    const nodeGypBuild = createRequire(main)('node-gyp-build') as { path(dir: string): string };
    record[name] = { main: path.relative(folder, main), binary: path.relative(folder, nodeGypBuild.path(folder)) };
  }
  writeFileSync(recordFile, JSON.stringify(record, null, 1) + '\n');
}

let binding: unknown = null;

/** tree-sitter's binding, when `recordedNatives` loaded it; null otherwise. */
export function recordedBinding(): unknown {
  return binding;
}

/**
 * tree-sitter and its grammars, loaded from the binaries node-gyp-build chose for them when the build ran;
 * null when there is no usable record (then the packages load the usual way). Each package's own main
 * module runs as usual, except that its call of node-gyp-build is answered with the recorded binary.
 * Asking node-gyp-build on every run (loading it, its search of each package's build and prebuilds
 * folders, node's search for the binary it names) gave the same answer for about 3% of a one-suite run:
 * 409 -> 398 M instructions under callgrind. The record holds each package's main module and binary as
 * the build found them, relative to the package's folder, which is found as `require` finds it (so the
 * record holds when an install puts the packages elsewhere, as a registry install that hoists them does);
 * a record that cannot be read, or whose files are not there or do not load here (another version of a
 * package, another platform), is not used.
 * (test/natives-record.test.ts: the record is used, and what a broken record or a variable does.)
 */
export function recordedNatives(recordFile: string): Natives | null {
  if (BINARY_CHOICE_VARIABLES.some((name) => process.env[name] !== undefined)) return null;
  let record: Record<string, { main?: unknown; binary?: unknown } | undefined>;
  try {
    record = JSON.parse(readFileSync(recordFile, 'utf8')) as typeof record;
  } catch {
    return null;
  }
  const files = NATIVE_PACKAGES.map((name) => record?.[name]);
  if (!files.every((entry) => typeof entry?.main === 'string' && typeof entry.binary === 'string')) return null;
  try {
    const [layer, python, bash] = files.map((entry, index) => {
      // The package's folder as `require` finds it from here (wherever the install put it), by its real
      // path, as node's module cache knows a module (node_modules may hold links, as pnpm's does).
      const folder = path.dirname(require.resolve(`${NATIVE_PACKAGES[index]}/package.json`));
      const binary = addon(path.join(folder, entry!.binary as string));
      if (index === 0) binding = binary;
      // tree-sitter's own layer with its node objects kept per tree (src/node-cache.ts).
      return mainWithBinary(path.join(folder, entry!.main as string), binary, index === 0 ? withNodeCachePerTree : null, index > 0);
    });
    return { Parser: layer as typeof Parser, python, bash };
  } catch {
    binding = null;
    return null;
  }
}

/**
 * A native addon, loaded as node's `require` loads one it has resolved (and registered in its module cache
 * the same way): the path is known, so node's search for it is skipped. A file that is not there or does
 * not load throws.
 */
function addon(file: string): unknown {
  const cached = require.cache[file];
  if (cached) return cached.exports;
  const module = new Module(file);
  module.filename = file;
  process.dlopen(module, file);
  module.loaded = true;
  require.cache[file] = module;
  return module.exports;
}

/** What node's loader does with a module's file, beyond the public API of `Module`. */
type Loadable = Module & { load(filename: string): void; _compile(source: string, filename: string): void };
const moduleStatics = Module as unknown as { _nodeModulePaths?(dir: string): string[] };

/**
 * Runs a package's main module (or takes it from node's module cache, where it is registered as node
 * registers a module it loads, so a later `require` of the package gets the same one), with its
 * `require('node-gyp-build')` answered by a loader that returns `binary`. With `transform`, the module's
 * text goes through it first, and is run as node's loader runs a CommonJS file, compiled with the code
 * cache the build recorded for that text (`runWithCodeCache`). With
 * `withoutNodeTypes` (a grammar), its `require` of the grammar's node-type list (`node-types.json`, which
 * the grammar's main module reads into `nodeTypeInfo`) answers undefined: parsing it cost a one-suite run
 * about 1.5% of its instructions, and smoke-lint's node classes take which types are named from the
 * binding (`leanNodeClasses` in src/native.ts). The layer reads that list only to build its own classes.
 */
function mainWithBinary(main: string, binary: unknown, transform: ((source: string) => string) | null, withoutNodeTypes = false): unknown {
  const cached = require.cache[main];
  if (cached) return cached.exports;
  const module = new Module(main) as Loadable;
  const ownRequire = module.require;
  module.require = ((id: string) => {
    if (id === 'node-gyp-build') return () => binary;
    if (withoutNodeTypes && path.basename(id) === 'node-types.json') return undefined;
    return ownRequire.call(module, id);
  }) as NodeJS.Require;
  require.cache[main] = module;
  try {
    if (transform && typeof module._compile === 'function' && typeof moduleStatics._nodeModulePaths === 'function') {
      module.filename = main;
      module.paths = moduleStatics._nodeModulePaths(path.dirname(main));
      runWithCodeCache(module, transform(readFileSync(main, 'utf8')), main);
      module.loaded = true;
    } else {
      module.load(main);
    }
  } catch (error) {
    delete require.cache[main];
    throw error;
  }
  return module.exports;
}

/**
 * V8's code cache for tree-sitter's layer (its index.js as `withNodeCachePerTree` rewrites it), beside the
 * chunks' (bin/load-bundle.cjs): recorded by the build's training run (scripts/bundle.js) in
 * `tree-sitter-layer.bin`, with the text it was made for in `tree-sitter-layer.js`. Compiling the layer
 * from its source (then each of its functions on first call) cost a one-suite run about 3% of its
 * instructions. V8 checks a cache against its source's length only, so the cache is given to V8 only for
 * the very text it was made for: a package changed since the build (or one of another version) compiles
 * from its source as before. From dist/src/ (no bundle) there is no cache.
 */
const LAYER_CACHE = fileURLToPath(new URL('./cache/tree-sitter-layer', import.meta.url));

/** Whether the layer's code cache was given to V8 and taken (true), rejected (false), or not given (null). */
let layerCacheUse: boolean | null = null;
(globalThis as Record<symbol, unknown>)[Symbol.for('smoke-lint.layer-cache')] = () => layerCacheUse;

/** The layer's recorded cache, when it was made for exactly `text`. */
function layerCacheFor(text: string): Buffer | undefined {
  try {
    return readFileSync(`${LAYER_CACHE}.js`, 'utf8') === text ? readFileSync(`${LAYER_CACHE}.bin`) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs a CommonJS module's text as node's loader would (`module._compile`), compiled with the layer's
 * code cache when it was made for that text. In the build's training run (SMOKE_LINT_BUILD_CODE_CACHE,
 * see bin/smoke-lint.js), records the cache of what the run compiled, at exit (after the launcher has
 * set V8's flags back to those a run has: V8 takes a cache only under the flags it was made with).
 */
function runWithCodeCache(module: Loadable, text: string, main: string): void {
  const cachedData = layerCacheFor(text);
  const script = new vm.Script(Module.wrap(text), { filename: main, cachedData });
  layerCacheUse = cachedData === undefined ? null : !script.cachedDataRejected;
  const training = process.env.SMOKE_LINT_BUILD_CODE_CACHE;
  if (training) {
    process.on('exit', () => {
      mkdirSync(training, { recursive: true });
      writeFileSync(path.join(training, `${path.basename(LAYER_CACHE)}.bin`), script.createCachedData());
      writeFileSync(path.join(training, `${path.basename(LAYER_CACHE)}.js`), text);
    });
  }
  const own = createRequire(main);
  const moduleRequire = Object.assign((id: string) => module.require(id), { resolve: own.resolve, cache: own.cache, extensions: own.extensions, main: own.main });
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(module.exports, module.exports, moduleRequire, module, main, path.dirname(main));
}
