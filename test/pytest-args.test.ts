// pytest's own selecting options as the runner model reads them (SL606): shlex splitting of addopts,
// the last -m/-k winning, -o addopts= replacing the configuration, and the -k language.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateKeywordExpression, selectionOptions, shlexSplit } from '../src/model/pytest-args.js';

describe('shlexSplit', () => {
  it('keeps quoted words whole and drops the quotes', () => {
    assert.deepEqual(shlexSplit(`-q -m "not integration and not e2e" --tb='short'`), ['-q', '-m', 'not integration and not e2e', '--tb=short']);
  });
  it('reads backslashes and glued quotes like Python', () => {
    assert.deepEqual(shlexSplit(`-m"a or b" x\\ y`), ['-ma or b', 'x y']);
  });
  it('gives null on an unbalanced quote', () => {
    assert.equal(shlexSplit(`-m "not integration`), null);
  });
});

describe('selectionOptions', () => {
  it('takes -m from addopts when the command line has none', () => {
    const options = selectionOptions('-q -m "not integration"', undefined, ['tests']);
    assert.deepEqual(options.mark, { expression: 'not integration', source: 'addopts' });
    assert.equal(options.known, true);
  });
  it('lets the command line -m win over addopts, in every spelling', () => {
    for (const words of [['-m', 'integration'], ['-mintegration'], ['-m=integration']]) {
      assert.deepEqual(selectionOptions('-m "not integration"', undefined, words).mark, { expression: 'integration', source: 'command' });
    }
  });
  it('reads PYTEST_ADDOPTS between addopts and the command line', () => {
    assert.deepEqual(selectionOptions('-m "not integration"', '-m smoke', []).mark, { expression: 'smoke', source: 'PYTEST_ADDOPTS' });
    assert.equal(selectionOptions('', null, []).known, false);
  });
  it('drops addopts replaced by -o addopts=', () => {
    assert.equal(selectionOptions('-m "not integration"', undefined, ['-o', 'addopts=', 'tests']).mark, null);
    assert.equal(selectionOptions('-m "not integration"', undefined, ['--override-ini=addopts=-q']).mark, null);
  });
  it('is unknown when a selecting value or the configuration cannot be read', () => {
    assert.equal(selectionOptions('', undefined, ['-m', null]).known, false);
    assert.equal(selectionOptions('', undefined, ['-c', 'ci.ini']).known, false);
    assert.equal(selectionOptions('', undefined, ['-vm', 'integration']).known, false);
    assert.equal(selectionOptions('', undefined, ['--deselect', 'tests/a.py::t']).known, false);
  });
  it('collects --ignore paths and skips other value options', () => {
    const options = selectionOptions('', undefined, ['--ignore', 'tests/integration', '--tb', 'short', '-n', '4', '-ra']);
    assert.deepEqual(options.ignores, ['tests/integration']);
    assert.equal(options.mark, null);
    assert.equal(options.known, true);
  });
});

describe('evaluateKeywordExpression', () => {
  const keywords = ['test_create_order', 'test_orders.py', 'integration', 'TestOrders'];
  it('matches substrings, case-insensitively', () => {
    assert.equal(evaluateKeywordExpression('create', keywords), true);
    assert.equal(evaluateKeywordExpression('ORDERS and not refund', keywords), true);
    assert.equal(evaluateKeywordExpression('payment or refund', keywords), false);
  });
  it('gives null on what it cannot parse', () => {
    assert.equal(evaluateKeywordExpression('a and', keywords), null);
    assert.equal(evaluateKeywordExpression('(a', keywords), null);
  });
});
