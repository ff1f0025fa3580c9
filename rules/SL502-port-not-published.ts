import { defineRule } from '../src/rule.js';
import { nodeRange } from '../src/source.js';
import { hasUnknownWords, isKnown, postgresRuns } from '../src/model/dbscript.js';

export default defineRule({
  code: 'SL502',
  name: 'port-not-published',
  summary: 'The test database publishes no host port the tests can reach',
  severity: 'error',
  fix: 'none',
  docs: {
    whatItDoes:
      'Reports a `docker run`/`podman run` of a postgres image in a suite\'s DB script that publishes no host port (error), or publishes the container port without a host port, `-p 5432`, which binds a random host port (warning). With `--network host` and no `-p`, it reports an info finding: the server then listens on the host\'s own port 5432.',
    whyItMatters:
      'The tests run on the host and connect to `localhost:<port>`. Without a published port, the container\'s 5432 is reachable only from the container network: every test fails to connect (or, worse, connects to a developer database that happens to listen on the port in the URL). A random host port is different on every run, so a URL with a fixed port cannot match it.',
    example: 'docker run -d --name shop-postgres-test --tmpfs /var/lib/postgresql/data postgres:17',
    useInstead: 'docker run -d --name shop-postgres-test -p 5433:5432 --tmpfs /var/lib/postgresql/data postgres:17',
    exceptions:
      'Publish flags whose value cannot be known statically, and argument lists built from unknown arrays, are not reported. `--network host` is only reported as info: the container shares the host\'s network, so PostgreSQL listens on the host\'s port 5432 (the dev port) unless the command changes it.',
  },
  check({ suite, report }) {
    for (const { script, run } of postgresRuns(suite)) {
      const command = run.command;
      if (run.publish.length === 0) {
        if (hasUnknownWords(command)) continue;
        if (run.publishAll || !run.optionsKnown) continue;
        if (run.network === 'host') {
          report({
            file: script.file,
            range: nodeRange(command.node),
            severity: 'info',
            message: `\`${run.engine} run --network host\` publishes no port: PostgreSQL listens directly on the host's port 5432, the dev database's port, unless the command changes it`,
            hint: 'Prefer the default network with `-p 5433:5432`, or start the server on another port (`postgres -p 5433`) and use that port in the suite\'s URL.',
          });
          continue;
        }
        if (run.network !== null && run.network !== 'bridge' && run.network !== 'default') {
          // Another container network: the tests might run inside it too; we cannot tell.
          continue;
        }
        report({
          file: script.file,
          range: nodeRange(command.node),
          message: `\`${run.engine} run\` of ${run.image?.word.text ?? 'the postgres image'} publishes no port: the tests on the host cannot reach the database`,
          hint: 'Publish the container\'s 5432 on the test port, e.g. `-p 5433:5432`.',
        });
        continue;
      }
      // Only `-p 5432` (or `-p 127.0.0.1::5432`) written out in full is surely random; an unset variable is not.
      const random = run.publish.find((publish) => publish.random && isKnown(script, publish.word) && publish.containerPort !== null && /^\d+$/.test(publish.containerPort));
      if (!random || run.publish.some((publish) => publish !== random && !publish.random)) continue;
      report({
        file: script.file,
        range: nodeRange(random.word.node),
        severity: 'warning',
        message: `\`-p ${random.word.value}\` publishes container port ${random.containerPort} on a random host port: a database URL with a fixed port cannot match it`,
        hint: 'Give the host port explicitly, e.g. `-p 5433:5432`.',
      });
    }
  },
});
