#!/usr/bin/env node
// `node scripts/bundle.js` (after `tsc`): bundle the compiled CLI (dist/src/cli.js and all it imports,
// the JavaScript packages included) into dist/bundle/ with esbuild, for start-up time. Loading ~120
// modules one by one through node's ES module loader cost more than the work of a pre-commit run on a
// staged file; one file (plus chunks for what loads lazily) costs a fraction of that.
//
// - Every lazy `import()` stays lazy: it becomes a chunk of its own (code splitting).
// - The rules: rules/modules.js lists its folder at run time, which a bundle has no folder for, so the
//   bundle gets a module in its place that lists the same files (read here, at build time) and imports
//   them from one chunk, loaded when the first suite is found.
// - tree-sitter, its grammars and yaml are loaded with `createRequire` (native addons; yaml lazily) and
//   stay in node_modules.
// - dist/bundle/meta.json records which compiled modules each chunk holds (test/startup.test.ts reads it
//   to tell what a run loaded).
// - dist/natives.json records the binaries node-gyp-build chooses for tree-sitter and its grammars
//   (src/native-record.ts).
//
// bin/smoke-lint.js loads the bundle when it is at least as new as dist/src/cli.js, else the compiled
// modules: a `tsc` run alone (without this script) never leaves the CLI on a stale bundle.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { leanInterop } from './lean-interop.js';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = path.join(root, 'dist');
const outdir = path.join(dist, 'bundle');
const rulesDir = path.join(dist, 'rules');

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  console.error('smoke-lint: esbuild is not installed, so dist/bundle/ was not built (run `npm ci` with dev dependencies); the CLI runs from dist/src/');
  process.exit(1);
}

/** rules/modules.js as the bundle needs it: the rule files of dist/rules/, imported from one chunk. */
const staticRules = {
  name: 'static-rule-list',
  setup(build) {
    build.onLoad({ filter: /[\\/]dist[\\/]rules[\\/]modules\.js$/ }, () => {
      const names = readdirSync(rulesDir).filter((name) => /^SL\d{3}-[a-z0-9-]+\.js$/.test(name)).sort();
      return {
        resolveDir: rulesDir,
        loader: 'js',
        contents: [
          `const NAMES = ${JSON.stringify(names)};`,
          'export function ruleFileNames() { return [...NAMES]; }',
          "export async function loadRuleModules() { return (await import('smoke-lint:all-rules')).default; }",
        ].join('\n'),
      };
    });
    build.onResolve({ filter: /^smoke-lint:all-rules$/ }, () => ({ path: 'all-rules', namespace: 'smoke-lint' }));
    build.onLoad({ filter: /^all-rules$/, namespace: 'smoke-lint' }, () => {
      const names = readdirSync(rulesDir).filter((name) => /^SL\d{3}-[a-z0-9-]+\.js$/.test(name)).sort();
      return {
        resolveDir: rulesDir,
        loader: 'js',
        contents: [
          ...names.map((name, index) => `import * as rule${index} from ${JSON.stringify(`./${name}`)};`),
          `export default [${names.map((name, index) => `[${JSON.stringify(name)}, rule${index}]`).join(', ')}];`,
        ].join('\n'),
      };
    });
  },
};

/**
 * `string-width` (yargs's help layout measures text with it, through cliui and wrap-ansi) builds an
 * `Intl.Segmenter` and a `\p{RGI_Emoji}` pattern when it loads, about 28 ms, which every run that has an
 * option paid for, although only help and usage errors measure text. Each import of it gets a stand-in
 * that loads the real module (the version that importer resolves to, bundled as before) on its first call.
 */
const lazyStringWidth = {
  name: 'lazy-string-width',
  setup(build) {
    build.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.pluginData?.real) return undefined;
      const real = await build.resolve('string-width', { resolveDir: args.resolveDir, kind: args.kind, pluginData: { real: true } });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: real.path, namespace: 'lazy-string-width' };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, (args) => ({
      resolveDir: path.dirname(args.path),
      loader: 'js',
      contents: [
        'let real;',
        'export default function stringWidth(...args) {',
        `  real ??= require(${JSON.stringify(args.path)}).default;`,
        '  return real(...args);',
        '}',
      ].join('\n'),
    }));
  },
};

const { wrapChunk } = createRequire(import.meta.url)('../bin/load-bundle.cjs');

// CommonJS packages in an ES module bundle call `require` for node's own modules; removed again below.
const BANNER = "import { createRequire as __smokeLintRequire } from 'node:module'; const require = __smokeLintRequire(import.meta.url);";

