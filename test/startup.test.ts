// Start-up cost without timing: which modules a run loads. A pre-commit run that names a file outside
// every suite must not load the rules, the machine report formats, the baseline, the fix machinery, the
// yaml package, the suite models, the tree-sitter parser or yargs; a whole-suite run with --format json
// loads them (which shows the probe sees them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './helpers.js';
import { tempDir } from './temp-dir.js';
import { builtinsLoaded } from './builtins.js';

// An ES module loader hook logs every module the loader loads (the compiled sources, when the CLI runs
// from dist/src); at exit the CommonJS cache adds the rest: the bundle's chunks (bin/load-bundle.cjs
// registers each there) and what was loaded with `require` (the yaml package, the native parser).
const HOOKS = `import { appendFileSync } from 'node:fs';
let out = '';
export function initialize(data) { out = data.out; }
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(out, url + '\\n');
  return next(url, context);
}
`;

const PROBE = `import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const out = process.env.LOAD_LOG;
register(new URL('./hooks.mjs', import.meta.url), { data: { out } });
const require = createRequire(import.meta.url);
process.on('exit', () => appendFileSync(out, Object.keys(require.cache).map((file) => pathToFileURL(file).href).join('\\n') + '\\n'));
`;

function probeDir(): string {
  const dir = tempDir('smoke-lint-startup-');
  writeFileSync(path.join(dir, 'hooks.mjs'), HOOKS);
  writeFileSync(path.join(dir, 'probe.mjs'), PROBE);
  return dir;
}

