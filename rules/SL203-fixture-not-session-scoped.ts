import { defineRule, type Fix } from '../src/rule.js';
import { nodeRange } from '../src/source.js';
import { addSessionScopeEdit, resourceFixtures, type FixtureScope } from '../src/model/fixtures.js';
import type { FunctionInfo } from '../src/model/python.js';
import { fixtureUse, type FixtureDef } from '../src/model/fixture-use.js';
import { asyncSessionScopeHint, perTestState, pinningDependency } from '../src/model/fixture-advice.js';
import { clientConstruction } from '../src/model/client/constructions.js';
import { lifespanFixtures, lifespanManagerCalls } from '../src/model/lifespan.js';

export default defineRule({
  code: 'SL203',
  name: 'fixture-not-session-scoped',
  summary: 'The engine or client fixture is rebuilt for every test',
  severity: 'warning',
  fix: 'safe',
  get docs() {
    return {
      whatItDoes: 'Reports the suite fixture that builds the database engine (or DB agent) or the in-process client, or that starts the app with `LifespanManager`, when it is not `scope="session"`.',
      whyItMatters:
        'A fixture without a scope runs once per test: every test builds a new engine with a new connection pool (and runs `create_all` again), or starts the app\'s lifespan again for a new TestClient. The suite gets slow, connections pile up until PostgreSQL refuses more, and startup handlers run dozens of times.',
      example: '@pytest.fixture\ndef test_engine():\n    engine = create_engine(TEST_DB_URL)\n    yield engine\n    engine.dispose()',
      useInstead: '@pytest.fixture(scope="session")\ndef test_engine():\n    engine = create_engine(TEST_DB_URL)\n    yield engine\n    engine.dispose()',
      exceptions:
        'Info instead of a warning, and no fix, when the advice would break the suite: the fixture uses a narrower fixture (a per-test session or transaction, `monkeypatch`), so `scope="session"` would raise ScopeMismatch; or an engine fixture hands out per-test state (`yield session`), which session scope would share across tests (build the engine in a session fixture instead). A fixture that enters `asgi_lifespan.LifespanManager(app)` starts the app each time it runs and is reported like a client; an httpx client on an ASGI transport is not reported unless it enters the LifespanManager itself (one in a fixture it uses is that fixture\'s finding): without the lifespan a client per test costs next to nothing. A scope chosen explicitly (`"package"`, `"module"`, `"class"`, `"function"`) is reported as info only: stricter isolation can be a deliberate trade. Fixtures building an SQLite engine, scopes that cannot be read statically, and fixtures no test of the suite uses (requested by none, or shadowed by a same-named fixture nearer the tests) are not reported.',
      fixSafety:
        'Adding `scope="session"` keeps the decorator\'s other arguments. It is not offered for async fixtures: what else a session-scoped async fixture needs depends on the plugin\'s version, so the hint names the API of the pytest-asyncio the project pins (lock file, requirements, pyproject, Pipfile): `loop_scope="session"` from 0.24, `@pytest.mark.asyncio(scope="session")` on 0.23, a session-scoped `event_loop` before; all three when the pin is unknown; anyio\'s session-scoped `anyio_backend` with anyio.',
    };
  },
  check({ suite, report }) {
    const { engines, clients } = resourceFixtures(suite);
    const usage = fixtureUse(suite);
    const seen = new Set<FunctionInfo>();
    const items = [
      ...engines.map((fixture) => ({ ...fixture, what: fixture.use === 'agent' ? 'DB agent' : 'database engine' })),
      ...clients.map((fixture) => ({ ...fixture, boundName: null, what: 'test client' })),
      // A fixture that enters `LifespanManager(app)` starts the app each time it runs, whoever uses it.
      ...lifespanFixtures(suite).map((fixture) => ({ ...fixture, boundName: null, what: 'app lifespan' })),
    ];
    const isItem = (dep: FixtureDef) => items.some((other) => other.file === dep.file && other.fn.node.startIndex === dep.fn.node.startIndex);
    for (const item of items) {
      if (seen.has(item.fn)) continue;
      seen.add(item.fn);
      // A fixture no test requests (or one shadowed by a nearer fixture of the same name) never runs.
      if (!usage.isUsed(item.file, item.fn)) continue;
      const scope: FixtureScope = item.scope;
      if (scope.scope === null || scope.scope === 'session') continue;
      const def = usage.definition(item.file, item.fn);
      const isLifespan = item.what === 'app lifespan';
      const isClient = item.what === 'test client';
      // A client starts the app itself when it is a TestClient or enters a LifespanManager of its own;
      // a LifespanManager in a fixture it uses is that fixture's finding (it is the one to widen).
      const lifespan = isClient && (clientConstruction(item.module, item.call)?.kind === 'testclient' || lifespanManagerCalls(item.module, item.fn).length > 0);
      // httpx on an ASGI transport never runs the app's lifespan: a client per test costs next to nothing.
      if (isClient && !lifespan) continue;
      const startsApp = isClient || isLifespan;
      const range = nodeRange(item.fn.node.childForFieldName('name') ?? item.fn.node);
      const shown = def?.name ?? item.fn.name;
      const built = isLifespan ? 'starts the app again' : isClient ? 'starts the app (and its lifespan) again' : `builds a new ${item.what} and connection pool`;
      const builds = isLifespan ? 'runs the app\'s lifespan (`LifespanManager`)' : `builds the suite's ${item.what}`;
      if (scope.scopeNode) {
        report({
          file: item.file,
          range,
          severity: 'info',
          message: `Fixture \`${shown}\` ${builds} with \`scope="${scope.scope}"\`: it ${built} for every ${scope.scope}`,
          hint: 'Keep it if the isolation is wanted; otherwise `scope="session"` builds it once.',
        });
        continue;
      }
      // Advice that would break the suite is no warning: a narrower fixture it uses (a per-test session or
      // transaction) makes `scope="session"` a ScopeMismatch; an engine fixture that hands out per-test
      // state (a session, a connection) would share that state across tests.
      const pinnedBy = def ? pinningDependency(usage, def, isItem) : null;
      const state = startsApp ? null : perTestState(item.fn, item.call, item.boundName);
      if (pinnedBy) {
        report({
          file: item.file,
          range,
          severity: 'info',
          message: `Fixture \`${shown}\` ${built} for every test, and it uses \`${pinnedBy.name}\` (\`scope="${pinnedBy.scope}"\`): \`scope="session"\` here would raise ScopeMismatch`,
          hint: isClient
            ? `Keep it if per-test state through \`${pinnedBy.name}\` is wanted; to start the app once, build the client in a session fixture and set the per-test dependency override in a function fixture.`
            : isLifespan
            ? `Keep it if a fresh app per test through \`${pinnedBy.name}\` is wanted; to start the app once, make \`${pinnedBy.name}\` session-scoped too, or enter the LifespanManager in a session fixture of its own.`
            : `Keep it if per-test state through \`${pinnedBy.name}\` is wanted; to build the ${item.what} once, move it into a session fixture that the per-test one uses.`,
        });
        continue;
      }
      if (state) {
        report({
          file: item.file,
          range,
          severity: 'info',
          message: `Fixture \`${shown}\` builds a new ${item.what} and connection pool for every test to hand out \`${state}\`: \`scope="session"\` would share \`${state}\` across tests`,
          hint: `Build the ${item.what} once in a session fixture and keep \`${shown}\` per test, opening \`${state}\` on it.`,
        });
        continue;
      }
      const edit = item.fn.isAsync ? null : addSessionScopeEdit(item.file, scope);
      const fix: Fix | null = edit ? { applicability: 'safe', message: 'Add `scope="session"`', edits: [edit] } : null;
      report({
        file: item.file,
        range,
        message: `Fixture \`${shown}\` ${builds} without a scope: it ${built} for every test`,
        hint: item.fn.isAsync ? asyncSessionScopeHint(suite, scope.asyncioFixture) : 'Use `@pytest.fixture(scope="session")`.',
        fix,
      });
    }
  },
});
