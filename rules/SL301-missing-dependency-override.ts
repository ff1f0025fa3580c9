import type Parser from 'tree-sitter';
import { defineRule } from '../src/rule.js';
import { nodeRange } from '../src/source.js';
import { callArguments, unparenthesize } from '../src/model/python.js';
import { appModel, overrideKeys, settingVerdict, symbolKey, type AppModel, type DbDependency, type OverrideSet } from '../src/model/app.js';

type Node = Parser.SyntaxNode;

function lastName(node: Node): string | null {
  const expression = unparenthesize(node);
  if (expression.type === 'identifier') return expression.text;
  if (expression.type === 'attribute') return expression.childForFieldName('attribute')?.text ?? null;
  if (expression.type === 'call') {
    // `dependency_overrides[get_session()]` is SL303's business; here it shows the intent.
    const fn = expression.childForFieldName('function');
    return fn ? lastName(fn) : null;
  }
  return null;
}

/** What the suite's override keys stand for; null when one of them cannot be read (it may be the DB dependency). */
function overriddenKeys(model: AppModel, sets: OverrideSet[], dependencies: DbDependency[]): { keys: Set<string>; names: Set<string>; helpers: Map<string, Set<string>> } | null {
  const keys = new Set<string>();
  const names = new Set<string>();
  /** Helper function name -> the dependencies its callers pass it. */
  const helpers = new Map<string, Set<string>>();
  const wanted = new Set(dependencies.map((dependency) => dependency.symbol.name));
  for (const set of sets) {
    // Through a helper (`override_dependency(get_db, ...)`), the keys are its callers' arguments.
    const written = overrideKeys(model, set);
    if (!written) return null;
    const helper = written.length !== 1 || written[0]!.node !== set.key ? set.fn?.name ?? null : null;
    if (helper && !helpers.has(helper)) helpers.set(helper, new Set());
    for (const { file, node } of written) {
      const name = lastName(node);
      if (name === null) return null;
      names.add(name);
      if (helper) helpers.get(helper)!.add(name);
      const key = unparenthesize(node);
      const symbol = key.type === 'call' ? null : model.resolveName(file, key);
      if (symbol) keys.add(symbolKey(symbol));
      else if (!wanted.has(name)) return null; // an unknown name: a loop variable, a helper's result
    }
  }
  return { keys, names, helpers };
}

