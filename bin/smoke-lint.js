#!/usr/bin/env node
// Thin launcher: the CLI lives in the compiled sources (built by `npm ci` through the `postinstall` script).
// It runs from the bundle (dist/bundle/, scripts/bundle.js), which starts several times faster, when the
// bundle is at least as new as the compiled sources; after a `tsc` alone it runs from dist/src/.
//
//
// The launcher is a CommonJS script (bin/package.json says so): started as an ES module, node loads its
// ES module loader first, and that loads fs/promises, readline and the streams, about 10 ms a run for
// nothing when the bundle is CommonJS too.
'use strict';
const { statSync } = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

// node's modules load from a cache compiled into node, which V8 takes only under the flags it was made
// with: after the setFlagsFromString below, each of them would be compiled from source (about 6 ms for
// these). So the ones the CLI uses are loaded first. `child_process` (with the streams and sockets it
// loads, about 8 ms) only when the run will likely spawn git: the git index is read from its file unless
// the environment points git at another repository or work tree (src/model/git-index.ts). Not `tty`
// (with `net` and the streams): the CLI loads it only when stdout or stderr is a terminal
// (src/terminal.ts), and there the few milliseconds of compiling it do not show. `module` is loaded here
// too (the bundle's loader and tree-sitter's loading need it, and it loads three of node's internal
// modules): after the flags it cost one whole suite 4.8 M instructions under callgrind (364.8 -> 360.0 M).
if (['GIT_DIR', 'GIT_WORK_TREE', 'GIT_COMMON_DIR'].some((name) => process.env[name] !== undefined)) require('node:child_process');
require('node:os');
require('node:module');
require('node:vm');
const { setFlagsFromString } = require('node:v8');

// Peak memory (issue 13): tree-sitter's trees live outside V8's heap and are freed only when V8 collects
// their small JavaScript wrappers, and V8, which does not count that memory, grows its heap a long way
// before a full collection while the heap looks small, so the trees of suites long done piled up (bench
// tree of 500 suites: 588 MiB with V8's defaults). A fixed heap growth of 10% between full collections
// keeps them collected as the run goes: 199 MiB there, for no measurable CPU on a one-suite run. Measured
// and rejected: `--optimize-for-size` (182 MiB, but about 30% more CPU: V8 favours size over speed there
// beyond the collector), a forced collection whenever the RSS grew 32 or 64 MiB (each collection ~0.5 s), growth 20%
// (more memory at 1,000 suites for no less CPU). Set before the CLI's modules load; the flag only steers
// V8's heuristics, never results. (V8 takes a code cache only under the flags it was made with: the
// build's training run goes through this launcher, so the bundle's cache is made under this one.)
setFlagsFromString('--heap-growing-percent=10');

// CPU (issue 13): V8 hands a function to its optimizing compiler (TurboFan, on background threads whose
// CPU counts as much as the main thread's) after it has run about 66 KB of bytecode. smoke-lint's models
// are many large functions, each hot for a while, so on the bench tree of 500 suites TurboFan compiled
// 550 of them at about 8 ms each: 2.5-3 s of the run's 11-13 s CPU went to compiling code that ran a
// few milliseconds more. A 15x budget (1 M) optimized only what stays hot (about 100 compilations
// there): the other threads' CPU fell from about 4 s to 1.7 s (the rest is the collector's), the main
// thread's did not grow; in turn with the build before, 100 suites 3.15 -> 2.41 s, one suite 294 ->
// 278 ms. 0.6 M and 2.4 M measured the same within the noise; 0.3 M kept half the compiling.
// Much of a compilation's cost is inlining: TurboFan inlines up to 920 bytes of callees' bytecode into
// a function by default. With at most 115, a compilation costs less, and a budget of 600 KB pays: more
// of the models run optimized, for fewer instructions on the other threads than the main thread saves.
// Counted under callgrind over every thread (the build with index reads, one run each): 100 suites
// 7,036 -> 6,779 M, 500 suites 30,316 -> 29,306 M (main thread 27,468 -> 26,734 M); one whole suite the
// same (nothing in it runs long enough to be optimized). At 1,000 suites, CPU per thread in turn with
// the 1 M budget (three rounds, in a slow spell): 12.0 / 16.7 / 17.0 s against 14.4 / 17.5 / 18.3 s.
// A 400 KB budget read best at 100 suites (6,680 M) and the same at 500 (29,402 M), but at 1,000 it
// compiled 328 functions instead of 169 and its other threads took 2.3-2.7 s of CPU against 1.5-1.7 s:
// 5% more in all. Also measured at 500 suites, every thread: on the build before the index loops
// (30,764 M at 1 M), 200 KB with 230 bytes 31,200 M (the main thread's gain spent on compiling), 400 KB
// with 230 30,120 M, 400 KB without inlining 30,270 M; on the build with them, 300 KB with 230
// 30,101 M, 400 KB with 230 29,660 M. Like the flag above they steer V8's heuristics only, never results.
setFlagsFromString('--interrupt-budget=600000');
setFlagsFromString('--max-inlined-bytecode-size-cumulative=115');

