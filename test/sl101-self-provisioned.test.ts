// SL101 says what a plain run really does: a suite that starts its own PostgreSQL (testcontainers,
// pytest-postgresql) does not run "against whatever database is up".
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { lint } from '../src/engine.js';
import { makeTempProject } from './project.js';

const made: string[] = [];
after(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const TEST = 'def test_rows(engine):\n    with engine.connect() as c:\n        c.exec_driver_sql("SELECT 1")\n';

async function messages(conftest: string): Promise<string[]> {
  const root = makeTempProject({ 'tests/integration/conftest.py': conftest, 'tests/integration/test_rows.py': TEST });
  made.push(root);
  const report = await lint({ paths: [root], cwd: root, select: ['SL101'] });
  return report.diagnostics.map((d) => d.message);
}

describe('SL101 on a suite that provisions its own database', () => {
  it('names the container it starts, not "whatever database is up"', async () => {
    const found = await messages(
      'import pytest\nfrom sqlalchemy import create_engine\nfrom testcontainers.postgres import PostgresContainer\n\n\n@pytest.fixture(scope="session")\ndef engine():\n    with PostgresContainer("postgres:16") as pg:\n        engine = create_engine(pg.get_connection_url())\n        yield engine\n        engine.dispose()\n',
    );
    assert.equal(found.length, 1);
    assert.match(found[0]!, /starts the testcontainers .*needs Docker/);
    assert.doesNotMatch(found[0]!, /whatever database/);
  });

  it('keeps "whatever database is up" when the suite connects to a database it does not start', async () => {
    const found = await messages(
      'import pytest\nfrom sqlalchemy import create_engine\n\n\n@pytest.fixture(scope="session")\ndef engine():\n    engine = create_engine("postgresql://t:t@localhost:5433/t")\n    yield engine\n    engine.dispose()\n',
    );
    assert.equal(found.length, 1);
    assert.match(found[0]!, /whatever database is up/);
  });
});
