// The DB scripts' `docker run`s as DB definitions (src/readers/shell-databases.ts): every value where it
// is set, with the offsets a fix edits, and the kinds beside them in one list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openProject } from '../src/engine.js';
import { selectSuites } from '../src/suite-lint.js';
import { suiteDatabases } from '../src/readers/suite-databases.js';
import type { DbDefinition } from '../src/model/database.js';
import { makeTempProject, GATED_MODULE } from './project.js';

const DB_SCRIPT = `#!/usr/bin/env bash
set -euo pipefail
HOST_PORT=5432
NAME=ledger-postgres-test
case "\${1:-}" in
  start)
    docker rm -f "$NAME" >/dev/null 2>&1 || true
    docker run -d --name "$NAME" \\
      -e POSTGRES_USER=ledger -e POSTGRES_PASSWORD=ledger-pw -e POSTGRES_DB=ledger_test \\
      -p "$HOST_PORT:5432" \\
      -v ledger-data:/var/lib/postgresql/data \\
      postgres:16-alpine
    for i in $(seq 1 30); do
      docker exec "$NAME" pg_isready -h 127.0.0.1 -U ledger && exit 0
      sleep 1
    done
    exit 1
    ;;
  stop) docker rm -f "$NAME" ;;
esac
`;

function databases(files: Record<string, string>): DbDefinition[] {
  const root = makeTempProject(files);
  const project = openProject(root);
  const [suite] = selectSuites(project, [root]);
  assert.ok(suite, 'the suite is found');
  return suiteDatabases(suite);
}

test('a docker run is a definition of the suite, each value located where it is set', () => {
  const text = DB_SCRIPT;
  const [definition, ...others] = databases({ 'tests/integration/test_ledger.py': GATED_MODULE, 'tests/integration/scripts/test-db.sh': text });
  assert.equal(others.length, 0);
  assert.ok(definition);
  assert.equal(definition.kind, 'docker-run');
  assert.equal(definition.label, '`docker run`');
  assert.equal(definition.service, 'ledger-postgres-test');
  assert.equal(definition.engine, 'docker');

  assert.equal(definition.image?.name, 'postgres');
  assert.equal(definition.image?.major, 16);
  assert.equal(definition.image?.pinned, true);
  const imageSpan = definition.image!.text.span!;
  assert.equal(text.slice(imageSpan.start, imageSpan.end), 'postgres:16-alpine');

  // The host port comes through HOST_PORT: the value is the expansion, the span the assignment's digits.
  const [port] = definition.ports!;
  assert.equal(port!.host?.value, '5432');
  assert.equal(port!.container, '5432');
  assert.equal(port!.host?.via, 'from `HOST_PORT`');
  assert.equal(port!.host?.assignment?.name, 'HOST_PORT');
  assert.equal(port!.host?.range.start.line, 3, 'the host port is set on the assignment line');
  const span = port!.host!.span!;
  assert.equal(text.slice(span.start, span.end), '5432');
  assert.equal(text.slice(span.start - 'HOST_PORT='.length, span.end), 'HOST_PORT=5432');

  assert.deepEqual([...definition.env.entries()].map(([key, value]) => [key, value?.value]), [
    ['POSTGRES_USER', 'ledger'],
    ['POSTGRES_PASSWORD', 'ledger-pw'],
    ['POSTGRES_DB', 'ledger_test'],
  ]);
  assert.equal(definition.envKnown, true);
  assert.deepEqual(definition.mounts?.map((mount) => [mount.target, mount.tmpfs, mount.persistent]), [['/var/lib/postgresql/data', false, true]]);
  assert.equal(definition.pgdata, null);
  assert.equal(definition.readiness.waited, true);
  assert.equal(definition.readiness.how, 'a wait loop in the script');
  // The start arm clears a leftover before the run; the stop arm removes the container after the tests.
  assert.equal(definition.lifecycle?.name, 'ledger-postgres-test');
  assert.equal(definition.lifecycle?.clearsLeftover, true);
  assert.equal(definition.lifecycle?.removed, true);
  assert.equal(definition.lifecycle?.removeLeftover, 'docker rm -f "$NAME" >/dev/null 2>&1 || true');
});

test('a run whose leftover is never cleared, nor the container removed, says so in its lifecycle', () => {
  const text = `#!/usr/bin/env bash
set -e
docker run -d --name ledger-pg -p 5433:5432 postgres:17
docker stop ledger-pg
`;
  const [definition] = databases({ 'tests/integration/test_ledger.py': GATED_MODULE, 'tests/integration/scripts/test-db.sh': text });
  const life = definition?.lifecycle;
  assert.ok(life);
  assert.equal(life.clearsLeftover, false);
  assert.equal(life.removed, false);
  assert.equal(life.stoppedBy, 'docker stop');
  assert.deepEqual(life.clearEdit, { start: text.indexOf('docker run'), end: text.indexOf('docker run'), text: 'docker rm -f ledger-pg >/dev/null 2>&1 || true\n' });
});

test('a run in a function nothing calls starts nothing: it has no lifecycle', () => {
  const text = `#!/usr/bin/env bash
start() {
  docker run -d --name ledger-pg -p 5433:5432 postgres:17
}
`;
  const [definition] = databases({ 'tests/integration/test_ledger.py': GATED_MODULE, 'tests/integration/scripts/test-db.sh': text });
  assert.equal(definition?.lifecycle, null);
});

test('unknown parts stay unknown: an env file, a port from the caller, no wait', () => {
  const text = `#!/usr/bin/env bash
docker run -d --env-file .env.test -p "$PORT:5432" postgres:17
`;
  const [definition] = databases({ 'tests/integration/test_ledger.py': GATED_MODULE, 'tests/integration/scripts/test-db.sh': text });
  assert.ok(definition);
  assert.equal(definition.envKnown, false);
  assert.equal(definition.service, null);
  assert.equal(definition.ports?.[0]?.host?.span ?? null, null, 'no fix edits a port the caller sets');
  assert.equal(definition.readiness.waited, false);
});

test('docker run with --network host publishes nothing, even with a -p (docker discards it)', () => {
  for (const flags of ['--network host', '--network host -p 5433:5432']) {
    const text = `#!/usr/bin/env bash
docker run -d ${flags} -e POSTGRES_PASSWORD=pw postgres:17
`;
    const [definition] = databases({ 'tests/integration/test_ledger.py': GATED_MODULE, 'tests/integration/scripts/test-db.sh': text });
    assert.deepEqual(definition?.ports, [], flags);
    assert.equal(definition?.network, 'host', flags);
  }
});
