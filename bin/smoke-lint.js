#!/usr/bin/env node
// Thin launcher: the CLI lives in the compiled sources (built by `npm ci` through the `postinstall` script).
// It runs from the bundle (dist/bundle/, scripts/bundle.js), which starts several times faster, when the
// bundle is at least as new as the compiled sources; after a `tsc` alone it runs from dist/src/.
import { statSync } from 'node:fs';

const bundle = new URL('../dist/bundle/cli.js', import.meta.url);
const compiled = new URL('../dist/src/cli.js', import.meta.url);
const modified = (url) => statSync(url, { throwIfNoEntry: false })?.mtimeMs ?? null;
const bundled = modified(bundle);
const built = modified(compiled);
const { main } = await import(bundled !== null && (built === null || bundled >= built) ? bundle.href : compiled.href);

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
