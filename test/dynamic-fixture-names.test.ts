// What a computed `request.getfixturevalue(name)` can request (src/model/dynamic-fixture-names.ts):
// names read from literal loops, parametrize lists and fixture params; nothing for unreadable names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromText } from '../src/source.js';
import { pyModule } from '../src/model/python.js';
import { dynamicFixtureNames } from '../src/model/dynamic-fixture-names.js';

/** The names the (only) computed getfixturevalue call of this code can request. */
function namesOf(text: string): string[] | null {
  const module = pyModule(fromText('/p/tests/test_x.py', 'python', text));
  assert.ok(module);
  const call = module.root.descendantsOfType('call').find((node) => node.childForFieldName('function')?.text.endsWith('.getfixturevalue'));
  assert.ok(call, 'no getfixturevalue call');
  const argument = call.childForFieldName('arguments')!.namedChild(0)!;
  return dynamicFixtureNames(module, argument);
}

test('a loop over literal names, directly or through a constant', () => {
  assert.deepEqual(namesOf('def test_a(request):\n    for name in ("pg", "mysql"):\n        request.getfixturevalue(name)\n'), ['pg', 'mysql']);
  assert.deepEqual(namesOf('BACKENDS = ["pg", "sqlite"]\n\ndef test_a(request):\n    return [request.getfixturevalue(n) for n in BACKENDS]\n'), ['pg', 'sqlite']);
});

test('names pytest resolved already (argnames, fixturenames) add none', () => {
  assert.deepEqual(namesOf('def hook(fixturedef, request):\n    wanted = fixturedef.argnames or ()\n    return {a: request.getfixturevalue(a) for a in wanted}\n'), []);
  assert.deepEqual(namesOf('def test_a(request):\n    for f in request.fixturenames:\n        request.getfixturevalue(f)\n'), []);
});

test('a parametrized test parameter: its literal values, by position and through pytest.param', () => {
  const code = '@pytest.mark.parametrize("path, which", [("/a", "client"), pytest.param("/b", "remote", id="live")])\ndef test_a(request, path, which):\n    request.getfixturevalue(which)\n';
  assert.deepEqual(namesOf(code), ['client', 'remote']);
});

test('request.param of a fixture with literal params', () => {
  assert.deepEqual(namesOf('@pytest.fixture(params=["pg_session", "lite_session"])\ndef session(request):\n    return request.getfixturevalue(request.param)\n'), ['pg_session', 'lite_session']);
});

test('an unreadable name can be read to request nothing: null', () => {
  assert.equal(namesOf('def test_a(request):\n    request.getfixturevalue(os.environ["FIXTURE"])\n'), null);
  assert.equal(namesOf('def test_a(request, which):\n    request.getfixturevalue(which)\n'), null);
  assert.equal(namesOf('def test_a(request):\n    for name in load_names():\n        request.getfixturevalue(name)\n'), null);
});
