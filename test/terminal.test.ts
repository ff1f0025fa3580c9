// The standard streams without node's stream objects (src/terminal.ts): which modules a run to a pipe
// or a file loads, what a closed pipe does to the run, and a pipe that is full.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './helpers.js';
import { tempDir } from './temp-dir.js';
import { builtinsLoaded } from './builtins.js';
import { standardWriter } from '../src/terminal.js';

const CLI = path.join(repoRoot, 'bin', 'smoke-lint.js');
const WITH_FINDINGS = path.join(repoRoot, 'fixtures', 'skill-verbatim');

/** An environment without the variables that decide colours, plus `extra`. */
function plainEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const name of ['NO_COLOR', 'FORCE_COLOR', 'NODE_OPTIONS']) if (!(name in extra)) delete env[name];
  return env;
}

test('a run whose output goes to a pipe or a file loads neither tty nor net, nor chalk (which loads tty)', () => {
  const file = path.join(tempDir('smoke-lint-terminal-out-'), 'out.txt');
  const fd = openSync(file, 'w');
  try {
    for (const stdout of ['pipe', fd] as const) {
      const loaded = builtinsLoaded(CLI, [WITH_FINDINGS], plainEnv(), stdout);
      assert.deepEqual(loaded.filter((name) => name === 'tty' || name === 'net'), [], `output to ${stdout === 'pipe' ? 'a pipe' : 'a file'}`);
    }
  } finally {
    closeSync(fd);
  }
  assert.match(readFileSync(file, 'utf8'), /Found 4 problems/);
  // The probe sees tty: forced colours load chalk, and chalk loads tty.
  assert.ok(builtinsLoaded(CLI, [WITH_FINDINGS], plainEnv({ FORCE_COLOR: '1' }), 'pipe').includes('tty'));
});

test('colours are still chosen as before: none to a pipe, forced ones with FORCE_COLOR or --color', () => {
  const run = (args: string[], env: NodeJS.ProcessEnv) => spawnSync(process.execPath, [CLI, ...args], { cwd: repoRoot, env, encoding: 'utf8' }).stdout;
  assert.doesNotMatch(run([WITH_FINDINGS], plainEnv()), /\u001b\[/);
  assert.match(run([WITH_FINDINGS], plainEnv({ FORCE_COLOR: '1' })), /\u001b\[31m/);
  assert.match(run(['--color', WITH_FINDINGS], plainEnv()), /\u001b\[1m/);
  assert.doesNotMatch(run([WITH_FINDINGS], plainEnv({ FORCE_COLOR: '1', NO_COLOR: '1' })), /\u001b\[/);
});

test('a file, a pipe and /dev/null are not terminals', () => {
  const script = `import('${new URL('../src/terminal.js', import.meta.url).href}').then(async ({ isTerminal }) => process.stderr.write(String(await isTerminal(1))));`;
  const file = path.join(tempDir('smoke-lint-terminal-file-'), 'out.txt');
  const outputs: Array<'pipe' | number> = ['pipe', openSync(file, 'w')];
  if (process.platform !== 'win32') outputs.push(openSync('/dev/null', 'w'));
  for (const stdout of outputs) {
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', stdout, 'pipe'], encoding: 'utf8' });
    assert.equal(result.stderr, 'false', `stdout ${stdout}`);
    if (typeof stdout === 'number') closeSync(stdout);
  }
});

test('when the reader of the output pipe has gone, the run ends quietly with its own exit code', async () => {
  const child = spawn(process.execPath, [CLI, WITH_FINDINGS], { cwd: repoRoot, env: plainEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  // The reading end is closed before the report is written: the write meets EPIPE.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (code, signal) => resolve([code, signal])));
  assert.equal(signal, null);
  assert.equal(stderr, '');
  assert.equal(code, 1, 'the findings still decide the exit code');
});

test('a pipe that a parent process left non-blocking gets the whole text once its reader catches up', { skip: process.platform === 'win32' && 'needs mkfifo' }, async () => {
  const fifo = path.join(tempDir('smoke-lint-terminal-fifo-'), 'pipe');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  // The reader opens the pipe at once but reads only after a pause, so the writer first fills the pipe
  // (64 KiB on Linux) and meets EAGAIN.
  const readAll = `const fs = require('node:fs'); const fd = fs.openSync(${JSON.stringify(fifo)}, 'r');
    setTimeout(() => { const buffer = Buffer.alloc(65536); let total = 0, n; while ((n = fs.readSync(fd, buffer)) > 0) total += n; process.stdout.write(String(total)); }, 300);`;
  const reader = spawn(process.execPath, ['-e', readAll], { stdio: ['ignore', 'pipe', 'inherit'] });
  let received = '';
  reader.stdout.on('data', (chunk: Buffer) => (received += chunk.toString()));
  // Opening the writing end without blocking needs the reading end open: retry until the reader has it.
  let fd = -1;
  for (let attempt = 0; fd < 0; attempt++) {
    try {
      fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENXIO' || attempt > 500) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  const closed = new Promise((resolve) => reader.on('close', resolve));
  const text = 'x'.repeat(1_000_000);
  try {
    standardWriter(fd, false)(text);
  } finally {
    // Closing the writing end ends the reader's reading, whether or not the write went through.
    closeSync(fd);
  }
  await closed;
  assert.equal(received, String(text.length));
});
