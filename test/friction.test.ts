// Small things a new user meets first: short flags for help and version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './project.js';
import { toolVersion } from '../src/report/common.js';

test('-h prints the help and -V the version, like --help and --version', async () => {
  for (const flag of ['-h', '--help']) {
    const result = await runCli([flag], process.cwd());
    assert.equal(result.code, 0, flag);
    assert.match(result.stdout, /smoke-lint \[check\] \[paths\.\.\]/);
    assert.match(result.stdout, /--output-file/);
  }
  for (const flag of ['-V', '--version']) {
    const result = await runCli([flag], process.cwd());
    assert.equal(result.code, 0, flag);
    assert.equal(result.stdout, `${toolVersion()}\n`);
  }
});
