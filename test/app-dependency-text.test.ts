// The app model judges each `Depends` target (does it give a database session or agent?), and passes over,
// without parsing its module, a target whose module's text shows it cannot be one (src/model/app/model.ts,
// `judge`; src/model/app/db-dependency.ts, `textRulesOutDbReason`). These tests hold the model to finding
// what judging every target in full finds, on every fixture project and on near misses written for it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appModel, clearFileSystemCache } from '../src/model/app.js';
import { dbReason, sessionFactoryNames, textRulesOutDbReason } from '../src/model/app/db-dependency.js';
import { symbolKey, type AppModel } from '../src/model/app/types.js';
import { defaultSuites } from '../src/model/discovery.js';
import { buildSuite } from '../src/model/suite.js';
import { caseProject, findCases } from './fixture-case.js';
import { makeTempProject, projectModel, recordLoads } from './project.js';

/** The DB dependencies found by following and judging every `Depends` target in full, as the model did before. */
function judgedInFull(model: AppModel, configured: readonly string[]): string[] {
  const factories = sessionFactoryNames(model.packageModules);
  const found = new Set<string>();
  for (const use of model.depends) {
    const target = use.target;
    if (!target?.fn || !target.module) continue;
    if (dbReason(target.module, target.fn, factories) !== null || configured.includes(target.name)) found.add(symbolKey(target));
  }
  return [...found].sort();
}

function found(model: AppModel): string[] {
  return model.dbDependencies.map((dependency) => symbolKey(dependency.symbol)).sort();
}

describe('a Depends target ruled out by its module text', () => {
  const none = new Set<string>();

  it('is one defined by a def at the top of a module that spells no session, agent or factory', () => {
    const auth = 'import hmac\n\n\ndef current_user(token: str = Header(None)) -> str:\n    return verify(token)\n';
    assert.equal(textRulesOutDbReason(auth, 'current_user', none, []), true);
    assert.equal(textRulesOutDbReason(auth.replace('def', 'async def'), 'current_user', none, []), true);
    // A longer name holding it is no use of it; nor is a name that ends in it.
    assert.equal(textRulesOutDbReason(`${auth}\ncurrent_user_id = 3\nmy_current_user = 4\n`, 'current_user', none, []), true);
  });

  it('is not one the text cannot vouch for', () => {
    const def = 'def current_user():\n    return make()\n';
    const cases: Array<[string, string | null, string, Set<string>, string[]]> = [
      ['the module spells Session', `from sqlalchemy.orm import Session\n${def}`, 'current_user', none, []],
      ['the module spells session in lower case', `${def}# uses the db session\n`, 'current_user', none, []],
      ['the module spells an agent', `${def}\nx = request.app.state.DbAgent\n`, 'current_user', none, []],
      ['the module spells a session factory of the package', def, 'current_user', new Set(['make']), []],
      ['the name is a configured DB dependency', def, 'current_user', none, ['current_user']],
      ['the name is imported', `from .db import get_db as current_user\n${def}`, 'current_user', none, []],
      ['the name is assigned', `${def}current_user = other\n`, 'current_user', none, []],
      ['the name is in a comment', `${def}# current_user: see above\n`, 'current_user', none, []],
      ['the def is not at the top of any line', `class Users:\n    def current_user(self):\n        return 1\n`, 'current_user', none, []],
      ['the def is continued onto a second line', 'def \\\n  current_user():\n    return 1\n', 'current_user', none, []],
      ['the name is never spelled', 'def other():\n    return 1\n', 'current_user', none, []],
      ['the text is unknown', null, 'current_user', none, []],
    ];
    for (const [what, text, name, factories, configured] of cases) {
      assert.equal(textRulesOutDbReason(text, name, factories, configured), false, what);
    }
  });
});

