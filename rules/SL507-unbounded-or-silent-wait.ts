import { defineRule } from '../src/rule.js';
import { suiteDbSetup } from '../src/readers/suite-databases.js';

export default defineRule({
  code: 'SL507',
  name: 'unbounded-or-silent-wait',
  summary: 'The readiness wait never gives up, or gives up without failing',
  severity: 'warning',
  fix: 'none',
  get docs() {
    return {
      whatItDoes:
        'Reports a loop in a suite\'s DB script, runner script, or a step (`run:`) of a GitHub Actions job that runs the suite, that waits for the database (`pg_isready`, `psql`, a health status) when it has no bound (`while true`, `until pg_isready`), or when it gives up without a non-zero exit: the loop runs out and the script goes on, or ends with status 0.',
      whyItMatters:
        'When PostgreSQL never becomes ready — a bad image tag, the port taken, a crash at start-up (see SL504) — an unbounded loop hangs until CI kills the job an hour later, with no clue why. A loop that gives up quietly is worse: the script reports success, pytest starts against no database, and the failures point at the tests instead of the container. Give up after a bound, show `docker logs` (the reason is almost always there), and exit 1.',
      example:
        'until docker exec shop-postgres-test pg_isready -h 127.0.0.1; do\n    sleep 1\ndone',
      useInstead:
        'for i in {1..30}; do\n    if docker exec shop-postgres-test pg_isready -h 127.0.0.1 >/dev/null 2>&1; then\n        exit 0\n    fi\n    sleep 1\ndone\necho "Test database did not become ready in 30 seconds" >&2\ndocker logs shop-postgres-test >&2\nexit 1',
      exceptions:
        'Silent for `for` loops and loops with a counter or `$SECONDS` check that exit (or `return`, in a function) with a non-zero status when they run out, and for waits wrapped in `timeout`. A bounded loop that exits 1 without showing the logs is not reported (the message of other findings suggests `docker logs`). Silent for a wait inside a function the script never calls (it never runs). A compose `healthcheck` or a CI service\'s `--health-cmd` is not such a wait and is not reported, even without `retries`/`--health-retries`: Docker bounds it by default (3 retries), and `compose up --wait`, `depends_on: condition: service_healthy` and the CI runner fail when the service turns unhealthy, so it neither hangs nor gives up silently.',
    };
  },
  check({ suite, report }) {
    for (const loop of suiteDbSetup(suite).waitLoops) {
      if (!loop.bounded) {
        report({
          file: loop.file,
          range: loop.range,
          message: `This \`${loop.keyword}\` loop waits for the database with no bound: if PostgreSQL never becomes ready (bad image, port taken, crash at start-up) the script hangs until CI kills it`,
          hint: 'Bound the wait (`for i in {1..30}`), then show `docker logs` and `exit 1`.',
        });
        continue;
      }
      if (loop.failsWhenOut) continue;
      const logs = loop.showsLogs;
      report({
        file: loop.file,
        range: loop.range,
        message: `When this wait runs out, the script goes on with status 0${logs ? '' : ' and shows no container logs'}: the tests then start against a database that is not there, and fail far from the cause`,
        hint: `After the loop, ${logs ? '' : 'show `docker logs <container>` and '}\`exit 1\` (or \`return 1\` in a function).`,
      });
    }
  },
});
