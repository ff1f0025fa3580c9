// The practice's four files, written the way the clean example project writes them: the skill's
// templates without their known defects (gate in the test module, not the conftest; `pg_isready -h`;
// teardown on `trap ... EXIT` with pytest's status kept; `docker rm -f` before the run; postgres:17 on
// tmpfs; session-scoped engine and client; engine disposed; `with TestClient(app)`; overrides cleared).

/** Everything the templates are filled with. Paths are relative to the project root, `/`-separated. */
export interface TemplateValues {
  title: string;
  gateVariable: string;
  gateValue: string;
  /** The suite directory (`backend/tests/integration`). */
  suiteDir: string;
  /** The DB script the runner calls and the docs name (`backend/tests/integration/scripts/test-db.sh`). */
  dbScript: string;
  /** The runner (`scripts/test-integration.sh`). */
  runner: string;
  container: string;
  user: string;
  password: string;
  database: string;
  port: number;
  /** The app: module and variable (`backend.main`, `app`). */
  appModule: string;
  appName: string;
  /** The sys.path entry, as a Python expression over `Path(__file__)`, and what it is for. */
  sysPathExpression: string;
  importTop: string;
  dependency: { module: string; name: string; kind: 'session' | 'agent' } | null;
  agent: { module: string; className: string; urlParameter: string | null } | null;
  orm: { flavour: 'sqlmodel' | 'sqlalchemy'; base: { module: string; name: string } | null };
  /** GET routes to smoke-test (`/health`); empty → the OpenAPI schema when enabled. */
  routes: string[];
  openapi: boolean;
}

function pyString(value: string): string {
  return JSON.stringify(value);
}

