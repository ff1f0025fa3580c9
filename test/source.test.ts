// Reading a file: UTF-8 text is read as it is; binary files, bytes that are not UTF-8 and files over the
// size limit are told apart exactly, whatever shortcut the common case takes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { loadSource, MAX_FILE_BYTES } from '../src/source.js';
import { makeTempProject } from './project.js';

function load(content: string | Buffer): ReturnType<typeof loadSource> {
  const root = makeTempProject({});
  const file = path.join(root, 'module.py');
  writeFileSync(file, content);
  return loadSource(file, 'python');
}

test('UTF-8 text is read as written, a replacement character and a byte-order mark included', () => {
  const text = '# caf\u00e9 \u2014 \uFFFD stands for a byte that was lost\nx = "\u{1F600}"\n';
  const plain = load(text);
  assert.equal(plain.unreadable, undefined);
  assert.equal(plain.text, text);
  assert.equal(plain.hasBom, false);
  const withBom = load('\uFEFF' + text);
  assert.equal(withBom.unreadable, undefined);
  assert.equal(withBom.text, text);
  assert.equal(withBom.hasBom, true);
});

test('bytes that are not UTF-8 make the file unreadable, however they would decode leniently', () => {
  const cases: Array<[string, number[]]> = [
    ['a Latin-1 byte', [0x23, 0x20, 0x63, 0x61, 0x66, 0xe9, 0x0a]],
    ['an encoded surrogate', [0x78, 0x20, 0x3d, 0x20, 0xed, 0xa0, 0x80, 0x0a]],
    ['an overlong slash', [0x78, 0xc0, 0xaf, 0x0a]],
    ['a truncated sequence at the end', [0x78, 0x0a, 0xe2, 0x82]],
  ];
  for (const [label, bytes] of cases) {
    assert.equal(load(Buffer.from(bytes)).unreadable, 'not valid UTF-8', label);
  }
});

test('a NUL among the first 8 KiB makes a file binary; one after them does not', () => {
  assert.equal(load(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01])).unreadable, 'binary file (contains NUL bytes)');
  assert.equal(load('x = 1\n'.repeat(1365) + '\0').unreadable, 'binary file (contains NUL bytes)', 'at byte 8190');
  // Two-byte characters: the NUL is the 5,001st character but byte 10,000, past the probe.
  const late = '\u00e9'.repeat(5000) + '\0\n';
  const source = load(late);
  assert.equal(source.unreadable, undefined);
  assert.equal(source.text, late);
});

test('a file over the size limit is not read', () => {
  const source = load(Buffer.alloc(MAX_FILE_BYTES + 1, 0x20));
  assert.match(source.unreadable ?? '', /over the 5 MiB limit/);
  assert.equal(source.text, '');
});
