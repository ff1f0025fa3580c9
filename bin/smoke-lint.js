#!/usr/bin/env node
// Thin launcher: the CLI lives in the compiled sources (built by `npm ci` through the `postinstall` script).
// It runs from the bundle (dist/bundle/, scripts/bundle.js), which starts several times faster, when the
// bundle is at least as new as the compiled sources; after a `tsc` alone it runs from dist/src/.
import { statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

// Peak memory (issue 13): tree-sitter's trees live outside V8's heap and are freed only when V8 collects
// their small JavaScript wrappers, and V8, which does not count that memory, grows its heap a long way
// before a full collection while the heap looks small, so the trees of suites long done piled up (bench
// tree of 500 suites: 588 MiB with V8's defaults). A fixed heap growth of 10% between full collections
// keeps them collected as the run goes: 199 MiB there, for no measurable CPU on a one-suite run. Measured
// and rejected: `--optimize-for-size` (182 MiB, but about 30% more CPU: V8 favours size over speed there
// beyond the collector), a forced collection whenever the RSS grew 32 or 64 MiB (each collection ~0.5 s), growth 20%
// (more memory at 1,000 suites for no less CPU). Set before the CLI's modules load; the flag only steers
// V8's heuristics, never results.
setFlagsFromString('--heap-growing-percent=10');

const bundle = new URL('../dist/bundle/cli.js', import.meta.url);
const compiled = new URL('../dist/src/cli.js', import.meta.url);
const modified = (url) => statSync(url, { throwIfNoEntry: false })?.mtimeMs ?? null;
const bundled = modified(bundle);
const built = modified(compiled);
const { main } = await import(bundled !== null && (built === null || bundled >= built) ? bundle.href : compiled.href);

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
