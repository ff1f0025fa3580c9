// node's own modules a CLI run loads, in the order it loads them: for tests of what a run loads at start.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './helpers.js';
import { tempDir } from './temp-dir.js';

/** node's own modules the run of `script` with `args` loaded, read at its exit by a preloaded script (which loads none itself). */
export function builtinsLoaded(script: string, args: string[], env: NodeJS.ProcessEnv, stdout: 'pipe' | number): string[] {
  const dir = tempDir('smoke-lint-builtins-');
  const preload = path.join(dir, 'preload.cjs');
  const log = path.join(dir, 'builtins.txt');
  writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(log)}, process.moduleLoadList.join('\\n')));\n`);
  const result = spawnSync(process.execPath, ['--require', preload, script, ...args], { cwd: repoRoot, env, stdio: ['ignore', stdout, 'pipe'], encoding: 'utf8' });
  assert.equal(result.stderr, '');
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('NativeModule '))
    .map((line) => line.slice('NativeModule '.length));
}
