import { defineRule } from '../src/rule.js';
import { suiteDatabases } from '../src/readers/suite-databases.js';

export default defineRule({
  code: 'SL501',
  name: 'dev-port',
  summary: 'The test database is published on the dev database port',
  severity: 'error',
  fix: 'safe',
  get docs() {
    return {
      whatItDoes:
        'Reports a `docker run`/`podman run` of a postgres image in a suite\'s DB script whose published host port is the dev port (5432 unless `dev-port` is configured), in every `-p` form: `-p 5432:5432`, `-p5432:5432`, `--publish=...`, `-dp ...`, `127.0.0.1:5432:5432`, and through variables and `${PORT:-5432}` defaults. Reads the `docker run`/`podman run` of the suite\'s DB scripts the suite\'s docker compose services (`ports:`, with `${VAR:-default}` and `.env` applied as compose applies them), and a Docker SDK `containers.run(..., ports={"5432/tcp": 5432})` in the suite\'s Python.',
      whyItMatters:
        'A developer\'s own PostgreSQL usually listens on 5432. Publishing the throw-away container there either fails (the port is taken), or, worse, the container does not start and the tests connect to the developer\'s database instead: they create and drop tables in real data. The test database belongs on its own port (5433 by default).',
      example: 'docker run -d --name shop-postgres-test -p 5432:5432 --tmpfs /var/lib/postgresql/data postgres:17',
      useInstead: 'docker run -d --name shop-postgres-test -p 5433:5432 --tmpfs /var/lib/postgresql/data postgres:17',
      exceptions:
        'The container port is not the problem: in `5433:5432` the 5432 is the port inside the container, where PostgreSQL always listens. Ports whose value cannot be known statically (an environment variable without default) are not reported.',
      fixSafety:
        'Safe: the fix rewrites the host port to the test port (`test-port`, 5433 by default) where it is written — the literal, the `${VAR:-default}` default or the assignment of the variable. The suite\'s database URL must use the same port (SL201 checks it).',
    };
  },
  check({ suite, config, report }) {
    const devPort = String(config.devPort);
    const testPort = String(config.testPort);
    for (const definition of suiteDatabases(suite)) {
      if (definition.ephemeralHost) continue; // a CI machine has no dev database to clash with
      const shell = definition.kind === 'docker-run';
      for (const port of definition.ports ?? []) {
        if (port.host?.value !== devPort) continue;
        // A value that comes from elsewhere (`${VAR:-5432}` in compose, `.env`) is fixed there only when it is a shell assignment.
        const span = port.host.via === null || port.host.assignment ? port.host.span : null;
        const assignment = port.host.assignment ?? null;
        report({
          file: definition.file,
          range: port.entry.range,
          message: `${definition.label} publishes host port ${devPort}${port.host.via ? ` (${port.host.via})` : ''}, the dev database's port: ${shell ? 'the container' : 'the test database'} clashes with the developer's own PostgreSQL, and the tests may hit that database instead`,
          hint: shell
            ? `Publish the test database on another port, e.g. \`-p ${testPort}:5432\`, and point the suite's URL at it.`
            : `Publish the test database on another port, e.g. \`"${testPort}:5432"\`, and point the suite's URL at it.`,
          related: assignment ? [{ file: definition.file, range: assignment.range, message: `\`${assignment.name}\` is set to ${devPort} here` }] : [],
          fix: span ? { applicability: 'safe', message: `Publish the test database on port ${testPort}`, edits: [{ file: definition.file, start: span.start, end: span.end, text: testPort }] } : null,
        });
      }
    }
  },
});
