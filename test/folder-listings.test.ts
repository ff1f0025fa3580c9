// The walk's listings answer "certainly missing" for names its folders do not hold, and nothing else:
// a listed name, a name spelled with other case or Unicode composition, and a folder the walk did not
// list are left to the disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { walkProject } from '../src/discover.js';
import { certainlyMissing, clearListings } from '../src/folder-listings.js';
import { kindOf, clearFileSystemCache } from '../src/model/app/sys-path.js';
import { makeTempProject } from './project.js';

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
