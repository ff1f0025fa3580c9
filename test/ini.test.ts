// The one ini reader (src/readers/ini.ts) behind tox.ini and the pytest settings of pytest.ini, tox.ini
// and setup.cfg.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { iniSection, parseIni } from '../src/readers/ini.js';

const TEXT = [
  '[pytest]',
  'Addopts = -ra',
  '    -m integration',
  '# a comment inside the value does not end it',
  '    --strict-markers',
  'testpaths =',
  '    tests/integration',
  '',
  '    tests/e2e',
  '[testenv:it]',
  'commands = pytest {posargs}',
  '  ; continued',
  '[pytest]',
  'env = RUN_INTEGRATION_TESTS=true',
].join('\r\n');

test('sections, values over indented rows with their places, comments and blank rows inside a value', () => {
  const sections = parseIni(TEXT, false);
  assert.deepEqual([...sections.keys()], ['pytest', 'testenv:it']);
  const pytest = sections.get('pytest')!;
  assert.deepEqual([...pytest.keys()], ['Addopts', 'testpaths', 'env'], 'a section named twice gathers both');
  assert.deepEqual(pytest.get('Addopts')!.rows, [
    { row: 1, column: 10, text: '-ra' },
    { row: 2, column: 4, text: '-m integration' },
    { row: 4, column: 4, text: '--strict-markers' },
  ]);
  assert.deepEqual(pytest.get('testpaths')!.rows.map((row) => row.text), ['tests/integration', 'tests/e2e']);
  assert.deepEqual(sections.get('testenv:it')!.get('commands')!.rows.map((row) => row.text), ['pytest {posargs}']);
});

test('key names fold to lower case only when asked (tox), and iniSection joins a value\'s rows', () => {
  assert.ok(parseIni(TEXT, true).get('pytest')!.has('addopts'));
  assert.ok(!parseIni(TEXT, false).get('pytest')!.has('addopts'));
  const pytest = iniSection(TEXT, 'pytest')!;
  assert.equal(pytest.get('Addopts'), '-ra\n-m integration\n--strict-markers');
  assert.equal(pytest.get('env'), 'RUN_INTEGRATION_TESTS=true');
  assert.equal(iniSection(TEXT, 'tool:pytest'), null);
  assert.equal(iniSection('key = value\n', 'pytest'), null, 'keys before any section belong to none');
});
