// An argv of plain paths skips yargs (src/plain-paths.ts): it must mean exactly what yargs makes of it.
// For each argv shape, the check command's arguments and the whole outcome (exit code, stdout, stderr)
// are compared with a run that parses the same argv with yargs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { main, type Io } from '../src/cli.js';
import { PLAIN_CHECK_ARGS, plainPaths, type CheckArgs } from '../src/plain-paths.js';
import { GATED_MODULE, makeTempProject } from './project.js';

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  args: CheckArgs | null;
}

async function run(argv: string[], cwd: string, alwaysYargs: boolean): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  let args: CheckArgs | null = null;
  const io: Io = { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), cwd, env: {}, isTTY: false };
  const code = await main(argv, io, { alwaysYargs, onCheckArgs: (parsed) => (args = parsed) });
  return { code, stdout, stderr, args };
}

/** A project whose files are named like the words yargs may treat specially. */
function project(): string {
  const root = makeTempProject({
    'tests/integration/conftest.py': 'import pytest\nfrom fastapi.testclient import TestClient\nfrom app.main import app\n\n@pytest.fixture\ndef client():\n    return TestClient(app)\n',
    'tests/integration/test_api.py': `${GATED_MODULE}\n\ndef test_health(client):\n    assert client.get("/health").status_code == 200\n`,
    'app/main.py': 'from fastapi import FastAPI\n\napp = FastAPI()\n',
    'app/util.py': 'def double(value):\n    return value * 2\n',
  });
  for (const name of ['check', 'rules', 'help', 'version', '123', '1e3', '0x10', 'constructor', '__proto__', 'with space.py', 'a=b.py', 'true', 'null']) writeFileSync(path.join(root, name), '');
  mkdirSync(path.join(root, 'suites'));
  return root;
}

// Every shape: plain paths (files, folders, names that look like numbers or keywords, none at all), and
// argvs that are more than that (options, `--`, `-`, command names, `help`, a missing path).
const SHAPES: string[][] = [
  [],
  ['.'],
  ['app/util.py'],
  ['app/util.py', 'app/main.py'],
  ['tests/integration'],
  ['tests/integration/test_api.py', 'app'],
  ['./app/../app/util.py'],
  ['123'],
  ['1e3', '0x10'],
  ['constructor', '__proto__'],
  ['with space.py'],
  ['a=b.py'],
  ['true', 'null'],
  ['version'],
  ['app', 'check'],
  ['check'],
  ['check', 'app/util.py'],
  ['rules'],
  ['suites'],
  ['help'],
  ['app', 'help'],
  ['-'],
  ['--', 'app/util.py'],
  ['--format', 'concise', 'app/util.py'],
  ['--quiet', '.'],
  ['missing.py'],
  [''],
];

test('an argv of plain paths means what yargs makes of it: same arguments, same outcome', async () => {
  const root = project();
  let plain = 0;
  for (const argv of SHAPES) {
    const paths = plainPaths(argv, root);
    const viaYargs = await run(argv, root, true);
    const direct = await run(argv, root, false);
    assert.deepEqual(direct, viaYargs, `argv ${JSON.stringify(argv)}`);
    if (paths) {
      plain++;
      // yargs ran the check command with its defaults and these paths, as the plain path does.
      assert.ok(viaYargs.args, `yargs did not run the check command for ${JSON.stringify(argv)}`);
      assert.deepEqual(viaYargs.args, { ...PLAIN_CHECK_ARGS, paths: paths.length > 0 ? paths : undefined }, `argv ${JSON.stringify(argv)}`);
    }
  }
  assert.equal(plain, 14, 'the plain shapes: up to and including ["version"]');
});

test('only plain paths of existing files or folders skip yargs', () => {
  const root = project();
  assert.deepEqual(plainPaths(['app/util.py', 'tests'], root), ['app/util.py', 'tests']);
  assert.deepEqual(plainPaths([], root), []);
  for (const argv of [['-'], ['--'], ['-q'], ['--format', 'json'], ['check'], ['app', 'help'], ['suites'], ['missing.py'], [''], ['a\0b']]) {
    assert.equal(plainPaths(argv, root), null, JSON.stringify(argv));
  }
});