export default defineRule({
  code: 'SL301',
  name: 'missing-dependency-override',
  summary: 'The TestClient runs the app on its own database: no override of the DB dependency',
  severity: 'error',
  fix: 'none',
  get docs() {
    return {
      whatItDoes:
        'Follows the suite\'s `TestClient(app)` (or `httpx.AsyncClient(transport=ASGITransport(app=app))`, or the old `AsyncClient(app=app)`), wherever it is built (a conftest, a `pytest_plugins` module, a test module, or a project helper such as `make_client()` in `tests/utils.py` that the suite calls), to the app, finds the app\'s database dependencies (functions used in `Depends(...)` that yield or return a `Session`, an `AsyncSession`, a `sessionmaker()` session or a DB agent) and reports the client when no fixture sets `app.dependency_overrides[...]` for one of them. When the app cannot be found, the configured `db-dependencies` names that the conftest imports are used instead.',
      whyItMatters:
        'Without the override every request the tests make opens a session on the engine the app builds for itself: the development database (or production credentials in CI). Tests then write into real data, pass or fail depending on what is there, and the throw-away PostgreSQL the suite starts is never used.',
      example:
        '@pytest.fixture(scope="session")\ndef client():\n    from backend.main import app\n\n    with TestClient(app) as c:  # routes still use backend.database.get_session\n        yield c',
      useInstead:
        '@pytest.fixture(scope="session")\ndef client(test_engine):\n    from backend.database import get_session\n    from backend.main import app\n\n    def override_get_session():\n        with Session(test_engine) as session:\n            yield session\n\n    app.dependency_overrides[get_session] = override_get_session\n    with TestClient(app) as c:\n        yield c\n    app.dependency_overrides.clear()',
      exceptions:
        'Silent when the app\'s routes use no database dependency, when the app is built by a factory called with arguments (it may be wired to the test database), when overrides are set in a way that cannot be read (a loop, `monkeypatch.setitem`, a helper that is passed around or called with a dependency held in a variable). A helper such as `def override_dependency(dep, value): app.dependency_overrides[dep] = ...` is read at its call sites: the dependencies the tests pass it are the ones overridden. Silent too when the suite points the app\'s own settings at a test database before the app is imported: the variable the database code reads is set to a database URL off the dev port (`os.environ["DATABASE_URL"] = TEST_DB_URL` or `setdefault` at the top of the conftest, `starlette.config.environ[...]`, a pytest-env entry, an export of the runner that starts pytest, or `monkeypatch.setenv` in a fixture that imports the app after it). Only info when the suite sets such a variable but smoke-lint cannot tell to what, or sets it after the app was imported. When the URL it sets is on the dev port of this machine, that is the development database: reported as an error (not for a CI job, where that port is the job\'s own service).',
    };
  },
  check({ suite, config, report }) {
    const model = appModel(suite);
    const clients = [...model.clients, ...model.helperClients];
    if (clients.length === 0 || model.overridesOpaque) return;
    const dependencies = model.dbDependencies;
    if (dependencies.length === 0) return;
    if (model.app?.factoryCall && callArguments(model.app.factoryCall).positional.length + callArguments(model.app.factoryCall).keywords.size > 0) return;
    const overridden = overriddenKeys(model, model.overrides, dependencies);
    if (!overridden) return;
    const missing = dependencies.filter(
      (dependency) => !overridden.keys.has(symbolKey(dependency.symbol)) && !overridden.names.has(dependency.symbol.name),
    );
    if (missing.length === 0) return;
    const client = clients.find((candidate) => candidate.file.path.endsWith('conftest.py')) ?? clients[0]!;
    const project = suite.project;
    const describe = (dependency: DbDependency): string => {
      const from = dependency.symbol.filePath ? ` (${project.relative(dependency.symbol.filePath)})` : dependency.symbol.dotted ? ` (from \`${dependency.symbol.dotted}\`)` : '';
      return `\`${dependency.symbol.name}\`${from}, which ${dependency.reason}`;
    };
    const clientText = client.kind === 'testclient' ? 'TestClient' : 'ASGI client';
    const setting = settingVerdict(model, missing, config.devPort);
    // The suite points the app's own settings at a test database before the app is imported.
    if (setting?.verdict === 'test') return;
    const list = missing.map(describe).join('; ');
    const overrideLine = `app.dependency_overrides[${missing[0]!.symbol.name}] = override_${missing[0]!.symbol.name}`;
    if (setting?.verdict === 'unsure') {
      report({
        file: client.file,
        range: nodeRange(client.call),
        severity: 'info',
        message: setting.set
          ? `The ${clientText} runs the app with no override of ${list}. The suite sets \`${setting.name}\`, which the app's database code reads, only after the app's modules are imported: settings read at import time keep the app's own database URL; smoke-lint cannot be sure which database requests reach`
          : `The ${clientText} runs the app with no override of ${list}. The suite sets \`${setting.name}\`, which the app's database code reads, so requests probably reach the test database; smoke-lint cannot be sure`,
        hint: `Overriding the dependency makes the choice explicit: \`${overrideLine}\`.`,
      });
      return;
    }
    const devSet = setting?.verdict === 'dev' && setting.set ? setting.set : null;
    const where = devSet?.runner ? ` in ${devSet.runner.label}` : devSet?.file ? ` in ${project.relative(devSet.file.path)}${devSet.node ? `:${devSet.node.startPosition.row + 1}` : ''}` : ' in the pytest configuration';
    const own = devSet
      ? `the suite sets \`${devSet.name}\`${where}, which the app's database code reads, to a URL on port ${config.devPort} of this machine: the development database, not a test one`
      : 'the engine the app builds for itself (the development database), not the test database';
    const throughHelpers = [...overridden.helpers].map(([helper, given]) => `\`${helper}\` is only given ${given.size ? [...given].map((name) => `\`${name}\``).join(', ') : 'nothing (no test calls it)'}`);
    const helperNote = throughHelpers.length ? ` (overrides are set through a helper: ${throughHelpers.join('; ')})` : '';
    report({
      file: client.file,
      range: nodeRange(client.call),
      message: `The ${clientText} runs the app on its own database: no fixture sets \`app.dependency_overrides\` for ${list}${helperNote}; every request the tests make opens a session on ${devSet ? 'the database the app is configured for, and ' + own : own}`,
      hint: `In the client fixture, before the client starts: \`${overrideLine}\` with an override that ${/agent/.test(missing[0]!.reason) ? 'returns the test DB agent' : 'yields a session on the test engine'}, and \`app.dependency_overrides.clear()\` after it.`,
    });
  },
});
