// Suite.fixtureModules: every module pytest loads fixtures from for a suite.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { buildSuite, Project } from '../src/model/suite.js';
import { projectModel, recordLoads } from './project.js';
import { tempDir } from './temp-dir.js';


function project(files: Record<string, string>): Project {
  const root = tempDir('smoke-lint-fixmods-');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return projectModel(root);
}

const FIXTURE = (name: string) => `import pytest\n\n@pytest.fixture\ndef ${name}():\n    yield 1\n`;

describe('Suite.fixtureModules', () => {
  it('lists conftests outermost first, then pytest_plugins modules, star imports and imported fixture modules', () => {
    const p = project({
      'pyproject.toml': '[project]\nname = "shop"\n',
      'backend/conftest.py': 'pytest_plugins = ["backend.plugins.db"]\n',
      'backend/plugins/__init__.py': '',
      'backend/plugins/db.py': 'pytest_plugins = "backend.plugins.more"\n' + FIXTURE('engine'),
      'backend/plugins/more.py': FIXTURE('more'),
      'backend/plugins/plain.py': 'X = 1\n',
      'backend/tests/integration/conftest.py': 'from .shared import *\nfrom backend.plugins import plain\n',
      'backend/tests/integration/shared.py': FIXTURE('client'),
      'backend/tests/integration/helpers.py': FIXTURE('token'),
      'backend/tests/integration/test_items.py': 'from .helpers import token\n\ndef test_x(client, token):\n    pass\n',
    });
    const suite = buildSuite(p, 'backend/tests/integration');
    const listed = suite.fixtureModules.map((m) => `${p.relative(m.file.path)} ${m.via} ${m.from ? p.relative(m.from.path) : '-'} ${p.relative(m.scope) || '.'}`);
    assert.deepEqual(listed, [
      'backend/conftest.py conftest - backend',
      'backend/tests/integration/conftest.py conftest - backend/tests/integration',
      'backend/tests/integration/helpers.py import backend/tests/integration/test_items.py backend/tests/integration/test_items.py',
      'backend/plugins/db.py pytest_plugins backend/conftest.py .',
      'backend/tests/integration/shared.py star-import backend/tests/integration/conftest.py backend/tests/integration',
      'backend/plugins/more.py pytest_plugins backend/plugins/db.py .',
    ]);
  });

  it('skips imports that define no fixtures and modules outside the project', () => {
    const p = project({
      'pyproject.toml': '[project]\nname = "shop"\n',
      'tests/integration/conftest.py': 'from fastapi.testclient import TestClient\nfrom app.main import app\n',
      'app/__init__.py': '',
      'app/main.py': 'app = object()\n',
      'tests/integration/test_a.py': 'def test_a():\n    pass\n',
    });
    const suite = buildSuite(p, 'tests/integration');
    assert.deepEqual(suite.fixtureModules.map((m) => p.relative(m.file.path)), ['tests/integration/conftest.py']);
  });

  it('parses only the imported modules whose text can define a fixture, under any name it is imported as', () => {
    const p = project({
      'pyproject.toml': '[project]\nname = "shop"\n\n[tool.pytest.ini_options]\npythonpath = ["."]\n',
      'app/__init__.py': '',
      'app/models.py': 'class Order:\n    total = 0\n',
      'app/settings.py': 'DATABASE_URL = "postgresql://t:t@localhost:5433/shop_test"\n',
      'tests/__init__.py': '',
      // A fixture under another name: the import still spells it.
      'tests/support.py': 'from pytest import fixture as provides\n\n@provides\ndef order():\n    return 1\n',
      'tests/integration/test_orders.py': 'from app.models import Order\nfrom app.settings import DATABASE_URL\nfrom tests.support import order\n\ndef test_total(order):\n    assert Order.total == 0\n',
    });
    const parsed = recordLoads(p);
    const suite = buildSuite(p, 'tests/integration');
    assert.deepEqual(suite.fixtureModules.map((m) => `${p.relative(m.file.path)} ${m.via}`), ['tests/support.py import']);
    assert.ok(!parsed.has('app/models.py') && !parsed.has('app/settings.py'), `parsed: ${[...parsed].join(', ')}`);
  });
});
