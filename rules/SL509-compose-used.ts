import { defineRule } from '../src/rule.js';
import { suiteDbSetup } from '../src/readers/suite-databases.js';

export default defineRule({
  code: 'SL509',
  name: 'compose-used',
  summary: 'The test database is started with docker compose',
  severity: 'warning',
  fix: 'none',
  get docs() {
    return {
      whatItDoes:
        'Reports `docker compose up` (also `docker-compose`, `podman compose`, `podman-compose`, and `run`/`start`) in the shell scripts of an integration suite: its DB script, its runner, or any script in the suite directory.',
      whyItMatters:
        'The practice this linter checks keeps the test database in one plain `docker run` in one script: its port, credentials, tmpfs and image are visible in the file the suite\'s URL must match, and nothing else starts with it. A compose file usually also describes the dev stack: `up` starts services the tests do not need, project names collide with the developer\'s own `docker compose up` (the test run can stop or reuse the dev database), and named volumes keep data between runs. If the team chose compose on purpose, say so in the configuration.',
      example: 'docker compose -f docker-compose.test.yml up -d db',
      useInstead:
        'docker rm -f shop-postgres-test >/dev/null 2>&1 || true\ndocker run -d --name shop-postgres-test -p 5433:5432 --tmpfs /var/lib/postgresql/data postgres:17',
      exceptions: 'Silent when the configuration sets `allow-compose = true` in `[tool.smoke-lint]`; `down`/`stop`/`logs` alone are not reported.',
    };
  },
  check({ suite, config, report }) {
    if (config.allowCompose) return;
    for (const start of suiteDbSetup(suite).composeStarts) {
      report({
        file: start.file,
        range: start.range,
        message: `The suite's script starts containers with \`${start.tool} ${start.action}\` instead of one \`docker run\`: the test database's settings live outside the script, and the compose project can collide with the developer's own stack`,
        hint: 'Start the test database with a plain `docker run` in the DB script, or set `allow-compose = true` under `[tool.smoke-lint]` if compose is a deliberate choice.',
      });
    }
  },
});