rmSync(outdir, { recursive: true, force: true });
const result = await esbuild.build({
  entryPoints: { cli: path.join(dist, 'src', 'cli.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['tree-sitter', 'tree-sitter-python', 'tree-sitter-bash', 'yaml'],
  banner: { js: BANNER },
  chunkNames: 'chunk-[hash]',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [staticRules, lazyStringWidth],
});

/**
 * The chunk's code with every character outside ASCII written as a `\u` escape. esbuild already escapes
 * them in strings, templates, regular expressions and names (its default `charset`), but keeps comments as
 * written, and one `→` in a comment made node read a whole chunk as a two-byte string: `readFileSync`
 * decoding a 357 KB chunk took 6 ms instead of 0.05 ms, on every run. Outside the places esbuild escaped
 * already, such a character can only be in a comment, where the escape is plain text.
 */
function asciiOnly(code) {
  return code.replace(/[^\x00-\x7f]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// Each ES module chunk becomes a CommonJS function body (wrapped by `wrapChunk`), dist/bundle/<chunk>.cjs, which bin/load-bundle.cjs
// compiles with V8's code cache (Node 20 has no code cache for ES modules). esbuild's own CommonJS output
// cannot split code, so the split ES module build is converted chunk by chunk: `import` becomes `require`
// of the sibling chunk (a lazy `import()` a `require` in a promise, still lazy), and `import.meta` the
// object the loader passes in. The banner's `require` is the loader's, so it goes.
const chunks = {};
for (const [output, meta] of Object.entries(result.metafile.outputs)) {
  const file = path.resolve(root, output);
  const source = readFileSync(file, 'utf8');
  if (!source.startsWith(BANNER)) throw new Error(`bundle: ${output} does not start with the banner`);
  const converted = esbuild.transformSync(source.slice(BANNER.length).replace(/(["'])\.\/((?:chunk-)?[\w-]+)\.js\1/g, '$1./$2.cjs$1'), {
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    define: { 'import.meta': '__smokeLintImportMeta' },
    // A lazy `import()` of a chunk becomes a `require` in a promise: `vm.Script` code cannot import.
    supported: { 'dynamic-import': false },
    logLevel: 'error',
  });
  const name = path.basename(output).replace(/\.js$/, '.cjs');
  writeFileSync(path.join(outdir, name), wrapChunk(asciiOnly(leanInterop(converted.code))));
  rmSync(file);
  // Compiled modules as dist/..., packages as node_modules/<package>/... (node_modules may be a link).
  chunks[name] = Object.keys(meta.inputs).map((input) => path.relative(root, path.resolve(input)).split(path.sep).join('/').replace(/^.*\/node_modules\//, 'node_modules/'));
}
writeFileSync(path.join(outdir, 'meta.json'), JSON.stringify(chunks, null, 1) + '\n');

// dist/natives.json: the binary node-gyp-build chooses for tree-sitter and for each grammar, and each
// package's main module (src/native-record.ts writes the record and reads it at run time, instead of
// asking node-gyp-build again on every run). Without a binary to record (the packages not built), no
// record, and the packages load the usual way.
const nativesRecord = path.join(dist, 'natives.json');
rmSync(nativesRecord, { force: true });
try {
  const { writeNativesRecord } = await import(pathToFileURL(path.join(dist, 'src', 'native-record.js')).href);
  writeNativesRecord(nativesRecord, path.join(root, 'package.json'));
} catch (error) {
  console.error(`bundle: no record of tree-sitter's binaries (${String(error?.message ?? error).split('\n')[0]}); they load the usual way`);
}

// V8's code cache for the chunks (bin/load-bundle.cjs), recorded after a training run through the
// launcher itself, so under its V8 flags: whole-suite runs on the bundled sample projects (one correct,
// one with findings), as pre-commit and CI run it. What the run compiled is cached; what it did not is
// compiled on first use as before. A cache that V8 rejects later (another node) costs nothing but the read.
const cacheDir = path.join(outdir, 'cache');
const training = ['fixtures/clean/project', 'fixtures/skill-verbatim'].filter((dir) => existsSync(path.join(root, dir)));
if (training.length > 0) {
  const run = spawnSync(process.execPath, [path.join(root, 'bin', 'smoke-lint.js'), '--no-color', ...training], {
    cwd: root,
    env: { ...process.env, SMOKE_LINT_BUILD_CODE_CACHE: cacheDir },
    encoding: 'utf8',
  });
  if (run.status !== 0 && run.status !== 1) {
    console.error(`bundle: the training run for the code cache failed (exit ${run.status}):\n${run.stderr}`);
    process.exit(1);
  }
}
