// isWithin and the walk's relative paths answer most questions from the strings alone (src/discover.ts):
// every answer must be the one `path.relative` gives, also for paths with `.`, `..`, empty segments,
// names starting with dots, trailing slashes and relative paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { isWithin, relativePath } from '../src/discover.js';

function referenceWithin(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

const SEGMENTS = ['a', 'b', '.', '..', '', '..a', '.a', 'a..'];

/** Every path of up to `depth` segments, absolute and relative, with and without a trailing slash. */
function paths(depth: number): string[] {
  let tails = [''];
  const all = new Set<string>();
  for (let level = 0; level < depth; level++) {
    tails = tails.flatMap((tail) => SEGMENTS.map((segment) => (tail === '' && level === 0 ? segment : `${tail}/${segment}`)));
    for (const tail of tails) {
      all.add(tail);
      all.add(`/${tail}`);
      all.add(`${tail}/`);
    }
  }
  return [...all];
}

test('isWithin answers as path.relative does, for every pair of short paths and for each path with a tail added', () => {
  const short = paths(2);
  for (const parent of short) {
    for (const child of [...short, ...short.map((tail) => `${parent}/${tail}`)]) {
      assert.equal(isWithin(child, parent), referenceWithin(child, parent), `isWithin(${JSON.stringify(child)}, ${JSON.stringify(parent)})`);
    }
  }
  for (const parent of paths(3)) {
    for (const tail of SEGMENTS) {
      for (const child of [parent, `${parent}/${tail}`, `${parent}${tail}`]) {
        assert.equal(isWithin(child, parent), referenceWithin(child, parent), `isWithin(${JSON.stringify(child)}, ${JSON.stringify(parent)})`);
      }
    }
  }
});

test("relativePath is path.relative's answer, /-separated", () => {
  for (const base of paths(3)) {
    assert.equal(relativePath(base, base), '');
    for (const tail of paths(1)) {
      const target = `${base}/${tail}`;
      assert.equal(relativePath(base, target), path.relative(base, target).split(path.sep).join('/'), `relativePath(${JSON.stringify(base)}, ${JSON.stringify(target)})`);
    }
  }
  for (const base of paths(2)) {
    for (const tail of paths(2)) {
      const target = `${base}/${tail}`;
      assert.equal(relativePath(base, target), path.relative(base, target).split(path.sep).join('/'), `relativePath(${JSON.stringify(base)}, ${JSON.stringify(target)})`);
    }
  }
});