function shellDoubleQuoted(value: string): string {
  return value.replace(/[\\"$`]/g, (char) => `\\${char}`);
}

function encodeUrlPart(value: string): string {
  return encodeURIComponent(value);
}

export function testDbUrl(values: Pick<TemplateValues, 'user' | 'password' | 'port' | 'database'>): string {
  return `postgresql://${encodeUrlPart(values.user)}:${encodeUrlPart(values.password)}@localhost:${values.port}/${encodeUrlPart(values.database)}`;
}

export function gateBlock(values: Pick<TemplateValues, 'gateVariable' | 'gateValue'>): string {
  return `pytestmark = pytest.mark.skipif(
    os.getenv(${pyString(values.gateVariable)}) != ${pyString(values.gateValue)},
    reason=${pyString(`Integration tests disabled. Set ${values.gateVariable}=${values.gateValue} to run.`)},
)`;
}

// ---------------------------------------------------------------------------------------------

function engineFixtureSession(values: TemplateValues): { imports: string[]; body: string } {
  const sqlmodel = values.orm.flavour === 'sqlmodel';
  const imports = sqlmodel
    ? ['from sqlalchemy.engine import Engine', 'from sqlmodel import Session, SQLModel, create_engine']
    : ['from sqlalchemy import create_engine', 'from sqlalchemy.engine import Engine', 'from sqlalchemy.orm import Session'];
  let tables: string;
  if (sqlmodel) {
    tables = `    import ${values.appModule}  # noqa: F401  (importing the app registers its tables)

    engine = create_engine(TEST_DB_URL)
    SQLModel.metadata.create_all(engine)`;
  } else if (values.orm.base) {
    tables = `    import ${values.appModule}  # noqa: F401  (importing the app registers its tables)
    from ${values.orm.base.module} import ${values.orm.base.name}

    engine = create_engine(TEST_DB_URL)
    ${values.orm.base.name}.metadata.create_all(engine)`;
  } else {
    tables = `    engine = create_engine(TEST_DB_URL)
    # Create the tables here (run the migrations, or metadata.create_all(engine)).`;
  }
  const body = `@pytest.fixture(scope="session")
def test_engine() -> Iterator[Engine]:
    """Engine on the test database, with the tables created once."""
${tables}
    yield engine
    engine.dispose()`;
  return { imports, body };
}

function clientFixtureSession(values: TemplateValues): string {
  const dependency = values.dependency;
  const appImport = `    from ${values.appModule} import ${values.appName}`;
  if (!dependency) {
    return `@pytest.fixture(scope="session")
def client(test_engine: Engine) -> Iterator[TestClient]:
    """TestClient on the app."""
${appImport}

    # TODO: override the app's database dependency so that its requests use test_engine:
    # app.dependency_overrides[get_session] = override_get_session
    with TestClient(${values.appName}) as c:
        yield c

    ${values.appName}.dependency_overrides.clear()`;
  }
  const override = `override_${dependency.name}`;
  const imports = [`    from ${dependency.module} import ${dependency.name}`, appImport].sort();
  return `@pytest.fixture(scope="session")
def client(test_engine: Engine) -> Iterator[TestClient]:
    """TestClient whose requests use the test database."""
${imports.join('\n')}

    def ${override}() -> Iterator[Session]:
        with Session(test_engine) as session:
            yield session

    ${values.appName}.dependency_overrides[${dependency.name}] = ${override}

    with TestClient(${values.appName}) as c:
        yield c

    ${values.appName}.dependency_overrides.clear()`;
}

function agentFixtures(values: TemplateValues): { imports: string[]; body: string } {
  const agent = values.agent!;
  const dependency = values.dependency!;
  const argument = agent.urlParameter ? `${agent.urlParameter}=TEST_DB_URL` : 'TEST_DB_URL';
  const override = `override_${dependency.name}`;
  const imports = [`    from ${dependency.module} import ${dependency.name}`, `    from ${values.appModule} import ${values.appName}`].sort();
  const body = `@pytest.fixture(scope="session")
def test_dbagent() -> Iterator[Any]:
    """DB agent connected to the test PostgreSQL."""
    from ${agent.module} import ${agent.className}

    dbagent = ${agent.className}(${argument})
    yield dbagent
    if hasattr(dbagent, "engine"):
        dbagent.engine.dispose()


@pytest.fixture(scope="session")
def client(test_dbagent: Any) -> Iterator[TestClient]:
    """TestClient whose requests use the test database."""
${imports.join('\n')}

    def ${override}() -> Any:
        return test_dbagent

    ${values.appName}.dependency_overrides[${dependency.name}] = ${override}

    with TestClient(${values.appName}) as c:
        yield c

    ${values.appName}.dependency_overrides.clear()`;
  return { imports: [], body };
}

export function conftestTemplate(values: TemplateValues): string {
  const agent = values.dependency?.kind === 'agent' && values.agent !== null;
  let thirdParty: string[];
  let fixtures: string;
  if (agent) {
    const built = agentFixtures(values);
    thirdParty = ['import pytest', 'from fastapi.testclient import TestClient', ...built.imports];
    fixtures = built.body;
  } else {
    const engine = engineFixtureSession(values);
    thirdParty = ['import pytest', 'from fastapi.testclient import TestClient', ...engine.imports];
    fixtures = `${engine.body}\n\n\n${clientFixtureSession(values)}`;
  }
  const typing = agent ? 'from typing import Any\n' : '';
  return `"""
Integration test fixtures for the ${values.title} API.

A TestClient on the real app, whose database ${agent ? 'agent talks to' : 'sessions come from'} the throw-away
PostgreSQL that ${values.dbScript} starts (never the development database).

1. Start the test database: ./${values.dbScript} start
2. Run the suite: ${values.gateVariable}=${values.gateValue} pytest ${values.suiteDir} -v
Or both, with teardown: ./${values.runner}

The tests skip unless ${values.gateVariable}=${values.gateValue}: each test module has its own \`pytestmark\`.
"""
import sys
from collections.abc import Iterator
from pathlib import Path
${typing}
${thirdParty.join('\n')}

# The directory from which \`import ${values.importTop}\` resolves.
sys.path.insert(0, str(${values.sysPathExpression}))

# Must match ${values.dbScript}: user, password, host port ${values.port} and database.
TEST_DB_URL = ${pyString(testDbUrl(values))}


${fixtures}
`;
}

// ---------------------------------------------------------------------------------------------

export function testModuleTemplate(values: TemplateValues): string {
  const tests: string[] = [];
  const seen = new Set<string>();
  const routeName = (route: string): string => {
    const base = route === '/' ? 'root' : route.replace(/^\/+|\/+$/g, '').replace(/[^A-Za-z0-9]+/g, '_').toLowerCase() || 'root';
    let name = `test_get_${base}`;
    for (let i = 2; seen.has(name); i++) name = `test_get_${base}_${i}`;
    seen.add(name);
    return name;
  };
  for (const route of values.routes.slice(0, 3)) {
    tests.push(`    def ${routeName(route)}(self, client):
        response = client.get(${pyString(route)})
        assert response.status_code == 200`);
  }
  if (tests.length === 0 && values.openapi) {
    tests.push(`    def test_openapi_schema(self, client):
        response = client.get("/openapi.json")
        assert response.status_code == 200
        assert response.json()["paths"]`);
  }
  if (tests.length === 0) {
    tests.push(`    def test_app_starts(self, client):
        response = client.get("/")
        assert response.status_code < 500`);
  }
  return `"""
${values.title} API smoketests: the app answers through a TestClient, on the test database.

Run with ./${values.runner}, or start ${values.dbScript} and run
${values.gateVariable}=${values.gateValue} pytest ${values.suiteDir} -v
"""
import os

import pytest

# Skip every test of this module unless ${values.gateVariable}=${values.gateValue}
${gateBlock(values)}


class TestServerAvailability:
${tests.join('\n\n')}
`;
}

// ---------------------------------------------------------------------------------------------

export function dbScriptTemplate(values: TemplateValues): string {
  return `#!/usr/bin/env bash
# Throw-away PostgreSQL for the ${values.title} integration suite.
# Usage: test-db.sh {start|stop|restart|status|logs}

CONTAINER_NAME="${shellDoubleQuoted(values.container)}"
DB_PORT="${values.port}"  # not the dev port 5432
DB_USER="${shellDoubleQuoted(values.user)}"
DB_PASS="${shellDoubleQuoted(values.password)}"
DB_NAME="${shellDoubleQuoted(values.database)}"

case "$1" in
    start)
        echo "Starting test PostgreSQL database..."

        # A crashed earlier run may have left the container behind
        docker rm -f "$CONTAINER_NAME" >/dev/null 2>&1 || true

        # Data on tmpfs: fast, and gone with the container
        docker run -d \\
            --name "$CONTAINER_NAME" \\
            -e POSTGRES_USER="$DB_USER" \\
            -e POSTGRES_PASSWORD="$DB_PASS" \\
            -e POSTGRES_DB="$DB_NAME" \\
            -p "\${DB_PORT}:5432" \\
            --tmpfs /var/lib/postgresql/data \\
            postgres:17

        echo "Waiting for database to be ready..."

        # Ask over TCP: during first start the image runs a socket-only server
        for i in {1..30}; do
            if docker exec "$CONTAINER_NAME" pg_isready -h 127.0.0.1 -U "$DB_USER" -d "$DB_NAME" >/dev/null 2>&1; then
                echo "Test database is ready on port $DB_PORT"
                exit 0
            fi
            sleep 1
        done

        echo "Test database did not become ready in 30 seconds" >&2
        docker logs "$CONTAINER_NAME" >&2
        exit 1
        ;;
    stop)
        echo "Stopping test PostgreSQL database..."
        docker rm -f "$CONTAINER_NAME" >/dev/null 2>&1 || true
        echo "Test database stopped and removed"
        ;;
    restart)
        "$0" stop
        "$0" start
        ;;
    status)
        docker ps -f "name=$CONTAINER_NAME"
        ;;
    logs)
        docker logs -f "$CONTAINER_NAME"
        ;;
    *)
        echo "Usage: $0 {start|stop|restart|status|logs}" >&2
        exit 1
        ;;
esac
`;
}

/** A word for bash: bare when it is plain, else double-quoted. */
function shellWord(value: string): string {
  return /^[A-Za-z0-9_./-]+$/.test(value) ? value : `"${shellDoubleQuoted(value)}"`;
}

/** `$PROJECT_ROOT/<relative>` quoted for bash (the relative path is `/`-separated). */
function underRoot(relative: string): string {
  return relative ? `"$PROJECT_ROOT/${shellDoubleQuoted(relative)}"` : '"$PROJECT_ROOT"';
}

export function runnerTemplate(values: TemplateValues): string {
  const depth = values.runner.split('/').length - 1;
  const up = depth === 0 ? '' : `/${Array.from({ length: depth }, () => '..').join('/')}`;
  return `#!/usr/bin/env bash
# Run the ${values.title} integration suite against a throw-away PostgreSQL, and always remove it afterwards.
# The script exits with pytest's status.

set -eo pipefail

SCRIPT_DIR="$(cd "$(dirname "\${BASH_SOURCE[0]}")" && pwd)"
PROJECT_ROOT="$SCRIPT_DIR${up}"
TEST_DB=${underRoot(values.dbScript)}

cleanup() {
    echo "Stopping test database..."
    "$TEST_DB" stop || true
}
trap cleanup EXIT

echo "=== Integration Tests ==="
"$TEST_DB" start

cd "$PROJECT_ROOT"
if [ -f .venv/bin/activate ]; then
    source .venv/bin/activate
fi

rc=0
${values.gateVariable}=${values.gateValue} pytest ${shellWord(values.suiteDir)} -v || rc=$?

echo "=== Integration tests finished (pytest exit code $rc) ==="
exit $rc
`;
}