// CPU (issue 13): V8 runs a regular expression's first match in its bytecode interpreter and compiles it
// to machine code from the next; most of smoke-lint's expressions match a handful of times a run, and a
// one-suite run spent about 5% of its instructions compiling expressions (to bytecode, then to machine
// code). Machine code only after 100 matches: one whole suite 409 -> 402 M instructions under callgrind;
// the bench tree of 100 suites, where the hot expressions still compile, 11,111 -> 11,119 M (the same,
// within the run-to-run spread). Like the flags above it steers V8's heuristics only, never results.
setFlagsFromString('--regexp-tier-up-ticks=100');

// CPU (issue 13): V8 splits each young-generation collection (a scavenge) between the main thread and
// helper threads, which it wakes and waits for. The targets count every thread's CPU, and a run's young
// generation is small (a one-suite run does five scavenges of 1-4 MB): the hand-over cost more than the
// help saved. On the main thread alone, in turn with the build before: one whole suite 196-200 -> 182-192
// ms task-clock (context switches 51-56 -> 32), 100 suites 2.74 -> 2.69 s CPU (medians of six), 500
// suites the same within the spread; 1,000 suites, where the young generation is larger, 22.5-23.1 ->
// 22.9-23.7 s CPU and 2-4% more wall time (two rounds each): a trade made for the pre-commit case, the
// target still missed. Like the flags above it steers V8's heuristics only, never results. (Turning
// off parallel marking this way is not possible: V8 aborts on a check in its marker.)
setFlagsFromString('--no-parallel-scavenge');

// CPU (issue 13): compiling an expression to bytecode, V8 then runs a peephole optimizer over the
// bytecode; in a one-suite run, which compiles about 180 expressions and matches most a handful of
// times, that pass cost more than it saved (CompileIrregexp 17.6 M instructions with it). Without it:
// one whole suite 389.5 -> 383.5 M instructions under callgrind (net of the hash seed's setup), the
// bench tree of 30 suites 2,718.9 -> 2,723.3 M (the same, within the run-to-run spread: the hot
// expressions are compiled to machine code after 100 matches either way). (Allocating every function's
// feedback at once, which would keep V8 from parsing again the expressions written inside functions,
// cost more than it saved: one suite +13 M, 30 suites +9%.) Like the flags above it steers V8's
// heuristics only, never results.
setFlagsFromString('--no-regexp-peephole-optimization');

const dist = path.join(__dirname, '..', 'dist');
const modified = (file) => statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? null;
const bundled = modified(path.join(dist, 'bundle', 'cli.cjs'));
const built = modified(path.join(dist, 'src', 'cli.js'));

async function start() {
  if (bundled !== null && (built === null || bundled >= built)) {
    const { createLoader } = require('./load-bundle.cjs');
    const loader = createLoader(path.join(dist, 'bundle'));
    // Which chunks took their code cache, for test/code-cache.test.ts.
    globalThis[Symbol.for('smoke-lint.bundle-loader')] = loader;
    // The build's training run (scripts/bundle.js) asks for the code cache of what this run compiled.
    const cacheOut = process.env.SMOKE_LINT_BUILD_CODE_CACHE;
    if (cacheOut) {
      // It records bytecode only. A function V8's baseline compiler (Sparkplug) compiled is marked so in
      // the cache, and every run that loads the cache then compiles it with Sparkplug on its first call,
      // however rarely that run calls it: the training run lints two whole projects, so about 300 functions
      // that one suite calls a few times each were compiled that way in every run (one whole suite:
      // 420 -> 409 M instructions under callgrind, Sparkplug's share 34 -> 18 M; 100 suites the same CPU,
      // the hot functions being compiled as before). Sparkplug is switched back on before the cache is
      // written: V8 takes a cache only under the flags it was made with. Only where it is on by default.
      const sparkplug = process.arch === 'x64' || process.arch === 'arm64';
      if (sparkplug) setFlagsFromString('--no-sparkplug');
      process.on('exit', () => {
        if (sparkplug) setFlagsFromString('--sparkplug');
        loader.writeCache(cacheOut);
      });
    }
    return loader.load('cli').main;
  }
  return (await import(pathToFileURL(path.join(dist, 'src', 'cli.js')).href)).main;
}

start()
  .then((main) => main(process.argv.slice(2)))
  .then((code) => {
    process.exitCode = code;
  });
