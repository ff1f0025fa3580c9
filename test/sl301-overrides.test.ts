// SL301's reading of what a suite does to the app's database: overrides set through a helper (read at
// its call sites) and environment variables set for the app's settings (value, and before or after the
// app's import). Each case is a small project on disk, linted with SL301 only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { lint } from '../src/engine.js';
import { makeTempProject } from './project.js';

const DATABASE = `import os

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

engine = create_engine(os.getenv("DATABASE_URL", "postgresql://app:app@localhost:5432/app"))


def get_session():
    with Session(engine) as session:
        yield session
`;

const AUTH = `def current_user():
    return {"name": "someone"}
`;

const MAIN = `from fastapi import Depends, FastAPI

from app.auth import current_user
from app.database import get_session

app = FastAPI()


@app.get("/me")
def me(user=Depends(current_user), session=Depends(get_session)):
    return user
`;

const GATE = `import os

import pytest

pytestmark = pytest.mark.skipif(os.getenv("RUN_INTEGRATION_TESTS") != "true", reason="Set RUN_INTEGRATION_TESTS=true to run.")
`;

async function sl301(files: Record<string, string>): Promise<Array<{ severity: string; message: string; where: string }>> {
  const root = makeTempProject({ 'app/__init__.py': '', 'app/auth.py': AUTH, 'app/database.py': DATABASE, 'app/main.py': MAIN, 'tests/__init__.py': '', ...files });
  try {
    const report = await lint({ paths: [root], cwd: root, select: ['SL301'] });
    assert.deepEqual(report.errors, []);
    return report.diagnostics.map((d) => ({ severity: d.severity, message: d.message, where: `${d.file.path.slice(root.length + 1)}:${d.range.start.line}` }));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const CLIENT_WITH_HELPER = `import pytest
from fastapi.testclient import TestClient

from app.main import app


@pytest.fixture
def client():
    with TestClient(app) as c:
        yield c
    app.dependency_overrides.clear()


def swap(dependency, value):
    app.dependency_overrides[dependency] = lambda: value
`;

test('a helper given only the auth dependency leaves the DB dependency to the app', async () => {
  const found = await sl301({
    'tests/conftest.py': CLIENT_WITH_HELPER,
    'tests/test_me.py': `${GATE}\nfrom app.auth import current_user\nfrom tests.conftest import swap\n\n\ndef test_me(client):\n    swap(current_user, {"name": "ada"})\n    assert client.get("/me").status_code == 200\n`,
  });
  assert.equal(found.length, 1);
  assert.equal(found[0]!.severity, 'error');
  assert.match(found[0]!.message, /`get_session`/);
  assert.match(found[0]!.message, /`swap` is only given `current_user`/);
});

test('a helper no test calls overrides nothing', async () => {
  const found = await sl301({ 'tests/conftest.py': CLIENT_WITH_HELPER, 'tests/test_me.py': `${GATE}

def test_me(client):
    assert client.get("/me").status_code == 200
` });
  assert.equal(found.length, 1);
  assert.match(found[0]!.message, /`swap` is only given nothing \(no test calls it\)/);
});

test('a helper called by keyword with the DB dependency overrides it', async () => {
  const found = await sl301({
    'tests/conftest.py': CLIENT_WITH_HELPER,
    'tests/test_me.py': `${GATE}\nfrom app.database import get_session\nfrom tests.conftest import swap\n\n\ndef test_me(client):\n    swap(value=None, dependency=get_session)\n    assert client.get("/me").status_code == 200\n`,
  });
  assert.deepEqual(found, []);
});

test('a helper called with *args, through a module object, or passed around is not read: silent', async () => {
  for (const body of [
    '    swap(*(current_user, None))\n',
    '    conftest_module.swap(current_user, None)\n',
    '    apply = swap\n    apply(current_user, None)\n',
  ]) {
    const found = await sl301({
      'tests/conftest.py': CLIENT_WITH_HELPER,
      'tests/test_me.py': `${GATE}\nfrom app.auth import current_user\nfrom tests import conftest as conftest_module\nfrom tests.conftest import swap\n\n\ndef test_me(client):\n${body}    assert client.get("/me").status_code == 200\n`,
    });
    assert.deepEqual(found, [], body);
  }
});

test('a helper that rebinds its parameter before the set is not read: silent', async () => {
  const conftest = CLIENT_WITH_HELPER.replace('def swap(dependency, value):\n', 'def swap(dependency, value):\n    dependency = DEPENDENCIES[dependency]\n');
  const found = await sl301({
    'tests/conftest.py': `${conftest}\n\nDEPENDENCIES = {}\n`,
    'tests/test_me.py': `${GATE}\nfrom app.auth import current_user\nfrom tests.conftest import swap\n\n\ndef test_me(client):\n    swap(current_user, None)\n    assert client.get("/me").status_code == 200\n`,
  });
  assert.deepEqual(found, []);
});

const PLAIN_CLIENT = `import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def client():
    from app.main import app

    with TestClient(app) as c:
        yield c
`;

const TEST_ME = `${GATE}\n\ndef test_me(client):\n    assert client.get("/me").status_code == 200\n`;

test('a test URL set in pytest_configure after a module-level app import is not known to be seen: info', async () => {
  const found = await sl301({
    'tests/conftest.py': `import os\n\nfrom app.main import app  # noqa: F401\n\n\ndef pytest_configure(config):\n    os.environ["DATABASE_URL"] = "postgresql://t:t@localhost:5433/app_test"\n\n${PLAIN_CLIENT}`,
    'tests/test_me.py': TEST_ME,
  });
  assert.equal(found.length, 1);
  assert.equal(found[0]!.severity, 'info');
  assert.match(found[0]!.message, /only after the app's modules are imported/);
});

test('a dev URL from pytest-env is the development database: error naming the configuration', async () => {
  const found = await sl301({
    'pyproject.toml': '[project]\nname = "demo"\nversion = "0.1.0"\n\n[tool.pytest.ini_options]\nenv = ["DATABASE_URL=postgresql://app:app@127.0.0.1:5432/app"]\n',
    'tests/conftest.py': PLAIN_CLIENT,
    'tests/test_me.py': TEST_ME,
  });
  assert.equal(found.length, 1);
  assert.equal(found[0]!.severity, 'error');
  assert.match(found[0]!.message, /`DATABASE_URL` in the pytest configuration/);
});

test('a test URL on another host set before the app is imported is silent; a flag the settings read is info', async () => {
  const remote = await sl301({
    'tests/conftest.py': `import os\n\nos.environ["DATABASE_URL"] = "postgresql://t:t@db-test:5432/app_test"\n\n${PLAIN_CLIENT}`,
    'tests/test_me.py': TEST_ME,
  });
  assert.deepEqual(remote, []);
  const flag = await sl301({
    'app/database.py': DATABASE.replace('engine = ', 'TESTING = os.getenv("TESTING") == "1"\nengine = '),
    'tests/conftest.py': `import os\n\nos.environ["TESTING"] = "1"\n\n${PLAIN_CLIENT}`,
    'tests/test_me.py': TEST_ME,
  });
  assert.equal(flag.length, 1);
  assert.equal(flag[0]!.severity, 'info');
});

const RUNNER = (url: string): string => `#!/usr/bin/env bash
set -euo pipefail
export DATABASE_URL="${url}"
RUN_INTEGRATION_TESTS=true pytest tests
`;

test("a runner's export of the URL counts: a test URL is silent, a dev URL an error naming the runner", async () => {
  const silent = await sl301({ 'scripts/test-integration.sh': RUNNER('postgresql://t:t@localhost:5433/app_test'), 'tests/conftest.py': PLAIN_CLIENT, 'tests/test_me.py': TEST_ME });
  assert.deepEqual(silent, []);
  const dev = await sl301({ 'scripts/test-integration.sh': RUNNER('postgresql://app:app@localhost:5432/app'), 'tests/conftest.py': PLAIN_CLIENT, 'tests/test_me.py': TEST_ME });
  assert.equal(dev.length, 1);
  assert.equal(dev[0]!.severity, 'error');
  assert.match(dev[0]!.message, /`DATABASE_URL` in `scripts\/test-integration.sh`/);  // Another export the database code reads (an environment flag) says nothing about the database: still an error.
  const flag = await sl301({
    'app/database.py': DATABASE.replace('engine = ', 'ECHO = os.getenv("APP_ENV") == "development"\nengine = '),
    'scripts/test-integration.sh': '#!/usr/bin/env bash\nAPP_ENV=development RUN_INTEGRATION_TESTS=true pytest tests\n',
    'tests/conftest.py': PLAIN_CLIENT,
    'tests/test_me.py': TEST_ME,
  });
  assert.equal(flag.length, 1);
  assert.equal(flag[0]!.severity, 'error');
});

test('a CI job exporting a URL on port 5432 of the runner points at its service, not a dev database: silent', async () => {
  const workflow = `name: tests
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    services:
      postgres:
        image: postgres:17
        ports: ["5432:5432"]
    steps:
      - uses: actions/checkout@v4
      - run: pytest tests
        env:
          RUN_INTEGRATION_TESTS: "true"
          DATABASE_URL: postgresql://postgres:postgres@localhost:5432/app_test
`;
  const found = await sl301({ '.github/workflows/tests.yml': workflow, 'tests/conftest.py': PLAIN_CLIENT, 'tests/test_me.py': TEST_ME });
  assert.deepEqual(found, []);
});
