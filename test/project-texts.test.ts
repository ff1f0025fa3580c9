// A file whose text a model checks before it parses the file is read from disk once: loading it takes the
// text the check read. What loading judges (bytes that are not UTF-8, the size limit) is judged as before,
// and texts last no longer than the loaded files they stand for.
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

test('texts peeked at are let go with the loaded files', () => {
  const { root, project, file } = projectWith({ 'app/db.py': 'x = 1\n' });
  assert.equal(project.peekText(file('app/db.py').path), 'x = 1\n');
  writeFileSync(path.join(root, 'app/db.py'), 'x = 2\n');
  project.releasePython();
  assert.equal(project.peekText(file('app/db.py').path), 'x = 2\n');
  assert.equal(project.load(file('app/db.py'))?.text, 'x = 2\n');
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
