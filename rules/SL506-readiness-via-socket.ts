import { defineRule } from '../src/rule.js';
import { suiteDbSetup } from '../src/readers/suite-databases.js';

export default defineRule({
  code: 'SL506',
  name: 'readiness-via-socket',
  summary: '`docker exec ... pg_isready` without `-h` reports ready too early',
  severity: 'warning',
  fix: 'safe',
  get docs() {
    return {
      whatItDoes:
        'Reports `docker exec <container> pg_isready` (or `podman exec`) in a suite\'s scripts when `pg_isready` is given no `-h`/`--host` (and no `PGHOST`), or a socket directory as host.',
      whyItMatters:
        'On first start the postgres image initializes the cluster and runs its init scripts on a temporary server that listens only on the Unix socket inside the container; then it stops that server and starts the real one on TCP. `pg_isready` without `-h` asks the socket, so it reports "accepting connections" while the temporary server runs: the wait ends, the temporary server shuts down, and the first tests meet "connection refused" or "the database system is shutting down". With `-h 127.0.0.1` it asks over TCP, which only the real server answers. (For `-U`/`-d`: `POSTGRES_USER` defaults to `postgres`, and `POSTGRES_DB` defaults to the user\'s name.)',
      example: 'docker exec shop-postgres-test pg_isready -U postgres',
      useInstead: 'docker exec shop-postgres-test pg_isready -h 127.0.0.1 -U postgres',
      exceptions:
        'Silent with `-h 127.0.0.1`/`-h localhost`/`--host=...`, with `-e PGHOST=...` on the exec, with a connection string in `-d` that names a host, and for `pg_isready` run on the host against the published port (that already goes through TCP). Silent inside a function the script never calls (it never runs).',
      fixSafety: 'Safe: the fix adds `-h 127.0.0.1` right after `pg_isready`.',
    };
  },
  check({ suite, report }) {
    for (const check of suiteDbSetup(suite).containerChecks) {
      if (check.asks !== 'socket') continue;
      const how = check.socketDir !== null ? `with the socket directory ${check.socketDir} as host` : 'without `-h`';
      report({
        file: check.file,
        range: check.range,
        message: `${check.command} ${how} asks the Unix socket: during first start the image runs a socket-only temporary server, so this reports ready before the real server listens on TCP`,
        hint: 'Ask over TCP: `pg_isready -h 127.0.0.1`.',
        fix: check.askTcp ? { applicability: 'safe', message: 'Add `-h 127.0.0.1`', edits: [{ file: check.file, ...check.askTcp }] } : null,
      });
    }
  },
});
