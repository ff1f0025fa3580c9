// Loads the bundle (dist/bundle/*.cjs, made by scripts/bundle.js) with V8's code cache.
//
// Why: compiling the bundle's JavaScript (parsing it, then compiling each function on its first call) was
// about a quarter of a one-suite pre-commit run, and Node 20 gives ES modules no way to reuse compiled code
// between runs. A CommonJS function body compiled through `vm.Script` can: V8 accepts the code it recorded
// for the same source (`cachedData`) and skips both steps for every function the cache holds. The build
// records that cache after a training run (scripts/bundle.js), in dist/bundle/cache/.
//
// Every chunk works without its cache: V8 rejects a cache made by another V8 version or with other V8
// flags (the launcher's `--heap-growing-percent` among them) and then compiles the source as usual; a
// missing or unreadable cache file is the same. So a cache can only make a run faster, never change it.
//
// A chunk is registered in `require.cache` under its file name, as a CommonJS module would be, so tools
// that list what a run loaded (test/startup.test.ts) see it.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');
const { pathToFileURL } = require('node:url');

/**
 * A chunk's CommonJS body as the chunk file holds it (scripts/bundle.js writes it so): one function of
 * the CommonJS variables, and `__smokeLintImportMeta`, the chunk's `import.meta`.
 */
function wrapChunk(body) {
  return `(function (exports, require, module, __filename, __dirname, __smokeLintImportMeta) {${body}\n})`;
}

/**
 * A loader for the chunks of one bundle folder. `load('cli')` runs dist/bundle/cli.cjs and returns its
 * exports; a chunk's `require('./chunk-X.cjs')` loads a sibling the same way, anything else through
 * node's own `require` from that folder.
 */
function createLoader(bundleDir) {
  const cacheDir = path.join(bundleDir, 'cache');
  const nodeRequire = Module.createRequire(path.join(bundleDir, 'cli.cjs'));
  /** name (cli, chunk-X) -> { module, script } */
  const chunks = new Map();

  function readCache(name) {
    try {
      return fs.readFileSync(path.join(cacheDir, `${name}.bin`));
    } catch {
      return undefined;
    }
  }

  function requireFrom(specifier) {
    const match = /^\.\/([\w-]+)\.cjs$/.exec(specifier);
    return match ? load(match[1]) : nodeRequire(specifier);
  }

  function load(name) {
    const known = chunks.get(name);
    if (known) return known.module.exports;
    const filename = path.join(bundleDir, `${name}.cjs`);
    // The file holds the wrapped body already (`wrapChunk`, at build time): a wrapper added here made a
    // string of two parts, which V8 copied whole into one before compiling it (2 MB of bundle, about 5%
    // of a one-suite run's page faults).
    const source = fs.readFileSync(filename, 'utf8');
    const script = new vm.Script(source, { filename, cachedData: readCache(name) });
    const module = new Module(filename);
    module.filename = filename;
    module.loaded = false;
    chunks.set(name, { module, script });
    Module._cache[filename] = module;
    const url = pathToFileURL(filename).href;
    const importMeta = {
      url,
      resolve(specifier) {
        if (specifier.startsWith('node:')) return specifier;
        return /^\.{0,2}\//.test(specifier) ? new URL(specifier, url).href : pathToFileURL(nodeRequire.resolve(specifier)).href;
      },
    };
    script.runInThisContext()(module.exports, requireFrom, module, filename, bundleDir, importMeta);
    module.loaded = true;
    return module.exports;
  }

  return {
    load,
    /** Per loaded chunk, whether V8 took its cache: true, false (rejected), or undefined (no cache file). */
    cacheUse() {
      return Object.fromEntries([...chunks].map(([name, { script }]) => [name, script.cachedDataRejected === undefined ? undefined : !script.cachedDataRejected]));
    },
    /** The code cache of every chunk loaded so far, with what has been compiled by now (the build's training run). */
    writeCache(dir) {
      fs.mkdirSync(dir, { recursive: true });
      for (const [name, { script }] of chunks) fs.writeFileSync(path.join(dir, `${name}.bin`), script.createCachedData());
    },
  };
}

module.exports = { createLoader, wrapChunk };
