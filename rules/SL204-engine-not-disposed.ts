import type Parser from 'tree-sitter';
import { defineRule, type Edit, type Fix } from '../src/rule.js';
import { indentAt, lineEnding, nodeRange } from '../src/source.js';
import { isContextManaged, resourceFixtures, type EngineFixture } from '../src/model/fixtures.js';
import { ownNodes } from '../src/model/function-scope.js';
import { unparenthesize } from '../src/model/python.js';

type Node = Parser.SyntaxNode;

/** Is `name.dispose` (or `name.<attr>.dispose`) referenced anywhere in the fixture, nested helpers included? */
function disposes(fixture: EngineFixture, name: string): boolean {
  const body = fixture.fn.node.childForFieldName('body');
  if (!body) return false;
  for (const attribute of body.descendantsOfType('attribute')) {
    if (attribute.childForFieldName('attribute')?.text !== 'dispose') continue;
    let object = attribute.childForFieldName('object');
    while (object?.type === 'attribute') object = object.childForFieldName('object');
    if (object?.type === 'identifier' && object.text === name) return true;
  }
  return false;
}

/** Is the statement a direct statement of the function's body (not inside `with`, `try`, `if`)? */
function isTopLevelStatement(fixture: EngineFixture, statement: Node): boolean {
  return statement.parent?.id === fixture.fn.node.childForFieldName('body')?.id;
}

function disposeCall(fixture: EngineFixture, name: string): string | null {
  if (fixture.use === 'async-engine') return fixture.fn.isAsync ? `await ${name}.dispose()` : null;
  return `${name}.dispose()`;
}

export default defineRule({
  code: 'SL204',
  name: 'engine-not-disposed',
  summary: 'The engine fixture never disposes of its engine',
  severity: 'warning',
  fix: 'unsafe',
  get docs() {
    return {
      whatItDoes:
        'Reports a fixture that builds a SQLAlchemy engine with `create_engine`/`create_async_engine` and returns it instead of yielding it, or yields it and never calls `dispose()` afterwards.',
      whyItMatters:
        'An engine holds a pool of open connections. Without `dispose()` they stay open until the interpreter exits; the test database\'s container is then stopped under live connections, and with function- or module-scoped fixtures the pools pile up until PostgreSQL refuses new connections ("too many clients already").',
      example: '@pytest.fixture(scope="session")\ndef test_engine():\n    engine = create_engine(TEST_DB_URL)\n    SQLModel.metadata.create_all(engine)\n    return engine',
      useInstead:
        '@pytest.fixture(scope="session")\ndef test_engine():\n    engine = create_engine(TEST_DB_URL)\n    SQLModel.metadata.create_all(engine)\n    yield engine\n    engine.dispose()',
      exceptions:
        'Silent when the fixture refers to the engine\'s `dispose` anywhere (`await engine.dispose()`, `request.addfinalizer(engine.dispose)`, in a `finally`), when the engine is the value of a `with` statement, for DB agents (whether they own an engine is not known), and for SQLite engines.',
      fixSafety:
        'Unsafe: turning `return` into `yield` makes the fixture a generator (its return annotation must become `Iterator[Engine]`), and code after the yield now runs at teardown.',
    };
  },
  check({ suite, report }) {
    for (const fixture of resourceFixtures(suite).engines) {
      if (fixture.use === 'agent' || isContextManaged(fixture.call)) continue;
      const file = fixture.file;
      const returns = ownNodes(fixture.fn, ['return_statement']).filter((node) => node.namedChildCount > 0);
      const yields = ownNodes(fixture.fn, ['yield']);
      const name = fixture.boundName;
      if (name && disposes(fixture, name)) continue;
      const eol = lineEnding(file);
      if (yields.length === 0 && returns.length > 0) {
        const statement = returns[returns.length - 1]!;
        const value = unparenthesize(statement.namedChild(0)!);
        let edits: Edit[] | null = null;
        if (returns.length === 1 && isTopLevelStatement(fixture, statement)) {
          const indent = indentAt(file, statement.startIndex);
          if (name && value.type === 'identifier' && value.text === name) {
            const dispose = disposeCall(fixture, name);
            if (dispose) edits = [{ file, start: statement.startIndex, end: statement.endIndex, text: `yield ${name}${eol}${indent}${dispose}` }];
          } else if (!name && value.id === fixture.call.id && !fixture.fn.parameters.includes('engine') && !/\bengine\b/.test(fixture.fn.node.childForFieldName('body')?.text.replace(value.text, '') ?? '')) {
            const dispose = disposeCall(fixture, 'engine');
            if (dispose) edits = [{ file, start: statement.startIndex, end: statement.endIndex, text: `engine = ${value.text}${eol}${indent}yield engine${eol}${indent}${dispose}` }];
          }
        }
        const fix: Fix | null = edits ? { applicability: 'unsafe', message: 'Yield the engine and dispose of it after the yield', edits } : null;
        const returnsEngine = (name && value.type === 'identifier' && value.text === name) || value.id === fixture.call.id;
        report({
          file,
          range: nodeRange(statement),
          message: returnsEngine
            ? `Fixture \`${fixture.fn.name}\` returns its engine instead of yielding it: nothing ever calls \`dispose()\`, so its pooled connections stay open after the suite`
            : `Fixture \`${fixture.fn.name}\` builds an engine and returns without disposing of it: its pooled connections stay open after the suite`,
          hint: `Yield the engine and call \`${disposeCall(fixture, name ?? 'engine') ?? 'engine.dispose()'}\` after the yield.`,
          fix,
        });
        continue;
      }
      if (yields.length === 0) continue;
      if (!name) {
        // `yield create_engine(...)`: the engine is never bound, so never disposed.
        const direct = yields.find((node) => node.namedChild(0) && unparenthesize(node.namedChild(0)!).id === fixture.call.id);
        if (!direct) continue;
        report({
          file,
          range: nodeRange(direct),
          message: `Fixture \`${fixture.fn.name}\` yields a new engine without keeping it: nothing calls \`dispose()\` after the yield`,
          hint: 'Bind it (`engine = create_engine(...)`), yield it, and call `engine.dispose()` after the yield.',
        });
        continue;
      }
      const last = yields[yields.length - 1]!;
      const statement = last.parent?.type === 'expression_statement' ? last.parent : null;
      let fix: Fix | null = null;
      const dispose = disposeCall(fixture, name);
      if (statement && yields.length === 1 && isTopLevelStatement(fixture, statement) && dispose) {
        const indent = indentAt(file, statement.startIndex);
        fix = {
          applicability: 'unsafe',
          message: `Call \`${dispose}\` after the yield`,
          edits: [{ file, start: statement.endIndex, end: statement.endIndex, text: `${eol}${indent}${dispose}` }],
        };
      }
      report({
        file,
        range: nodeRange(statement ?? last),
        message: `Fixture \`${fixture.fn.name}\` never calls \`${name}.dispose()\` after the yield: the engine's pooled connections stay open after the suite`,
        hint: `Call \`${dispose ?? `${name}.dispose()`}\` after the yield.`,
        fix,
      });
    }
  },
});
