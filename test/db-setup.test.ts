// What a suite's scripts do with its database beside defining it (suiteDbSetup): the readiness checks in
// the container and whom they ask, the wait loops and how they end, and the compose commands that start
// containers. The SL506/SL507/SL509 rules read only these facts.
import { test } from 'node:test';
import path from 'node:path';
import assert from 'node:assert/strict';
import { openProject } from '../src/engine.js';
import { selectSuites } from '../src/suite-lint.js';
import { suiteDatabases, suiteDbSetup } from '../src/readers/suite-databases.js';
import type { DbSetup } from '../src/model/database.js';
import { makeTempProject, GATED_MODULE } from './project.js';

function setup(script: string): { setup: DbSetup; text: string } {
  const root = makeTempProject({ 'tests/integration/test_orders.py': GATED_MODULE, 'tests/integration/scripts/test-db.sh': script });
  const project = openProject(root);
  const [suite] = selectSuites(project, [root]);
  assert.ok(suite, 'the suite is found');
  return { setup: suiteDbSetup(suite), text: script };
}

test('a pg_isready in the container without -h asks the socket, with the edit that asks TCP; one with -h asks TCP', () => {
  const { setup: found, text } = setup(`#!/usr/bin/env bash
set -euo pipefail
docker run -d --name orders-pg -p 5433:5432 --tmpfs /var/lib/postgresql/data postgres:17
until docker exec orders-pg pg_isready -U postgres; do sleep 1; done
docker exec orders-pg pg_isready -h 127.0.0.1
docker exec orders-pg pg_isready -h /var/run/postgresql
`);
  const [socket, tcp, directory, ...others] = found.containerChecks;
  assert.equal(others.length, 0);
  assert.equal(socket?.asks, 'socket');
  assert.equal(socket?.socketDir, null);
  assert.equal(socket?.command, '`docker exec orders-pg pg_isready`');
  assert.ok(socket?.askTcp);
  const edited = text.slice(0, socket.askTcp.start) + socket.askTcp.text + text.slice(socket.askTcp.end);
  assert.match(edited, /docker exec orders-pg pg_isready -h 127\.0\.0\.1 -U postgres;/);
  assert.equal(tcp?.asks, 'tcp');
  assert.equal(tcp?.askTcp, null);
  assert.equal(directory?.asks, 'socket');
  assert.equal(directory?.socketDir, '/var/run/postgresql');
  assert.equal(directory?.askTcp, null, 'a host given is not rewritten');

  const [loop, ...more] = found.waitLoops;
  assert.equal(more.length, 0);
  assert.equal(loop?.keyword, 'until');
  assert.equal(loop?.bounded, false);
  assert.equal(loop?.range.start.line, 4);
  assert.deepEqual(found.composeStarts, []);
});

test('a bounded loop fails when out only with a non-zero exit after it; docker logs is seen', () => {
  const silent = setup(`#!/usr/bin/env bash
docker run -d --name orders-pg -p 5433:5432 postgres:17
for i in {1..30}; do
  docker exec orders-pg pg_isready -h 127.0.0.1 && break
  sleep 1
done
echo started
`).setup.waitLoops;
  assert.equal(silent.length, 1);
  assert.equal(silent[0]!.bounded, true);
  assert.equal(silent[0]!.failsWhenOut, false);
  assert.equal(silent[0]!.showsLogs, false);

  const failing = setup(`#!/usr/bin/env bash
docker run -d --name orders-pg -p 5433:5432 postgres:17
for i in {1..30}; do
  docker exec orders-pg pg_isready -h 127.0.0.1 && exit 0
  sleep 1
done
docker logs orders-pg >&2
exit 1
`).setup.waitLoops;
  assert.equal(failing[0]!.failsWhenOut, true);
  assert.equal(failing[0]!.showsLogs, true);
});

test('compose commands that start containers are recorded with the tool as written; down is not', () => {
  const { setup: found } = setup(`#!/usr/bin/env bash
docker-compose -f docker-compose.test.yml up -d db
podman compose start db
docker compose down
`);
  assert.deepEqual(
    found.composeStarts.map((start) => `${start.tool} ${start.action} @${start.range.start.line}`),
    ['docker-compose up @2', 'podman compose start @3'],
  );
});

test('a compose file a script names relative to where its project starts it is read from there', () => {
  // The runner sits in scripts/ but runs from the root: `(cd api && pytest ...)` fits no other folder.
  const root = makeTempProject({
    'api/tests/integration/test_orders.py': GATED_MODULE,
    'compose.it.yml': 'services:\n  db:\n    image: postgres:17\n    ports: ["5433:5432"]\n',
    'scripts/run-it.sh': '#!/usr/bin/env bash\ndocker compose -f compose.it.yml up -d --wait\n(cd api && RUN_INTEGRATION_TESTS=true pytest tests/integration)\ndocker compose -f compose.it.yml down\n',
  });
  const project = openProject(root);
  const [suite] = selectSuites(project, [root]);
  assert.ok(suite, 'the suite is found');
  const compose = suiteDatabases(suite).filter((definition) => definition.kind === 'compose');
  assert.deepEqual(compose.map((definition) => [definition.service, definition.file.path]), [['db', path.join(root, 'compose.it.yml')]]);
  assert.ok(compose[0]!.lifecycle?.removed, 'the `down` on the same file is seen');
});
