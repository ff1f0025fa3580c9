import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closest, editDistance, suggestCode } from '../src/near-miss.js';

const CODES = ['SL001', 'SL002', 'SL101', 'SL102', 'SL103', 'SL104', 'SL105', 'SL201'];

test('edit distance counts a swap of neighbours as one edit', () => {
  assert.equal(editDistance('fix', 'fix'), 0);
  assert.equal(editDistance('fixx', 'fix'), 1);
  assert.equal(editDistance('exit-zeor', 'exit-zero'), 1);
  assert.equal(editDistance('', 'abc'), 3);
});

test('closest names a clear winner only', () => {
  assert.equal(closest('formt', ['format', 'fix', 'diff'], 2), 'format');
  assert.equal(closest('quite', ['quiet', 'select'], 2), 'quiet');
  assert.equal(closest('xyz', ['format', 'fix'], 2), null);
  assert.equal(closest('ab', ['aa', 'bb'], 1), null, 'a tie is no guess');
});

test('suggestCode reads case, O for 0 and l for 1, else one edit from a unique code', () => {
  assert.equal(suggestCode('sl104', CODES), 'SL104');
  assert.equal(suggestCode('SL1O4', CODES), 'SL104');
  assert.equal(suggestCode('SLl04', CODES), 'SL104');
  assert.equal(suggestCode('SL140', CODES), 'SL104');
  assert.equal(suggestCode('SL 104', CODES), 'SL104');
  assert.equal(suggestCode('SL104', CODES), null, 'a known code needs no suggestion');
  assert.equal(suggestCode('SL10', CODES), null, 'five codes are one edit away');
  assert.equal(suggestCode('SL999', CODES), null);
  assert.equal(suggestCode('E501', CODES), null);
});
