// The app model reads every module of the app's package for its `Depends` uses, routers and session
// factories, but parses only the modules whose text can hold one: an app of hundreds of models and schemas
// is not parsed for each suite. What it finds must be what reading every module finds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { appModel, clearFileSystemCache } from '../src/model/app.js';
import { buildSuite } from '../src/model/suite.js';
import { makeTempProject, projectModel, recordLoads } from './project.js';

const files = {
  'pyproject.toml': '[project]\nname = "shop"\n\n[tool.pytest.ini_options]\npythonpath = ["."]\n',
  'shop/__init__.py': '',
  'shop/main.py': 'from fastapi import FastAPI\n\nfrom shop.routers import orders\n\napp = FastAPI()\napp.include_router(orders.router)\n',
  // `Depends` under another name: the import still spells it.
  'shop/routers/__init__.py': '',
  'shop/routers/orders.py':
    'from fastapi import APIRouter\nfrom fastapi import Depends as Needs\n\nfrom shop.db import get_session\n\nrouter = APIRouter()\n\n\n@router.get("/orders")\ndef orders(session=Needs(get_session)):\n    return session.query_orders()\n',
  'shop/db.py':
    'from sqlalchemy import create_engine\nfrom sqlalchemy.orm import sessionmaker as maker\n\nengine = create_engine("postgresql://app:app@localhost:5432/shop")\nSessionLocal = maker(bind=engine)\n\n\ndef get_session():\n    session = SessionLocal()\n    try:\n        yield session\n    finally:\n        session.close()\n',
  'shop/schemas.py': 'from pydantic import BaseModel\n\n\nclass Order(BaseModel):\n    id: int\n    total: float\n',
  'shop/pricing.py': 'def total(lines):\n    return sum(price * count for price, count in lines)\n',
  'tests/integration/conftest.py':
    'import pytest\nfrom fastapi.testclient import TestClient\n\nfrom shop.main import app\n\n\n@pytest.fixture\ndef client():\n    with TestClient(app) as c:\n        yield c\n',
  'tests/integration/test_orders.py': 'def test_orders(client):\n    assert client.get("/orders").status_code == 200\n',
};

test('the Depends of a router module, under an alias, and its session factory are found; modules without those words are not parsed', () => {
  const root = makeTempProject(files);
  clearFileSystemCache();
  const project = projectModel(root);
  const parsed = recordLoads(project);
  const suite = buildSuite(project, 'tests/integration');
  const model = appModel(suite);
  assert.equal(model.app?.packageDir, path.join(root, 'shop'));
  assert.deepEqual(model.depends.map((use) => use.ref.dotted), ['shop.routers.orders']);
  assert.deepEqual(model.dbDependencies.map((dependency) => dependency.symbol.name), ['get_session']);
  assert.equal(model.routesIncomplete, false);
  // Every module of the package is known to the model, and can still be parsed when asked for.
  const known = model.packageModules.map((ref) => ref.dotted).sort();
  assert.deepEqual(known, ['shop', 'shop.db', 'shop.main', 'shop.pricing', 'shop.routers', 'shop.routers.orders', 'shop.schemas']);
  assert.ok(parsed.has('shop/routers/orders.py') && parsed.has('shop/db.py'));
  for (const unread of ['shop/schemas.py', 'shop/pricing.py']) assert.ok(!parsed.has(unread), `${unread} was parsed`);
  const schemas = model.packageModules.find((ref) => ref.dotted === 'shop.schemas')!;
  assert.match(schemas.text() ?? '', /class Order/);
  assert.equal(schemas.source?.tree?.rootNode.type, 'module');
});
