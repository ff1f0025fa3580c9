// What `npm pack` ships: the build the CLI needs, without dev tools or source maps whose `.ts` sources
// are not in the package; and a pack whose stdout is the tarball's name alone (pre-commit reads it).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

test('the package ships the CLI and rules, no dev tools, no source maps, and packs without a script banner', () => {
  const stdout = execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const [pack] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>;
  const files = pack!.files.map((file) => file.path);
  assert.ok(files.includes('bin/smoke-lint.js'));
  // The launcher is CommonJS by this file, and loads the bundle through this one.
  assert.ok(files.includes('bin/package.json'));
  assert.ok(files.includes('bin/load-bundle.cjs'));
  assert.ok(files.includes('dist/src/cli.js'));
  // The bundle the launcher starts from (built by `npm test` before this runs) with its code cache, without its build record.
  assert.ok(files.includes('dist/bundle/cli.cjs'), 'the bundle is not shipped (run scripts/bundle.js)');
  assert.ok(files.some((file) => /^dist\/bundle\/chunk-\w+\.cjs$/.test(file)));
  assert.ok(files.includes('dist/bundle/cache/cli.bin'), 'the code cache is not shipped');
  assert.ok(files.includes('dist/natives.json'), 'the record of the native binaries is not shipped');
  assert.ok(!files.includes('dist/bundle/meta.json'));
  assert.ok(files.some((file) => file.startsWith('dist/rules/SL101')));
  assert.ok(files.includes('scripts/build-on-install.js'), 'postinstall needs its script in the tarball');
  assert.deepEqual(files.filter((file) => file.endsWith('.map')), []);
  assert.deepEqual(files.filter((file) => file.startsWith('dist/src/tools/') || file.startsWith('dist/test/') || file.startsWith('src/')), []);
  const scripts = (JSON.parse(execFileSync('npm', ['pkg', 'get', 'scripts'], { cwd: root, encoding: 'utf8' })) as Record<string, string>);
  for (const event of ['prepack', 'prepare', 'postpack']) assert.equal(scripts[event], undefined, `a ${event} script would print its banner into npm pack's stdout`);
});