/** Runs the CLI in `cwd` with `args`; the modules it loaded, as paths relative to the repository (or `node_modules/<package>/...`). */
function loadedModules(cwd: string, args: string[]): { status: number | null; stdout: string; loaded: string[]; modules: string[] } {
  const probe = probeDir();
  const log = path.join(probe, 'loaded.txt');
  writeFileSync(log, '');
  const result = spawnSync(process.execPath, ['--import', pathToFileURL(path.join(probe, 'probe.mjs')).href, path.join(repoRoot, 'bin', 'smoke-lint.js'), ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, LOAD_LOG: log, NO_COLOR: '1' },
  });
  assert.equal(result.stderr.replace(/^\(node:\d+\) ExperimentalWarning.*\n(\(Use .*\n)?/gm, ''), '');
  const root = pathToFileURL(repoRoot).href + '/';
  const modules = readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((url) => url.replace(/^.*\/node_modules\//, 'node_modules/').replace(root, ''));
  // A chunk of the bundle stands for the compiled modules and packages it holds (scripts/bundle.js).
  const chunks = existsSync(BUNDLE_META) ? (JSON.parse(readFileSync(BUNDLE_META, 'utf8')) as Record<string, string[]>) : {};
  const held = modules.flatMap((module) => (module.startsWith('dist/bundle/') ? (chunks[module.slice('dist/bundle/'.length)] ?? []) : []));
  return { status: result.status, stdout: result.stdout, loaded: [...new Set(modules)], modules: [...new Set([...modules, ...held])] };
}

const BUNDLE_META = path.join(repoRoot, 'dist', 'bundle', 'meta.json');

function copyFixture(relative: string): string {
  const dir = tempDir('smoke-lint-startup-project-');
  cpSync(path.join(repoRoot, relative), dir, { recursive: true });
  return dir;
}

const HEAVY: Array<[string, RegExp]> = [
  ['a rule', /^dist\/rules\/SL\d{3}-/],
  ['a machine report format', /^dist\/src\/report\/(machine|junit|gitlab|rdjson|json-lines|statistics|output-file|docs)\.js$/],
  ['the baseline', /^dist\/src\/(baseline|fingerprint)\.js$/],
  ['the fix machinery', /^dist\/src\/fix\//],
  ['the yaml package', /^node_modules\/yaml\//],
];

/** The suite models: discovery, the suite, the Python and shell models (src/suite-lint.ts and what it imports). */
const MODELS: Array<[string, RegExp]> = [
  ['the suite linting', /^dist\/src\/suite-lint\.js$/],
  ['suite discovery', /^dist\/src\/model\/discovery[^/]*\.js$/],
  ['the suite model', /^dist\/src\/model\/suite\.js$/],
  ['the Python model', /^dist\/src\/model\/python\.js$/],
  ['the shell model', /^dist\/src\/model\/shell\//],
];

test('a staged file outside every suite loads no rule, machine format, baseline, fix machinery, yaml or suite model', () => {
  const project = copyFixture('fixtures/clean/project');
  writeFileSync(path.join(project, 'backend', 'util.py'), 'def double(value):\n    return value * 2\n');
  const run = loadedModules(project, ['backend/util.py']);
  assert.equal(run.status, 0);
  assert.match(run.stdout, /no integration suite found/);
  // The probe saw the run: the engine and the suite discovery did load.
  assert.ok(run.modules.includes('dist/src/engine.js'), run.modules.join('\n'));
  for (const [what, pattern] of HEAVY) {
    assert.deepEqual(run.modules.filter((module) => pattern.test(module)), [], `the no-suite run loaded ${what}`);
  }
  // Nor any suite model: the project, its files and the verdict from paths and texts are held apart from them.
  assert.ok(run.modules.includes('dist/src/model/project.js'), run.modules.join('\n'));
  for (const [what, pattern] of MODELS) {
    assert.deepEqual(run.modules.filter((module) => pattern.test(module)), [], `the no-suite run loaded ${what}`);
  }
  // No suite can read an app module that defines no fixture and sits beside the tests folder: that is told
  // from paths and texts, so nothing is parsed and the native parser is never loaded.
  assert.deepEqual(run.modules.filter((module) => /^node_modules\/tree-sitter(-python|-bash)?\//.test(module)), [], 'the no-suite run loaded tree-sitter');
  // An argv of plain paths is parsed without yargs (src/plain-paths.ts).
  assert.deepEqual(run.modules.filter((module) => /^node_modules\/(yargs|yargs-parser|string-width|cliui)\//.test(module)), [], 'the plain-paths run loaded yargs');
});

test('a whole suite with --format json loads the rules, the suite models, the json format and yaml for its compose file', () => {
  const project = copyFixture('fixtures/rules/SL510/fires-compose-latest/project');
  const run = loadedModules(project, ['--format', 'json', '.']);
  assert.equal(run.status, 1);
  assert.match(run.stdout, /"SL510"/);
  for (const [what, pattern] of HEAVY.filter(([what]) => what !== 'the baseline' && what !== 'the fix machinery')) {
    assert.ok(run.modules.some((module) => pattern.test(module)), `the suite run did not load ${what}`);
  }
  for (const [what, pattern] of MODELS) {
    assert.ok(run.modules.some((module) => pattern.test(module)), `the suite run did not load ${what}`);
  }
  assert.ok(run.modules.some((module) => module.startsWith('node_modules/tree-sitter/')), 'the suite run did not load tree-sitter');
  assert.ok(run.modules.some((module) => module.startsWith('node_modules/yargs/')), 'the run with an option did not load yargs');
});

test('the CLI runs from the bundle when it is at least as new as the compiled sources, else from dist/src', () => {
  const project = copyFixture('fixtures/clean/project');
  const run = loadedModules(project, ['.']);
  assert.equal(run.status, 0);
  const bundle = statSync(path.join(repoRoot, 'dist', 'bundle', 'cli.cjs'), { throwIfNoEntry: false });
  const fresh = bundle !== undefined && bundle.mtimeMs >= statSync(path.join(repoRoot, 'dist', 'src', 'cli.js')).mtimeMs;
  // From the bundle no compiled module loads one by one; from dist/src no chunk does.
  const own = run.loaded.filter((module) => module.startsWith('dist/'));
  assert.ok(own.length > 0);
  assert.deepEqual(own.filter((module) => !module.startsWith(fresh ? 'dist/bundle/' : 'dist/src/') && !(fresh ? false : module.startsWith('dist/rules/'))), []);
});

/** Runs the CLI from the bundle with `args`; how many `Intl.Segmenter`s the run made. */
function segmentersMade(cwd: string, args: string[]): { status: number | null; stdout: string; made: number } {
  const probe = tempDir('smoke-lint-segmenter-');
  const log = path.join(probe, 'made.txt');
  writeFileSync(
    path.join(probe, 'count.cjs'),
    `const { appendFileSync } = require('node:fs');
const Real = Intl.Segmenter;
let made = 0;
Intl.Segmenter = class extends Real { constructor(...args) { super(...args); made++; } };
process.on('exit', () => appendFileSync(${JSON.stringify(log)}, String(made)));
`,
  );
  const result = spawnSync(process.execPath, ['--require', path.join(probe, 'count.cjs'), path.join(repoRoot, 'bin', 'smoke-lint.js'), ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { status: result.status, stdout: result.stdout, made: Number(readFileSync(log, 'utf8')) };
}

test('a run with options loads yargs without what its help layout measures text with; --help does measure', () => {
  // `string-width` builds an Intl.Segmenter (and an emoji pattern) when it loads: the bundle loads it on first use (scripts/bundle.js).
  assert.ok(existsSync(BUNDLE_META), 'the bundle is built (npm test builds it)');
  const project = copyFixture('fixtures/clean/project');
  const run = segmentersMade(project, ['--format', 'json', '--no-color', '.']);
  assert.equal(run.status, 0);
  assert.match(run.stdout, /"diagnostics": \[\]/);
  assert.equal(run.made, 0);
  const help = segmentersMade(project, ['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--format/);
  assert.ok(help.made > 0, 'the help layout measured text');
});

test("a whole-suite run to a pipe loads none of node's own modules after the launcher sets V8's flags", () => {
  // Under other flags node's cache of its own modules is refused and each is compiled from source
  // (bin/smoke-lint.js loads the ones the CLI needs first). `v8` is the last module the launcher loads.
  const env = { ...process.env };
  for (const name of ['NO_COLOR', 'FORCE_COLOR', 'NODE_OPTIONS', 'GIT_DIR', 'GIT_WORK_TREE', 'GIT_COMMON_DIR']) delete env[name];
  const loaded = builtinsLoaded(path.join(repoRoot, 'bin', 'smoke-lint.js'), [path.join(repoRoot, 'fixtures', 'clean', 'project')], env, 'pipe');
  const flags = loaded.indexOf('v8');
  assert.ok(flags > 0, loaded.join(' '));
  assert.deepEqual(loaded.slice(flags + 1), []);
});
