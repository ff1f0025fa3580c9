#!/usr/bin/env node
// Thin launcher: the CLI lives in the compiled sources (built by `npm ci` through the `postinstall` script).
// It runs from the bundle (dist/bundle/, scripts/bundle.js), which starts several times faster, when the
// bundle is at least as new as the compiled sources; after a `tsc` alone it runs from dist/src/.
import { statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

// Peak memory (issue 13): tree-sitter's trees live outside V8's heap and are freed only when V8 collects
// their small JavaScript wrappers, and V8, which does not count that memory, seldom runs a full
// collection while the heap looks small, so the trees of suites long done piled up (500 suites: 490 MiB,
// of which no tree had been freed). Asking V8 to favour size makes it collect as the heap grows: peak
// 251-257 MiB at 500 suites, for about 15% more CPU. Measured and rejected: a forced collection whenever
// the RSS grew 32 or 64 MiB (360-394 MiB, each collection ~0.5 s), --heap-growing-percent 20 or 50
// (323-362 MiB). Set before the CLI's modules load; the flag only steers heuristics, never results.
setFlagsFromString('--optimize-for-size');

const bundle = new URL('../dist/bundle/cli.js', import.meta.url);
const compiled = new URL('../dist/src/cli.js', import.meta.url);
const modified = (url) => statSync(url, { throwIfNoEntry: false })?.mtimeMs ?? null;
const bundled = modified(bundle);
const built = modified(compiled);
const { main } = await import(bundled !== null && (built === null || bundled >= built) ? bundle.href : compiled.href);

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
