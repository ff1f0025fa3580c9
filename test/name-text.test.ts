// A name spelled in a module's text, as the readers that decide before parsing see it: a whole name only,
// whatever the script of the characters beside it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isWholeName, spellsName } from '../src/model/name-text.js';

test('a name is spelled only as a whole name', () => {
  assert.equal(spellsName('def test_x(db_session):\n', 'db_session'), true);
  assert.equal(spellsName('db_session', 'db_session'), true, 'the whole text');
  assert.equal(spellsName('# uses db_session.\n', 'db_session'), true, 'in a comment: the text may say yes for nothing');
  assert.equal(spellsName('x = my_db_session\n', 'db_session'), false, 'inside a longer name');
  assert.equal(spellsName('x = db_session2\n', 'db_session'), false, 'a longer name, by a digit');
  assert.equal(spellsName('x = db_sessioné + édb_session\n', 'db_session'), false, 'a longer name, by a letter beyond ASCII');
  assert.equal(spellsName('x = db_session\u0301\n', 'db_session'), false, 'a longer name, by a combining mark');
  assert.equal(spellsName('x = my_db_session + db_session\n', 'db_session'), true, 'a later whole one');
  assert.equal(spellsName('x = 1\n', ''), false);
  assert.equal(isWholeName('a.b', 2, 1), true);
  assert.equal(isWholeName('ab', 1, 1), false);
});
