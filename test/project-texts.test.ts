// A file whose text a model checks before it parses the file is read from disk once: loading it takes the
// text the check read. What loading judges (bytes that are not UTF-8, the size limit) is judged as before,
// and the texts kept are bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs, { writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { MAX_FILE_BYTES } from '../src/source.js';
import { makeTempProject, projectModel } from './project.js';

/** Runs `body` counting the reads of each file (by base name) through node's fs, which the sources import. */
function countingReads<T>(body: () => T): { result: T; reads: Map<string, number> } {
  const reads = new Map<string, number>();
  const original = fs.readFileSync;
  fs.readFileSync = ((file: fs.PathOrFileDescriptor, options?: unknown) => {
    if (typeof file === 'string') reads.set(path.basename(file), (reads.get(path.basename(file)) ?? 0) + 1);
    return (original as (file: fs.PathOrFileDescriptor, options?: unknown) => unknown)(file, options);
  }) as typeof fs.readFileSync;
  syncBuiltinESMExports();
  try {
    return { result: body(), reads };
  } finally {
    fs.readFileSync = original;
    syncBuiltinESMExports();
  }
}

function projectWith(files: Record<string, string | Buffer>) {
  const root = makeTempProject(files);
  const project = projectModel(root);
  const file = (name: string) => project.files.get(path.join(root, name))!;
  return { root, project, file };
}

test('a module peeked at and then loaded is read from disk once', () => {
  const { project, file } = projectWith({ 'app/db.py': 'from sqlalchemy.orm import sessionmaker\n' });
  const { result, reads } = countingReads(() => {
    const peeked = project.peekText(file('app/db.py').path);
    const again = project.peekText(file('app/db.py').path);
    const loaded = project.load(file('app/db.py'));
    return { peeked, again, loaded };
  });
  assert.equal(reads.get('db.py'), 1);
  assert.equal(result.peeked, 'from sqlalchemy.orm import sessionmaker\n');
  assert.equal(result.again, result.peeked);
  assert.equal(result.loaded?.text, result.peeked);
  assert.equal(result.loaded?.tree?.rootNode.type, 'module');
});

test('a text peeked at is not read again after the loaded files are let go, and a load takes it', () => {
  const { project, file } = projectWith({ 'app/db.py': 'x = 1\n', 'run.sh': 'echo hi\n' });
  const { result, reads } = countingReads(() => {
    const first = project.peekText(file('app/db.py').path);
    // The script index and discovery rule files out by their text: a suite that reads one later reads no disk.
    const ruledOut = project.ruledOutByText(file('run.sh').path, () => false);
    project.releasePython();
    project.releaseSuiteFiles();
    return { first, again: project.peekText(file('app/db.py').path), loaded: project.load(file('app/db.py')), script: project.load(file('run.sh')), ruledOut };
  });
  assert.deepEqual([...reads], [['db.py', 1], ['run.sh', 1]]);
  assert.equal(result.ruledOut, true);
  assert.equal(result.again, 'x = 1\n');
  assert.equal(result.loaded?.text, 'x = 1\n');
  assert.equal(result.script?.text, 'echo hi\n');
});

test('peeked texts are kept up to the budget, the oldest let go first; a new project reads the disk again', () => {
  const root = makeTempProject({ 'a.py': 'a = 1\n', 'b.py': 'b = 22\n', 'c.py': 'c = 333\n' });
  const project = projectModel(root, 16);
  const at = (name: string) => path.join(root, name);
  const { reads } = countingReads(() => {
    project.peekText(at('a.py')); // 6 characters
    project.peekText(at('b.py')); // 7: 13 kept
    project.peekText(at('c.py')); // 8: a.py goes (15 kept), then
    project.peekText(at('b.py')); // kept
    project.peekText(at('a.py')); // read again, and b.py goes: c.py and a.py kept (14)
    project.peekText(at('c.py'));
    project.peekText(at('b.py')); // read again
  });
  assert.deepEqual(Object.fromEntries(reads), { 'a.py': 2, 'b.py': 2, 'c.py': 1 });
  // A text longer than the whole budget is not kept.
  const tiny = projectModel(root, 4);
  const { reads: tinyReads } = countingReads(() => {
    tiny.peekText(at('a.py'));
    tiny.peekText(at('a.py'));
  });
  assert.equal(tinyReads.get('a.py'), 2);
  // The texts belong to one project (one run): a file changed on disk is read anew by the next.
  writeFileSync(at('a.py'), 'a = 2\n');
  assert.equal(project.peekText(at('a.py')), 'a = 1\n');
  assert.equal(projectModel(root).peekText(at('a.py')), 'a = 2\n');
});

test('a peeked text with a sign of bytes that are not text is judged from the bytes when loaded', () => {
  const { project, file } = projectWith({ 'latin.py': Buffer.from([0x23, 0x20, 0x63, 0x61, 0x66, 0xe9, 0x0a]), 'late-nul.py': 'x = 1\n' + '\0' });
  assert.match(project.peekText(file('latin.py').path) ?? '', /\uFFFD/);
  assert.equal(project.load(file('latin.py'))?.unreadable, 'not valid UTF-8');
  assert.equal(project.peekText(file('late-nul.py').path), 'x = 1\n\0');
  assert.equal(project.load(file('late-nul.py'))?.unreadable, 'binary file (contains NUL bytes)');
});

test('a peeked text that may be over the size limit is loaded against the limit', () => {
  const { project, file } = projectWith({ 'big.py': Buffer.alloc(MAX_FILE_BYTES + 1, 0x20) });
  assert.equal(project.peekText(file('big.py').path)?.length, MAX_FILE_BYTES + 1);
  assert.match(project.load(file('big.py'))?.unreadable ?? '', /over the 5 MiB limit/);
});
