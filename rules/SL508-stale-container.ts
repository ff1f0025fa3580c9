import { defineRule, type Fix } from '../src/rule.js';
import { suiteDatabases } from '../src/readers/suite-databases.js';

export default defineRule({
  code: 'SL508',
  name: 'stale-container',
  summary: '`docker run --name` without removing a leftover container first',
  severity: 'warning',
  fix: 'safe',
  get docs() {
    return {
      whatItDoes:
        'Reports a `docker run --name X` (or `podman run`) of a postgres image in a suite\'s DB script when no `docker rm X` runs before it on the same path: earlier in the same `start` arm or function, in a function called before it, or through a `"$0" stop` call. For a Docker SDK `containers.run(..., name="X")` in the suite\'s Python, when no removal (`.remove(...)`, or `.stop()`/`.kill()` of an `auto_remove=True` container) comes before the run in the same function and the code never looks the container up (`containers.get(...)`, `containers.list(...)`). Not for compose (it recreates its own containers), CI services (a new machine every job) or testcontainers (random names).',
      whyItMatters:
        'Container names are unique. When an earlier run crashed, was interrupted (Ctrl-C during the tests) or never reached its `stop`, the container is still there, and the next `docker run --name X` fails with "Conflict. The container name "/X" is already in use". The suite then runs against the stale container (with old data) or not at all. Removing any leftover first makes every start clean.',
      example: 'docker run -d --name shop-postgres-test -p 5433:5432 --tmpfs /var/lib/postgresql/data postgres:17',
      useInstead:
        'docker rm -f shop-postgres-test >/dev/null 2>&1 || true\ndocker run -d --name shop-postgres-test -p 5433:5432 --tmpfs /var/lib/postgresql/data postgres:17',
      exceptions:
        'Silent for `podman run --replace` (which removes the old container itself), for runs without `--name`, and when the removal names a container that cannot be known statically; for the Docker SDK, containers without `name=` (Docker picks a fresh one). Commands in functions are placed where the functions run: a `start` function that removes and then runs is clean, whether it is called from a `case` arm, an `if` branch, the top level or another function; a run in a function nothing calls is not reported.',
      fixSafety:
        'Safe: the fix inserts `docker rm -f <name> >/dev/null 2>&1 || true` on its own line before the run, with the name written as in the run. `|| true` keeps it harmless under `set -e` when there is nothing to remove.',
    };
  },
  check({ suite, report }) {
    for (const definition of suiteDatabases(suite)) {
      const life = definition.lifecycle;
      if (!life || life.name === null || life.clearsLeftover) continue;
      const fix: Fix | null = life.clearEdit
        ? { applicability: 'safe', message: `Remove a leftover \`${life.name}\` container before the run`, edits: [{ file: life.start.file, ...life.clearEdit }] }
        : null;
      const range = life.nameAt ?? life.start.range;
      if (definition.kind === 'docker-run') {
        const engine = definition.engine ?? 'docker';
        report({
          file: life.start.file,
          range,
          message: `\`${engine} run --name ${life.name}\` is not preceded by \`${engine} rm -f ${life.name}\`: a container left by a crashed or interrupted run keeps the name taken, and this start fails with a name conflict`,
          hint: `Remove any leftover first: \`${life.removeLeftover}\`.`,
          fix,
        });
        continue;
      }
      report({
        file: life.start.file,
        range,
        message: `${life.startedBy} starts ${definition.label} under the fixed name \`${life.name}\` without removing a leftover first: a container left by a crashed or interrupted run keeps the name taken, and this start fails with a name conflict`,
        hint: `Remove any leftover before the run: \`${life.removeLeftover}\` inside \`try: ... except docker.errors.NotFound: pass\`.`,
        fix,
      });
    }
  },
});
