#!/usr/bin/env node
// `postinstall`: compile the TypeScript sources after `npm ci`/`npm install` in a checkout, and bundle them.
//
// Why not `prepare`: pre-commit (3.x, `language: node`) installs a hook by running `npm pack` in its
// clone and reading the tarball's name from npm's stdout, and npm prints a `> smoke-lint prepare`
// banner there for every lifecycle script that `pack` runs (prepack, prepare, postpack). With no such
// script, `npm pack` prints the file name alone. `postinstall` runs on the clone's own `npm install`
// (so the tarball has a dist/ to ship) but not on `npm pack`.
//
// The same script runs when the packed tarball is installed (pre-commit's `npm install -g`, or a
// registry install): there are no sources and no TypeScript, the build ships in the tarball, and
// there is nothing to do.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
if (!existsSync(path.join(root, 'tsconfig.json')) || !existsSync(path.join(root, 'src', 'cli.ts'))) process.exit(0);

try {
  createRequire(path.join(root, 'package.json')).resolve('typescript');
} catch {
  // Sources without TypeScript: an install that left out the dev dependencies (`npm ci --omit=dev`).
  console.error('smoke-lint: TypeScript is not installed, so dist/ was not built (run `npm ci` with dev dependencies)');
  process.exit(existsSync(path.join(root, 'dist', 'src', 'cli.js')) ? 0 : 1);
}
// scripts/compile.js is `tsc -p tsconfig.json` with one transformer more (for the run's speed).
const result = spawnSync(process.execPath, [path.join(root, 'scripts', 'compile.js')], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
// Then the bundle the launcher starts from (scripts/bundle.js); without it the CLI runs from dist/src/, slower to start.
const bundle = spawnSync(process.execPath, [path.join(root, 'scripts', 'bundle.js')], { cwd: root, stdio: 'inherit' });
process.exit(bundle.status ?? 1);
