import { defineRule, type Fix } from '../src/rule.js';
import { nodeRange } from '../src/source.js';
import { addSessionScopeEdit, resourceFixtures, type FixtureScope } from '../src/model/fixtures.js';
import type { FunctionInfo } from '../src/model/python.js';
import { fixtureUse } from '../src/model/fixture-use.js';

export default defineRule({
  code: 'SL203',
  name: 'fixture-not-session-scoped',
  summary: 'The engine or client fixture is rebuilt for every test',
  severity: 'warning',
  fix: 'safe',
  docs: {
    whatItDoes: 'Reports the suite fixture that builds the database engine (or DB agent) or the in-process client when it is not `scope="session"`.',
    whyItMatters:
      'A fixture without a scope runs once per test: every test builds a new engine with a new connection pool (and runs `create_all` again), or starts the app\'s lifespan again for a new TestClient. The suite gets slow, connections pile up until PostgreSQL refuses more, and startup handlers run dozens of times.',
    example: '@pytest.fixture\ndef test_engine():\n    engine = create_engine(TEST_DB_URL)\n    yield engine\n    engine.dispose()',
    useInstead: '@pytest.fixture(scope="session")\ndef test_engine():\n    engine = create_engine(TEST_DB_URL)\n    yield engine\n    engine.dispose()',
    exceptions:
      'A scope chosen explicitly (`"package"`, `"module"`, `"class"`, `"function"`) is reported as info only: stricter isolation can be a deliberate trade. Fixtures building an SQLite engine, scopes that cannot be read statically, and fixtures no test of the suite uses (requested by none, or shadowed by a same-named fixture nearer the tests) are not reported.',
    fixSafety:
      'Adding `scope="session"` keeps the decorator\'s other arguments. It is not offered for async fixtures: pytest-asyncio also needs `loop_scope="session"` there, which depends on the version in use.',
  },
  check({ suite, report }) {
    const { engines, clients } = resourceFixtures(suite);
    const usage = fixtureUse(suite);
    const seen = new Set<FunctionInfo>();
    const items = [
      ...engines.map((fixture) => ({ ...fixture, what: fixture.use === 'agent' ? 'DB agent' : 'database engine' })),
      ...clients.map((fixture) => ({ ...fixture, what: 'test client' })),
    ];
    for (const item of items) {
      if (seen.has(item.fn)) continue;
      seen.add(item.fn);
      // A fixture no test requests (or one shadowed by a nearer fixture of the same name) never runs.
      if (!usage.isUsed(item.file, item.fn)) continue;
      const scope: FixtureScope = item.scope;
      if (scope.scope === null || scope.scope === 'session') continue;
      const range = nodeRange(item.fn.node.childForFieldName('name') ?? item.fn.node);
      const built = item.what === 'test client' ? 'starts the app (and its lifespan) again' : `builds a new ${item.what} and connection pool`;
      if (scope.scopeNode) {
        report({
          file: item.file,
          range,
          severity: 'info',
          message: `Fixture \`${item.fn.name}\` builds the suite's ${item.what} with \`scope="${scope.scope}"\`: it ${built} for every ${scope.scope}`,
          hint: 'Keep it if the isolation is wanted; otherwise `scope="session"` builds it once.',
        });
        continue;
      }
      const edit = item.fn.isAsync ? null : addSessionScopeEdit(item.file, scope);
      const fix: Fix | null = edit ? { applicability: 'safe', message: 'Add `scope="session"`', edits: [edit] } : null;
      report({
        file: item.file,
        range,
        message: `Fixture \`${item.fn.name}\` builds the suite's ${item.what} without a scope: it ${built} for every test`,
        hint: item.fn.isAsync
          ? 'Use `scope="session"` (with pytest-asyncio, also `loop_scope="session"`).'
          : 'Use `@pytest.fixture(scope="session")`.',
        fix,
      });
    }
  },
});
