import { defineRule } from '../src/rule.js';
import { isLocalHost, isPostgresDialect, isPostgresUrl, parseDbUrl, suiteDbUrls, targetOf } from '../src/model/dburl.js';
import { suiteDatabases } from '../src/readers/suite-databases.js';
import type { Suite } from '../src/model/suite.js';

/** Do the suite's tests connect from the host (a PostgreSQL URL on localhost), not from inside the container network? */
function connectsFromHost(suite: Suite): boolean {
  return suiteDbUrls(suite).some((url) => isPostgresUrl(url) && url.target !== null && isLocalHost(url.target.host));
}

/**
 * The fixed port the suite's URL connects to on localhost, as the tests see it in a CI job with this
 * environment: a URL read from a variable the job sets is the job's value; null when any URL's port is
 * not statically known (a value from a `\${{ }}` expression, a URL built at run time).
 */
function fixedTestPort(suite: Suite, env: Map<string, string | null>): string | null {
  const ports = new Set<string>();
  for (const url of suiteDbUrls(suite)) {
    if (!isPostgresUrl(url)) continue;
    let target = url.target;
    const name = url.resolved.envName;
    if (name !== null && env.has(name)) {
      const value = env.get(name);
      const parsed = value ? parseDbUrl(value) : null;
      if (!parsed) return null;
      if (!isPostgresDialect(parsed.dialect)) continue;
      target = targetOf(parsed);
    }
    if (!target || target.host === null) return null;
    if (!isLocalHost(target.host)) continue;
    if (target.port === null || !/^\d+$/.test(target.port)) return null;
    ports.add(target.port);
  }
  return ports.size === 1 ? [...ports][0]! : null;
}

export default defineRule({
  code: 'SL502',
  name: 'port-not-published',
  summary: 'The test database publishes no host port the tests can reach',
  severity: 'error',
  fix: 'none',
  get docs() {
    return {
      whatItDoes:
        'Reports a `docker run`/`podman run` of a postgres image in a suite\'s DB script that publishes no host port (error), or publishes the container port without a host port, `-p 5432`, which binds a random host port (warning). Reads the `docker run`/`podman run` of the suite\'s DB scripts, the suite\'s docker compose services (`ports:`), the GitHub Actions job services of the job that runs the suite, and a Docker SDK `containers.run(...)` in the suite\'s Python. With `--network host` it reports an info finding, with or without `-p` (docker discards published ports on the host\'s network): the server then listens on the host\'s own port 5432.',
      whyItMatters:
        'The tests run on the host and connect to `localhost:<port>`. Without a published port, the container\'s 5432 is reachable only from the container network: every test fails to connect (or, worse, connects to a developer database that happens to listen on the port in the URL). A random host port is different on every run, so a URL with a fixed port cannot match it.',
      example: 'docker run -d --name shop-postgres-test --tmpfs /var/lib/postgresql/data postgres:17',
      useInstead: 'docker run -d --name shop-postgres-test -p 5433:5432 --tmpfs /var/lib/postgresql/data postgres:17',
      exceptions:
        'For a docker compose service or a Docker SDK container of the suite, only when the suite\'s URL connects to localhost (tests that run inside the container network reach the service by name); for a GitHub Actions job service, unless the job runs in a `container:` (it then reaches the service by name); a CI service on a random host port (`ports: [5432]`) is reported only when the suite\'s URL (in the code, or the value the job sets for the variable the code reads) names a fixed port on localhost and the job never reads the mapped port (`${{ job.services.postgres.ports[5432] }}`). Publish flags whose value cannot be known statically, and argument lists built from unknown arrays, are not reported. `--network host` is only reported as info: the container shares the host\'s network, so PostgreSQL listens on the host\'s port 5432 (the dev port) unless the command changes it.',
    };
  },
  check({ suite, report }) {
    for (const definition of suiteDatabases(suite)) {
      const ports = definition.ports;
      if (!ports || !definition.portsKnown) continue; // a library's random port, a job in a container, unknown words
      const network = definition.network ?? null;
      if (network === 'host') {
        report({
          file: definition.file,
          range: definition.anchor,
          severity: 'info',
          message: `${definition.label} on the host's network publishes no port: PostgreSQL listens directly on the host's port 5432, the dev database's port, unless the command changes it`,
          hint: 'Prefer the default network with `-p 5433:5432`, or start the server on another port (`postgres -p 5433`) and use that port in the suite\'s URL.',
        });
        continue;
      }
      // Another container network: the tests might run inside it too; we cannot tell.
      if (network !== null && network !== 'bridge' && network !== 'default') continue;
      // A CI job's steps and a DB script's callers run on the host; compose and Docker SDK tests may run inside the container network, so the URL must say localhost.
      if (definition.kind !== 'ci-service' && definition.kind !== 'docker-run' && !connectsFromHost(suite)) continue;
      if (ports.length === 0) {
        report({
          file: definition.file,
          range: definition.anchor,
          message: `${definition.label} publishes no port: the tests${definition.kind === 'ci-service' ? ', which run on the job\'s machine,' : ' on the host'} cannot reach the database`,
          hint: definition.kind === 'ci-service' ? 'Add `ports: - 5432:5432` to the service (or run the job in a `container:`).' : definition.kind === 'docker-run' ? 'Publish the container\'s 5432 on the test port, e.g. `-p 5433:5432`.' : definition.kind === 'docker-sdk' ? 'Pass `ports={"5432/tcp": 5433}` and use port 5433 in the suite\'s URL.' : 'Add `ports: - "5433:5432"` to the service and use port 5433 in the suite\'s URL.',
        });
        continue;
      }
      const random = ports.find((port) => port.random && port.container !== null && /^\d+(\/tcp)?$/.test(port.container));
      if (!random || ports.some((port) => port !== random && !port.random)) continue;
      if (definition.kind === 'ci-service') {
        // The runner maps a random host port, which the job must hand to the tests (`job.services.<id>.ports[5432]`).
        const fixed = definition.tests && !definition.tests.portHandedOver ? fixedTestPort(suite, definition.tests.env) : null;
        if (fixed === null) continue;
        report({
          file: definition.file,
          range: random.entry.range,
          message: `${definition.label} publishes container port ${random.container} on a random host port, but the suite's URL connects to port ${fixed}: the tests cannot reach the service`,
          hint: `Publish it on a fixed port (\`- ${fixed}:5432\`), or hand the mapped port to the tests: \`\${{ job.services.${definition.service}.ports[5432] }}\` in the URL the job sets.`,
        });
        continue;
      }
      report({
        file: definition.file,
        range: random.entry.range,
        severity: 'warning',
        message: `${definition.label} publishes container port ${random.container} on a random host port: a database URL with a fixed port cannot match it`,
        hint: definition.kind === 'docker-run' ? 'Give the host port explicitly, e.g. `-p 5433:5432`.' : 'Give the host port explicitly, e.g. `"5433:5432"`.',
      });
    }
  },
});
