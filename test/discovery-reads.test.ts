// Finding suites by content does not parse a test module whose text and conftests show it cannot be
// integration evidence (src/model/discovery.ts, `mayBeEvidence`): these tests hold it to never passing
// over a module that is evidence, on every fixture project and on modules written to be near misses.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { DiscoveredFile } from '../src/discover.js';
import { defaultSuites, FixtureModuleIndex, integrationEvidence } from '../src/model/discovery.js';
import type { Project } from '../src/model/project.js';
import { caseProject, findCases } from './fixture-case.js';
import { makeTempProject, projectModel } from './project.js';

/**
 * Finds the project's suites by default, noting the test modules it passed over without parsing (those
 * whose text ruled them out, `ruledOutByText`), then checks each of them with a full reading: no evidence. Returns them,
 * relative to the root.
 */
function passedOver(root: string): { project: Project; skipped: string[] } {
  const project = projectModel(root);
  const skipped: string[] = [];
  const ruledOutByText = project.ruledOutByText.bind(project);
  project.ruledOutByText = (filePath, mayMatter) => {
    const ruledOut = ruledOutByText(filePath, mayMatter);
    if (ruledOut && filePath.endsWith('.py')) skipped.push(filePath);
    return ruledOut;
  };
  defaultSuites(project);
  const conftests = new Map<string, DiscoveredFile>();
  for (const file of project.discovered) if (path.basename(file.path) === 'conftest.py') conftests.set(path.dirname(file.path), file);
  const index = new FixtureModuleIndex(project, conftests);
  for (const filePath of skipped) {
    const file = project.load(project.files.get(filePath)!);
    assert.ok(file, filePath);
    const evidence = integrationEvidence(file, index);
    assert.equal(evidence, null, `${project.relative(filePath)} is integration evidence (${evidence?.resource.what}), and discovery did not read it`);
  }
  return { project, skipped: skipped.map((filePath) => project.relative(filePath)).sort() };
}

const APP = 'from fastapi import FastAPI\napp = FastAPI()\n';

