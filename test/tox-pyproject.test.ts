// tox's configuration in a pyproject.toml (`legacy_tox_ini`, src/readers/tox.ts): read in place, so that
// what is found in it is placed in the pyproject.toml itself, and not read when its raw text is not its value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { legacyToxIni } from '../src/readers/tox.js';

const head = '[project]\nname = "demo"\n\n[tool.tox]\n';

test('the legacy_tox_ini text keeps its rows and columns; everything else is blanked', () => {
  const text = `${head}legacy_tox_ini = """\n[testenv]\ncommands = pytest -q\n"""\n`;
  const masked = legacyToxIni(text)!;
  assert.equal(masked.length, text.length);
  const rows = masked.split('\n');
  assert.deepEqual(rows.slice(5, 7), ['[testenv]', 'commands = pytest -q']);
  assert.equal(rows.slice(0, 5).join('').trim(), '', 'the TOML around it is blanked');
  assert.equal(rows[7]!.trim(), '');
  // A literal string, and the key after other keys of the table.
  const literal = legacyToxIni(`${head}requires = ["tox>=4"]\nlegacy_tox_ini = '''\n[testenv]\ncommands = pytest\n'''\n`)!;
  assert.equal(literal.split('\n')[6], '[testenv]');
});

test('no legacy_tox_ini, one elsewhere than [tool.tox], one with escapes, a broken file: nothing is read', () => {
  assert.equal(legacyToxIni(`${head}requires = ["tox>=4"]\n`), null);
  assert.equal(legacyToxIni('[tool.other]\nlegacy_tox_ini = """\n[testenv]\n"""\n'), null);
  // A basic string's escapes change the value against the raw text: its places would be wrong.
  assert.equal(legacyToxIni(`${head}legacy_tox_ini = """\n[testenv]\ncommands = pytest \\\\\n    -q\n"""\n`), null);
  assert.equal(legacyToxIni(`${head}legacy_tox_ini = """\n[testenv]\n`), null);
});
