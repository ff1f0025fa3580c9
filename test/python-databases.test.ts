// Databases the suite's Python starts (src/readers/python-databases.ts) are read from its fixture and test
// modules and the project modules they import from; of those, only the ones whose text names a database
// are parsed: a suite that imports the app's models and settings does not parse them for this.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSuite } from '../src/model/suite.js';
import { pythonDatabases } from '../src/readers/python-databases.js';
import { clearFileSystemCache } from '../src/model/app/sys-path.js';
import { makeTempProject, projectModel, recordLoads } from './project.js';

test('a testcontainers helper the conftest imports is read; an imported module that names no database is not parsed', () => {
  const root = makeTempProject({
    'pyproject.toml': '[project]\nname = "ledger"\n\n[tool.pytest.ini_options]\npythonpath = ["."]\n',
    'ledger/__init__.py': '',
    'ledger/models.py': 'class Entry:\n    amount = 0\n',
    'tests/__init__.py': '',
    'tests/support/__init__.py': '',
    'tests/support/database.py':
      'from testcontainers.postgres import PostgresContainer\n\n\ndef start_database():\n    container = PostgresContainer("postgres:16")\n    container.start()\n    return container\n',
    'tests/integration/conftest.py':
      'import pytest\n\nfrom ledger.models import Entry\nfrom tests.support.database import start_database\n\n\n@pytest.fixture(scope="session")\ndef database():\n    container = start_database()\n    yield container.get_connection_url()\n    container.stop()\n',
    'tests/integration/test_entries.py': 'def test_entry(database):\n    assert database\n',
  });
  clearFileSystemCache();
  const project = projectModel(root);
  const suite = buildSuite(project, 'tests/integration');
  const parsed = recordLoads(project);
  const found = pythonDatabases(suite).map((definition) => `${definition.kind} ${definition.image?.text.value ?? '-'} ${project.relative(definition.file.path)}`);
  assert.deepEqual(found, ['testcontainers postgres:16 tests/support/database.py']);
  assert.ok(!parsed.has('ledger/models.py'), `parsed: ${[...parsed].join(', ')}`);
});
