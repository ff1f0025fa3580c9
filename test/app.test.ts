// The app model: path expressions, pytest's own sys.path entry, module resolution.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fromText } from '../src/source.js';
import { pyModule } from '../src/model/python.js';
import { chainText, clearFileSystemCache, evaluatePath, pytestBasedir, resolveModule, sysPathAdditions } from '../src/model/app.js';
import { tempDir } from './temp-dir.js';

const CONFTEST = path.resolve('/repo/backend/tests/integration/conftest.py');

function entryOf(source: string): { path: string; levels: number | null; replaced: string | null } | null {
  const file = fromText(CONFTEST, 'python', source);
  const additions = sysPathAdditions(file);
  assert.equal(additions.length, 1);
  const value = additions[0]!.value;
  if (!value) return null;
  return {
    path: value.path,
    levels: value.chain?.levels ?? null,
    replaced: value.chain ? file.text.slice(value.chain.start, value.chain.end) : null,
  };
}

test('Path(__file__).parent chains, through a module constant and str()', () => {
  const entry = entryOf('import sys\nfrom pathlib import Path\nroot = Path(__file__).parent.parent.parent.parent\nsys.path.insert(0, str(root))\n');
  assert.deepEqual(entry, { path: path.resolve('/repo'), levels: 4, replaced: '.parent.parent.parent.parent' });
});

test('parents[N] after resolve(), inline', () => {
  const entry = entryOf('import sys\nimport pathlib\nsys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))\n');
  assert.deepEqual(entry, { path: path.resolve('/repo/backend'), levels: 3, replaced: '2' });
});

test('os.path chains evaluate but carry no chain to rewrite', () => {
  const entry = entryOf('import os, sys\nsys.path.append(os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..")))\n');
  assert.deepEqual(entry, { path: path.resolve('/repo'), levels: null, replaced: null });
});

test('nested os.path.dirname calls around __file__ (or its abspath) carry a chain; mixed spellings do not', () => {
  const entry = entryOf('import os, sys\nsys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))\n');
  assert.deepEqual(entry, { path: path.resolve('/repo/backend/tests'), levels: 2, replaced: 'os.path.dirname(os.path.dirname(os.path.abspath(__file__)))' });
  const imported = entryOf('import sys\nfrom os.path import dirname\nsys.path.insert(0, dirname(dirname(dirname(__file__))))\n');
  assert.deepEqual(imported, { path: path.resolve('/repo/backend'), levels: 3, replaced: 'dirname(dirname(dirname(__file__)))' });
  const mixed = entryOf('import os, sys\nfrom os.path import dirname\nsys.path.insert(0, dirname(os.path.dirname(__file__)))\n');
  assert.deepEqual(mixed, { path: path.resolve('/repo/backend/tests'), levels: null, replaced: null });
});

test('an entry from an unknown value is null, never a guess', () => {
  assert.equal(entryOf('import os, sys\nsys.path.insert(0, os.environ["APP_ROOT"])\n'), null);
});

test('a local assignment inside a function is followed; a rebound one is not', () => {
  const good = fromText(CONFTEST, 'python', 'import sys\nfrom pathlib import Path\ndef setup():\n    here = Path(__file__).parent\n    sys.path.insert(0, str(here / ".." / ".."))\n');
  assert.equal(sysPathAdditions(good)[0]!.value?.path, path.resolve('/repo/backend'));
  const rebound = fromText(CONFTEST, 'python', 'import sys\nfrom pathlib import Path\ndef setup(x):\n    here = Path(__file__).parent\n    here = x\n    sys.path.insert(0, str(here))\n');
  assert.equal(sysPathAdditions(rebound)[0]!.value, null);
});

test('evaluatePath follows module constants', () => {
  const file = fromText(CONFTEST, 'python', 'from pathlib import Path\nROOT = Path(__file__).resolve().parents[3]\nSRC = ROOT / "src"\n');
  const module = pyModule(file)!;
  assert.equal(evaluatePath(module, module.assignments.get('SRC')!.value)?.path, path.resolve('/repo/src'));
});

test('chainText rewrites every form', () => {
  const chain = { levels: 5, kind: 'parent' as const, start: 0, end: 0, file: fromText(CONFTEST, 'python', '') };
  assert.equal(chainText(chain, 4), '.parent.parent.parent.parent');
  assert.equal(chainText({ ...chain, kind: 'parents' }, 4), '3');
  assert.equal(chainText({ ...chain, kind: 'dirname', callee: 'os.path.dirname', base: '__file__' }, 2), 'os.path.dirname(os.path.dirname(__file__))');
});

test('pytest basedir and module resolution on a real tree', () => {
  const root = tempDir('smoke-lint-app-');
  try {
    const write = (relative: string, text = ''): void => {
      mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
      writeFileSync(path.join(root, relative), text);
    };
    write('backend/__init__.py');
    write('backend/main.py');
    write('backend/tests/integration/conftest.py');
    write('backend/tests/integration/__init__.py');
    write('backend/tests/__init__.py');
    write('services/api/handlers.py'); // a namespace package: no __init__.py anywhere
    write('tools/shared.py');
    write('tools/shared/readme.txt'); // a module beats a namespace folder of the same name
    clearFileSystemCache();
    // The tests folders are packages, and so is backend: pytest inserts the project root.
    assert.equal(pytestBasedir(path.join(root, 'backend/tests/integration/conftest.py')), root);
    assert.equal(resolveModule([root], 'backend.main')?.file, path.join(root, 'backend/main.py'));
    assert.equal(resolveModule([path.join(root, 'backend')], 'backend.main'), null);
    assert.equal(resolveModule([root], 'services.api.handlers')?.file, path.join(root, 'services/api/handlers.py'));
    // The whole answer: the dotted name found so far, the file, the package's folders, the entry it was found in.
    assert.deepEqual(resolveModule([path.join(root, 'tools'), root], 'services.api.handlers'), { dotted: 'services.api.handlers', file: path.join(root, 'services/api/handlers.py'), dirs: [], entry: root });
    assert.deepEqual(resolveModule([root], 'services.api'), { dotted: 'services.api', file: null, dirs: [path.join(root, 'services/api')], entry: root });
    assert.deepEqual(resolveModule([root], 'backend'), { dotted: 'backend', file: path.join(root, 'backend/__init__.py'), dirs: [path.join(root, 'backend')], entry: root });
    assert.equal(resolveModule([path.join(root, 'tools')], 'shared')?.file, path.join(root, 'tools/shared.py'));
    assert.equal(resolveModule([root], 'backend.main.sub'), null);
    assert.equal(resolveModule([root], 'backend..main'), null);
    // Without the tests' __init__.py files pytest inserts the conftest's own folder.
    rmSync(path.join(root, 'backend/tests/integration/__init__.py'));
    clearFileSystemCache();
    assert.equal(pytestBasedir(path.join(root, 'backend/tests/integration/conftest.py')), path.join(root, 'backend/tests/integration'));
  } finally {
    rmSync(root, { recursive: true, force: true });
    clearFileSystemCache();
  }
});
