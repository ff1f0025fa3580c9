// The walk's listings answer "certainly missing" for names its folders do not hold, and the kind of a name
// it saw as a plain file or folder; a name spelled with other case or Unicode composition, a symlink, and
// a folder the walk did not list are left to the disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { walkProject } from '../src/discover.js';
import { rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { certainlyMissing, clearListings, holdsNoneOf, listedKind, pathExists } from '../src/folder-listings.js';
import { PYTEST_CONFIG_FILES, pytestConfigIn } from '../src/model/pytest-config.js';
import { pytestConfigFor } from '../src/model/suite-pytest-config.js';
import { heldIn, kindOf, clearFileSystemCache } from '../src/model/app/sys-path.js';
import { resolveModule } from '../src/model/app/resolve.js';
import { makeTempProject, projectModel } from './project.js';

test('the walk lists its folders: missing names are told without the disk, the rest is asked of it', () => {
  const root = makeTempProject({ 'backend/Makefile': 'all:\n', 'backend/caf\u00e9.py': '', 'node_modules/x/index.py': '' });
  clearListings();
  walkProject(root);
  const backend = path.join(root, 'backend');
  assert.equal(certainlyMissing(path.join(backend, 'tox.ini')), true);
  assert.equal(certainlyMissing(path.join(backend, 'Makefile')), false, 'listed');
  assert.equal(certainlyMissing(path.join(backend, 'makefile')), false, 'a case-insensitive disk finds it');
  assert.equal(certainlyMissing(path.join(backend, 'cafe\u0301.py')), false, 'the same name, decomposed');
  assert.equal(certainlyMissing(path.join(root, 'node_modules', 'x', 'tox.ini')), false, 'a folder the walk skips');
  assert.equal(certainlyMissing(path.join(root, 'elsewhere', 'tox.ini')), false, 'a folder that is not there');
  clearFileSystemCache();
  assert.equal(certainlyMissing(path.join(backend, 'tox.ini')), false, 'files created since: ask the disk');
  assert.equal(kindOf(path.join(backend, 'Makefile')), 'file');
});

test("the walk's listings tell a plain file or folder from the entry's kind; a symlink's is asked of the disk", () => {
  const root = makeTempProject({ 'app/main.py': '', 'app/pkg/__init__.py': '', 'elsewhere/real.py': '' });
  symlinkSync(path.join(root, 'elsewhere', 'real.py'), path.join(root, 'app', 'linked.py'));
  symlinkSync(path.join(root, 'elsewhere'), path.join(root, 'app', 'linked_dir'));
  symlinkSync(path.join(root, 'nowhere.py'), path.join(root, 'app', 'dangling.py'));
  clearFileSystemCache();
  walkProject(root);
  const app = path.join(root, 'app');
  assert.equal(listedKind(path.join(app, 'main.py')), 'file');
  assert.equal(listedKind(path.join(app, 'pkg')), 'dir');
  for (const name of ['linked.py', 'linked_dir', 'dangling.py', 'MAIN.py', 'missing.py']) assert.equal(listedKind(path.join(app, name)), undefined, name);
  assert.equal(kindOf(path.join(app, 'linked.py')), 'file', 'a link to a file, from the disk');
  assert.equal(kindOf(path.join(app, 'linked_dir')), 'dir', 'a link to a folder, from the disk');
  assert.equal(kindOf(path.join(app, 'dangling.py')), 'none', 'a dangling link, from the disk');
  // Told from the listing, without the disk: a file removed since the walk is still its kind until the listings are forgotten.
  rmSync(path.join(app, 'main.py'));
  assert.equal(kindOf(path.join(app, 'main.py')), 'file');
  clearFileSystemCache();
  assert.equal(kindOf(path.join(app, 'main.py')), 'none');
});

test('what a folder holds for the path finder is found once: a package, a module, a namespace portion, nothing', () => {
  const root = makeTempProject({ 'src/pkg/__init__.py': '', 'src/mod.py': '', 'src/ns/x.py': '' });
  clearFileSystemCache();
  walkProject(root);
  const src = path.join(root, 'src');
  assert.deepEqual(heldIn(src, 'pkg'), { kind: 'package', file: path.join(src, 'pkg', '__init__.py'), dir: path.join(src, 'pkg') });
  assert.deepEqual(heldIn(src, 'mod'), { kind: 'module', file: path.join(src, 'mod.py') });
  assert.deepEqual(heldIn(src, 'ns'), { kind: 'portion', dir: path.join(src, 'ns') });
  assert.equal(heldIn(src, 'other'), null);
  assert.equal(heldIn(path.join(root, 'missing'), 'pkg'), null, 'a folder that is not there');
  assert.deepEqual(resolveModule([path.join(root, 'missing'), src], 'pkg'), { dotted: 'pkg', file: path.join(src, 'pkg', '__init__.py'), dirs: [path.join(src, 'pkg')], entry: src });
  assert.equal(resolveModule([src], 'ns.x')?.file, path.join(src, 'ns', 'x.py'));
});

test('a folder the walk listed holds none of some names only when none is spelled so, even ignoring case', () => {
  const root = makeTempProject({ 'a/PyProject.toml': '', 'b/tox.ini': '', 'c/README.md': '' });
  clearFileSystemCache();
  walkProject(root);
  const names = ['pyproject.toml', 'tox.ini', 'setup.cfg'];
  assert.equal(holdsNoneOf(path.join(root, 'a'), names), false, 'a case-insensitive disk finds it');
  assert.equal(holdsNoneOf(path.join(root, 'b'), names), false);
  assert.equal(holdsNoneOf(path.join(root, 'c'), names), true);
  assert.equal(holdsNoneOf(path.join(root, 'missing'), names), false, 'a folder the walk did not list');
});

test('the configuration files pytestConfigIn reads are the ones a folder must hold none of to have no configuration', () => {
  const read = new Set(pytestConfigIn.toString().match(/'[^']+\.(?:toml|ini|cfg)'/g)!.map((quoted) => quoted.slice(1, -1)));
  assert.deepEqual([...read].sort(), [...PYTEST_CONFIG_FILES].sort());
  const bodies: Record<string, string> = {
    'pytest.toml': '[pytest]\naddopts = ["-x"]\n',
    '.pytest.toml': '[pytest]\naddopts = ["-x"]\n',
    'pytest.ini': '[pytest]\naddopts = -x\n',
    '.pytest.ini': '[pytest]\naddopts = -x\n',
    'pyproject.toml': '[tool.pytest.ini_options]\naddopts = "-x"\n',
    'tox.ini': '[pytest]\naddopts = -x\n',
    'setup.cfg': '[tool:pytest]\naddopts = -x\n',
  };
  for (const name of PYTEST_CONFIG_FILES) {
    const root = makeTempProject({ 'pyproject.toml': '[project]\nname = "x"\n', [`sub/${name}`]: bodies[name]!, 'sub/tests/test_x.py': '' });
    clearFileSystemCache();
    const project = projectModel(root);
    assert.match(pytestConfigFor(project, path.join(root, 'sub', 'tests')).addopts, /-x/, name);
  }
});

test('a path exists when the walk listed it as a plain file or folder; anything else is asked of the disk', () => {
  const root = makeTempProject({ 'scripts/test-db.sh': 'docker run postgres\n', 'scripts/sub/x.py': '', 'elsewhere/real.sh': '' });
  symlinkSync(path.join(root, 'elsewhere', 'real.sh'), path.join(root, 'scripts', 'linked.sh'));
  symlinkSync(path.join(root, 'nowhere.sh'), path.join(root, 'scripts', 'dangling.sh'));
  clearFileSystemCache();
  walkProject(root);
  const scripts = path.join(root, 'scripts');
  assert.equal(pathExists(path.join(scripts, 'test-db.sh')), true);
  assert.equal(pathExists(path.join(scripts, 'sub')), true);
  assert.equal(pathExists(path.join(scripts, 'linked.sh')), true, 'a symlink to a file');
  assert.equal(pathExists(path.join(scripts, 'dangling.sh')), false, 'a dangling symlink, as existsSync tells it');
  assert.equal(pathExists(path.join(scripts, 'db.sh')), false);
  // Told from the listing: a file removed since the walk is still listed, one created since is found on disk.
  rmSync(path.join(scripts, 'test-db.sh'));
  assert.equal(pathExists(path.join(scripts, 'test-db.sh')), true, 'answered from the listing, without the disk');
  writeFileSync(path.join(scripts, 'db.sh'), '');
  assert.equal(pathExists(path.join(scripts, 'db.sh')), true, 'not listed: asked of the disk');
  assert.equal(pathExists(path.join(root, 'not-walked', 'x.sh')), false);
});