describe('the app model judging Depends targets', () => {
  it('finds what judging every target in full finds, on every fixture project', () => {
    let suites = 0;
    let dependencies = 0;
    let ruledOut = 0;
    for (const fixture of findCases()) {
      const { project, dispose } = caseProject(fixture);
      try {
        clearFileSystemCache();
        const model = projectModel(project);
        for (const spec of defaultSuites(model)) {
          const app = appModel(buildSuite(model, spec.name));
          if (!app.dbFromApp) continue;
          suites++;
          dependencies += app.dbDependencies.length;
          assert.deepEqual(found(app), judgedInFull(app, model.config.dbDependencies), `${fixture.name}: ${spec.name}`);
          const factories = sessionFactoryNames(app.packageModules);
          for (const use of app.depends) {
            const target = use.target;
            if (target?.module && textRulesOutDbReason(target.module.file.text, target.name, factories, model.config.dbDependencies)) ruledOut++;
          }
        }
      } finally {
        dispose();
      }
    }
    assert.ok(suites > 20 && dependencies > 20 && ruledOut > 10, `suites with an app (${suites}), DB dependencies (${dependencies}) and targets ruled out by their text (${ruledOut})`);
  });

  const base = {
    'pyproject.toml': '[project]\nname = "shop"\n\n[tool.pytest.ini_options]\npythonpath = ["."]\n',
    'shop/__init__.py': '',
    'shop/db.py':
      'from sqlalchemy import create_engine\nfrom sqlalchemy.orm import sessionmaker\n\nengine = create_engine("postgresql://app:app@localhost:5432/shop")\nSessionLocal = sessionmaker(bind=engine)\nNewDb = sessionmaker(bind=engine)\n\n\ndef get_session():\n    with SessionLocal() as session:\n        yield session\n',
    'shop/main.py':
      'from fastapi import Depends, FastAPI\n\nfrom shop.auth import current_user\nfrom shop.db import get_session\n\napp = FastAPI()\n\n\n@app.get("/orders")\ndef orders(user=Depends(current_user), session=Depends(get_session)):\n    return session.orders(user)\n',
    'tests/integration/conftest.py':
      'import pytest\nfrom fastapi.testclient import TestClient\n\nfrom shop.main import app\n\n\n@pytest.fixture\ndef client():\n    with TestClient(app) as c:\n        yield c\n',
    'tests/integration/test_orders.py': 'def test_orders(client):\n    assert client.get("/orders").status_code == 200\n',
  };

  function modelOf(auth: string): { model: AppModel; parsed: ReadonlySet<string> } {
    const root = makeTempProject({ ...base, 'shop/auth.py': auth });
    clearFileSystemCache();
    const project = projectModel(root);
    const parsed = recordLoads(project);
    return { model: appModel(buildSuite(project, 'tests/integration')), parsed };
  }

  it('does not parse an auth module that cannot give a session, and still follows its target when asked', () => {
    const { model, parsed } = modelOf('import hmac\n\n\ndef current_user(token: str) -> str:\n    return token.split(".")[0]\n');
    assert.deepEqual(found(model), ['shop.db:get_session']);
    assert.ok(!parsed.has('shop/auth.py'), 'shop/auth.py was parsed');
    const use = model.depends.find((candidate) => candidate.argument?.text === 'current_user')!;
    assert.equal(use.target?.kind, 'function');
    assert.equal(use.target?.fn?.name, 'current_user');
    assert.ok(parsed.has('shop/auth.py'), 'the target was followed into shop/auth.py when asked for');
  });

  it('judges a target whose module may give a session: by a factory, an agent, a re-export', () => {
    const cases: Array<[string, string, string[]]> = [
      ['a factory of the package', 'from shop.db import SessionLocal\n\n\ndef current_user():\n    db = SessionLocal()\n    return db\n', ['shop.auth:current_user', 'shop.db:get_session']],
      ['a factory of the package whose name spells no session', 'from shop.db import NewDb\n\n\ndef current_user():\n    return NewDb()\n', ['shop.auth:current_user', 'shop.db:get_session']],
      ['a DB agent', 'def current_user(request):\n    return request.app.state.dbagent\n', ['shop.auth:current_user', 'shop.db:get_session']],
      ['a re-export of the session dependency', 'from shop.db import get_session as current_user\n', ['shop.db:get_session']],
    ];
    for (const [what, auth, expected] of cases) {
      const { model, parsed } = modelOf(auth);
      assert.deepEqual(found(model), expected, what);
      assert.ok(parsed.has('shop/auth.py'), `${what}: shop/auth.py was judged`);
    }
  });
});