describe('finding suites by content, and the test modules it does not read', () => {
  it('passes over no evidence on every fixture project, and passes over some unit tests', () => {
    let skipped = 0;
    for (const fixture of findCases()) {
      const { project, dispose } = caseProject(fixture);
      try {
        skipped += passedOver(project).skipped.length;
      } finally {
        dispose();
      }
    }
    assert.ok(skipped > 10, `some test modules were passed over (${skipped})`);
  });

  it('reads a module that asks for a conftest fixture building a resource, directly or through another, builds one itself, imports fixtures or gets an autouse one', () => {
    const root = makeTempProject({
      'app/__init__.py': '',
      'app/main.py': APP,
      'tests/__init__.py': '',
      'tests/conftest.py': [
        'import pytest',
        'from fastapi.testclient import TestClient',
        'from sqlalchemy import create_engine',
        'from app.main import app',
        '',
        '@pytest.fixture',
        'def api():',
        '    return TestClient(app)',
        '',
        '@pytest.fixture',
        'def wrapper(api):',
        '    return api',
        '',
        '@pytest.fixture',
        'def memory_db():',
        '    return create_engine("sqlite://")',
        '',
      ].join('\n'),
      'tests/helpers.py': 'import pytest\nfrom fastapi.testclient import TestClient\nfrom app.main import app\n\n@pytest.fixture\ndef session_client():\n    return TestClient(app)\n',
      // Passed over: no fixture it asks for builds anything.
      'tests/test_plain.py': 'def test_sum():\n    assert 1 + 1 == 2\n',
      'tests/test_memory.py': 'def test_memory(memory_db):\n    assert memory_db is not None\n',
      // Read: a fixture that builds a client, directly and through another.
      'tests/test_api.py': 'def test_health(api):\n    assert api.get("/health").status_code == 200\n',
      'tests/test_wrapped.py': 'def test_wrapped(wrapper):\n    assert wrapper\n',
      // Read: builds the client itself, under another name.
      'tests/test_own_client.py': 'from fastapi.testclient import TestClient as Make\nfrom app.main import app\n\ndef test_it():\n    assert Make(app)\n',
      // Read: imports a module that defines fixtures.
      'tests/test_imports.py': 'from tests.helpers import *\n\ndef test_with(session_client):\n    assert session_client\n',
      // Read: an autouse fixture of its conftest opens a PostgreSQL engine.
      'other_tests/conftest.py': 'import pytest\nfrom sqlalchemy import create_engine\n\n@pytest.fixture(autouse=True)\ndef db():\n    yield create_engine("postgresql://u:p@localhost:5433/t")\n',
      'other_tests/test_auto.py': 'def test_nothing():\n    pass\n',
    });
    const { skipped } = passedOver(root);
    assert.deepEqual(skipped, ['tests/test_memory.py', 'tests/test_plain.py']);
  });

  it('reads a module that defines a fixture building a resource through a project helper, or names a plugin', () => {
    const root = makeTempProject({
      'app/__init__.py': '',
      'app/main.py': APP,
      'tests/__init__.py': '',
      'tests/dbhelp.py': 'from testcontainers.postgres import PostgresContainer\n\ndef start_db():\n    return PostgresContainer("postgres:16").start()\n',
      'tests/plugin_api.py': 'import pytest\nfrom fastapi.testclient import TestClient\nfrom app.main import app\n\n@pytest.fixture\ndef api():\n    return TestClient(app)\n',
      // Its own fixture builds the database through a helper whose module defines no fixture.
      'tests/test_own_fixture.py': 'import pytest\nfrom tests.dbhelp import start_db\n\n@pytest.fixture\ndef db():\n    return start_db()\n\ndef test_it(db):\n    pass\n',
      // A plugin module, named by the test module itself.
      'tests/test_plugin.py': 'pytest_plugins = ["tests.plugin_api"]\n\ndef test_it(api):\n    pass\n',
    });
    assert.deepEqual(passedOver(root).skipped, []);
  });

  it('reads a module whose imports it cannot read whole, and one importing fixtures from a module with a name beyond ASCII', () => {
    const names = Array.from({ length: 600 }, (_, index) => `name_${index}`).join(', ');
    const root = makeTempProject({
      'tests/__init__.py': '',
      'tests/helpers.py': 'import pytest\n\n@pytest.fixture\ndef token():\n    return "t"\n',
      'tests/données.py': 'import pytest\n\n@pytest.fixture\ndef jeton():\n    return "t"\n',
      // Over 4,096 characters of names: the last may be a fixture module.
      'tests/test_long.py': `from tests import ${names}, helpers\n\ndef test_it():\n    pass\n`,
      'tests/test_unclosed.py': `from tests.helpers import (\n    ${names.replace(/, /g, ',\n    ')},\n    token,\n)\n\ndef test_it():\n    pass\n`,
      'tests/test_unicode.py': 'from tests.données import *\n\ndef test_it(jeton):\n    pass\n',
      // The module, as a name imported from its package (a submodule).
      'tests/test_unicode_name.py': 'from tests import données\n\ndef test_it(jeton):\n    pass\n',
      'tests/test_short.py': 'from tests import name_1, name_2\n\ndef test_it():\n    pass\n',
    });
    assert.deepEqual(passedOver(root).skipped, ['tests/test_short.py']);
  });

  it('reads a module that builds a client or a database with any call discovery knows', () => {
    const builds: Record<string, string> = {
      testclient: 'from fastapi.testclient import TestClient\nfrom app.main import app\nc = TestClient(app)\n',
      httpx: 'import httpx\nfrom app.main import app\nc = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))\n',
      httpx_app: 'from httpx import Client as C\nfrom app.main import app\nc = C(app=app)\n',
      lifespan: 'from asgi_lifespan import LifespanManager\nfrom app.main import app\nm = LifespanManager(app)\n',
      engine: 'from sqlalchemy import create_engine\ne = create_engine(URL)\n',
      async_engine: 'import sqlalchemy.ext.asyncio as sa\ne = sa.create_async_engine(URL)\n',
      psycopg: 'import psycopg as pg\nc = pg.connect("dbname=t")\n',
      asyncpg: 'from asyncpg import create_pool as pool\np = pool(DSN)\n',
      transport: 'from httpx import ASGITransport\nfrom app.main import app\nt = ASGITransport(app=app)\n',
      container: 'from testcontainers.postgres import PostgresContainer\nc = PostgresContainer("postgres:16")\n',
      docker: 'import docker\nclient = docker.from_env()\nc = client.containers.run("postgres:16", detach=True)\n',
      docker_chained: 'import docker\nc = docker.from_env().containers.run("postgres:16", detach=True)\n',
      plugin: 'from pytest_postgresql import factories\npg = factories.postgresql_proc(port=5433)\n',
      agent: 'from app.db import DBAgent\na = DBAgent(postgres_str="postgresql://localhost/t")\n',
    };
    const files: Record<string, string> = { 'app/__init__.py': '', 'app/main.py': APP };
    for (const [name, text] of Object.entries(builds)) files[`checks/test_${name}.py`] = `${text}\ndef test_it():\n    pass\n`;
    const { project, skipped } = passedOver(makeTempProject(files));
    assert.deepEqual(skipped, []);
    const found = defaultSuites(project).flatMap((spec) => [...spec.evidence.keys()].map((file) => path.basename(file)));
    assert.deepEqual(found.sort(), Object.keys(builds).map((name) => `test_${name}.py`).sort(), 'each module is evidence');
  });
});
