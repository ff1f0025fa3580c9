import { defineRule } from '../src/rule.js';
import { suiteDatabases } from '../src/readers/suite-databases.js';

export default defineRule({
  code: 'SL511',
  name: 'missing-stop',
  summary: 'The DB script has no way to remove its container',
  severity: 'warning',
  fix: 'none',
  get docs() {
    return {
      whatItDoes:
        'Reports a `docker run`/`podman run` of a postgres image in a suite\'s DB script when nothing removes the container after it starts: no `stop`/`down`/`clean` arm (or function, or trap) with `docker rm -f`, nor a `docker stop` of a container started with `--rm`. A `docker rm -f` that only runs right before the same `docker run` does not count: it cleans up the previous run, not this one. Also a docker compose service that a script of the suite, or a line of a Makefile target that runs it, starts with a detached `up` (`-d`, `--wait`; a foreground `up` stops its services when it returns) when nothing of the suite takes it down (`down`, `stop`, `rm` or `kill` on the file: in a script of the suite, its EXIT trap, or any target of the Makefiles above the suite), and a Docker SDK `containers.run(...)` in the suite\'s Python that nothing removes (`.remove(...)`, or `.stop()`/`.kill()` of a container run with `auto_remove=True`; a `.stop()` alone leaves the stopped container behind). Not for CI services (the job\'s machine goes with them), testcontainers or pytest-postgresql (the library removes its server), nor for a compose service nothing of the suite starts.',
      whyItMatters:
        'Without a stop, each test run leaves a PostgreSQL container running (holding the test port and memory) until someone removes it by hand, and the runner has nothing to call in its cleanup trap. `docker stop` alone leaves the stopped container (and its anonymous volume) behind unless it was started with `--rm`.',
      example:
        'case "$1" in\n    start) docker run -d --name shop-postgres-test -p 5433:5432 postgres:17 ;;\n    stop) docker stop shop-postgres-test ;;\nesac',
      useInstead:
        'case "$1" in\n    start) docker run -d --name shop-postgres-test -p 5433:5432 postgres:17 ;;\n    stop) docker rm -f shop-postgres-test >/dev/null 2>&1 || true ;;\nesac',
      exceptions:
        'Silent when the runner removes the container itself, when a removal names a container that cannot be known statically, and for `--rm` containers run in the foreground. Functions are followed from every place that calls them (top level, `case` arms, `if` branches, other functions, an EXIT trap); a run or a removal in a function nothing calls never runs.',
    };
  },
  check({ suite, report }) {
    for (const definition of suiteDatabases(suite)) {
      const life = definition.lifecycle;
      if (!life || life.removed) continue;
      if (definition.kind === 'docker-run') {
        const engine = definition.engine ?? 'docker';
        const name = life.name;
        report({
          file: life.start.file,
          range: life.start.range,
          message: life.stoppedBy
            ? `The script only \`${life.stoppedBy}\`s the container${name ? ` ${name}` : ''}, which was not started with \`--rm\`: the stopped container and its volume stay behind after every run`
            : `Nothing in the script removes the container${name ? ` ${name}` : ''} once it has started: every test run leaves a PostgreSQL container behind, holding the test port`,
          hint: `Add a \`stop\` arm that runs \`${engine} rm -f ${name ?? '<container>'} >/dev/null 2>&1 || true\`, and call it from the runner's cleanup trap.`,
        });
        continue;
      }
      const compose = definition.kind === 'compose';
      report({
        file: life.start.file,
        range: life.start.range,
        message: life.stoppedBy
          ? `${definition.label} is only stopped (\`${life.stoppedBy}\`) after the tests, never removed: the stopped container stays behind after every run`
          : `${life.startedBy} starts ${definition.label} and nothing of the suite ${compose ? 'takes it down' : 'removes the container'} afterwards: every test run leaves a PostgreSQL container behind, holding the test port`,
        hint: compose
          ? 'Run `docker compose ... down -v` after the tests, from the runner\'s cleanup trap (or a Makefile target that always runs).'
          : 'Remove the container after the tests: `container.remove(force=True)` after the fixture\'s `yield` (or start it with `auto_remove=True` and stop it).',
      });
    }
  },
});
