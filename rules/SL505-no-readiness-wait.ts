import { defineRule } from '../src/rule.js';
import { nodeRange } from '../src/source.js';
import { suiteDatabases, composeStarts } from '../src/readers/suite-databases.js';

export default defineRule({
  code: 'SL505',
  name: 'no-readiness-wait',
  summary: 'The DB script returns before PostgreSQL accepts connections',
  severity: 'error',
  fix: 'none',
  get docs() {
    return {
      whatItDoes:
        'Reports a detached `docker run`/`podman run` of a postgres image in a suite\'s DB script when nothing on the way — in the same `start` path of the script, or in the runner — polls readiness: `pg_isready`, a `psql` connect loop, a health status wait, `wait-for-it`, and the like. A check that runs once (a single `psql` or `pg_isready` right after the run, with or without a `sleep` before it) is no wait: it must repeat, in a loop or in a function the start path calls in a loop. For a docker compose service of the suite it reports a service with no healthcheck that nothing waits for, or a script\'s `compose up` without `--wait` (nor a wait loop, nor a service that `depends_on` it with `condition: service_healthy`). For a GitHub Actions job service that the job running the suite uses, it reports a service without `--health-cmd` in its `options` when no step waits either. For a Docker SDK `containers.run(...)` in the suite\'s Python it reports a container that no loop polls with a connect or `pg_isready` (waiting for `container.status == "running"` is no readiness wait); testcontainers and pytest-postgresql wait for the server themselves.',
      whyItMatters:
        '`docker run -d` returns as soon as the container exists. On first start the postgres image creates the cluster, runs a temporary server for its init scripts, stops it and only then starts the real server: a few seconds during which connections are refused. Tests started right away fail at random with "connection refused" or "the database system is starting up", more often on a busy CI machine. A fixed `sleep` only moves the race.',
      example:
        'docker run -d --name shop-postgres-test -p 5433:5432 --tmpfs /var/lib/postgresql/data postgres:17\necho "started"',
      useInstead:
        'docker run -d --name shop-postgres-test -p 5433:5432 --tmpfs /var/lib/postgresql/data postgres:17\nfor i in {1..30}; do\n    if docker exec shop-postgres-test pg_isready -h 127.0.0.1 -U postgres >/dev/null 2>&1; then\n        exit 0\n    fi\n    sleep 1\ndone\ndocker logs shop-postgres-test >&2\nexit 1',
      exceptions:
        'Silent when the run has a `--health-cmd` and the script waits on the health status (`docker inspect -f \'{{.State.Health.Status}}\'`), when the wait lives in a function or another arm the start path calls, when the runner polls readiness itself, and for containers run in the foreground. A run (or a wait) inside a function the script never calls does not run: it is not counted.',
    };
  },
  check({ suite, report }) {
    for (const definition of suiteDatabases(suite)) {
      if (definition.readiness.waited) continue;
      if (definition.kind === 'docker-run') {
        if (!definition.lifecycle) continue; // a run in a function nothing calls starts nothing
                const health = definition.readiness.healthcheck ? ' It sets a `--health-cmd`, but nothing waits for the container to become healthy.' : '';
        report({
          file: definition.file,
          range: definition.anchor,
          message: `\`${definition.engine ?? 'docker'} run -d\` returns before PostgreSQL accepts connections, and the script never polls readiness: the tests race the server's start-up.${health}`,
          hint: 'After the run, poll `docker exec <container> pg_isready -h 127.0.0.1` in a bounded loop, and exit 1 with `docker logs` if it never becomes ready.',
        });
        continue;
      }
      if (definition.kind === 'ci-service') {
        report({
          file: definition.file,
          range: definition.anchor,
          message: `${definition.label} has no \`--health-cmd\` in its \`options\`, so the job's steps start as soon as the container exists, and no step waits for PostgreSQL: the tests race the server's start-up`,
          hint: 'Add `options: --health-cmd "pg_isready -h 127.0.0.1" --health-interval 2s --health-timeout 5s --health-retries 15`: the runner then waits until the service is healthy.',
        });
        continue;
      }
      if (definition.kind === 'docker-sdk') {
        report({
          file: definition.file,
          range: definition.anchor,
          message: `${definition.label} starts PostgreSQL and nothing polls the server before the tests use it (a container that is \`running\` does not accept connections yet): the tests race the server's start-up`,
          hint: 'After `containers.run(...)`, poll in a bounded loop until a connection succeeds (or `container.exec_run("pg_isready -h 127.0.0.1")` returns 0), and fail with the container\'s logs if it never does.',
        });
        continue;
      }
      const health = definition.readiness.healthcheck;
      const start = composeStarts(suite).find((invocation) => (invocation.files ?? []).includes(definition.file.path) && (invocation.services.length === 0 || invocation.services.includes(definition.service ?? '')));
      if (health && !start) continue; // a healthcheck, started by hand or elsewhere: whoever starts it may wait
      if (start) {
        report({
          file: start.script.file,
          range: nodeRange(start.command.node),
          message: `\`compose up\` returns before ${definition.label} accepts connections, and nothing waits for it${health ? ': it has a healthcheck, but without `--wait` nobody reads it' : ''}: the tests race the server's start-up`,
          hint: health ? 'Add `--wait` to `up` so that it returns once the healthcheck passes.' : 'Give the service a `healthcheck` (`pg_isready -h 127.0.0.1 -U <user>`) and start it with `up --wait`.',
        });
        continue;
      }
      report({
        file: definition.file,
        range: definition.anchor,
        message: `${definition.label} has no healthcheck and nothing waits for PostgreSQL to accept connections (no \`up --wait\`, no \`depends_on: condition: service_healthy\`, no wait loop): the tests race the server's start-up`,
        hint: 'Add a `healthcheck` with `pg_isready -h 127.0.0.1 -U <user>` and start the service with `docker compose up --wait`.',
      });
    }
  },
});
