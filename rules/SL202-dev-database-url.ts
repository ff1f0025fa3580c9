import { defineRule } from '../src/rule.js';
import { nodeRange } from '../src/source.js';
import { isLocalHost, isPostgresUrl, isWellFormed, suiteDbUrls, type SuiteDbUrl } from '../src/model/dburl.js';
import { envSets } from '../src/model/pyvalues.js';

const URLISH_VARIABLE = /(url|uri|dsn|database|postgres|pg|db)/i;

function describeUse(url: SuiteDbUrl): string {
  const expression = url.expression.text.length > 60 ? `${url.expression.text.slice(0, 57)}...` : url.expression.text;
  if (url.use === 'constant') return `\`${expression}\``;
  const callee = url.call?.childForFieldName('function')?.text ?? 'create_engine';
  return `\`${callee}(${expression})\``;
}

export default defineRule({
  code: 'SL202',
  name: 'dev-database-url',
  summary: 'The suite\'s database URL points at the development database',
  severity: 'error',
  fix: 'none',
  docs: {
    whatItDoes:
      'Reports a suite database URL on the dev port (default 5432) of a local host, a URL taken from the app\'s own settings, and a URL read from a `DATABASE_URL`-style variable with no default.',
    whyItMatters:
      'The integration suite creates tables, inserts rows and may drop everything at the end. Pointed at the development database (the app\'s settings, the shell\'s `DATABASE_URL`, port 5432) it does that to the data you work with, and it passes or fails depending on what happens to be in there.',
    example:
      'from app.config import settings\n\n@pytest.fixture(scope="session")\ndef test_engine():\n    engine = create_engine(settings.DATABASE_URL)',
    useInstead:
      '# Must match scripts/test-db.sh: the throw-away database on port 5433\nTEST_DB_URL = os.getenv("TEST_DATABASE_URL", "postgresql://testuser:testpass@localhost:5433/app_test")',
    exceptions:
      'Silent on a `TEST_DATABASE_URL`-style variable whose default points at the test port, on hosts other than the local machine (a CI service container on port 5432 is not the dev database), and when the conftest itself sets the variable the settings read (`os.environ["DATABASE_URL"] = TEST_DB_URL` before importing the app).',
  },
  check({ suite, config, report }) {
    for (const url of suiteDbUrls(suite)) {
      if (!isPostgresUrl(url)) continue;
      const range = nodeRange(url.anchor);
      const { resolved } = url;
      if (resolved.origin === 'settings') {
        // The conftest may point the settings at the test database through the environment first.
        const sets = [...envSets(url.module).keys()];
        if (sets.some((name) => URLISH_VARIABLE.test(name))) continue;
        report({
          file: url.file,
          range,
          message: `${describeUse(url)} takes the database URL from the app's own settings: the suite runs against whatever database the app is configured for, normally the development one`,
          hint: 'Give the suite its own URL that matches the DB script (e.g. `TEST_DB_URL = "postgresql://...@localhost:5433/app_test"`).',
        });
        continue;
      }
      if (resolved.origin === 'env-no-default' && resolved.envName && !/test/i.test(resolved.envName)) {
        report({
          file: url.file,
          range,
          message: `${describeUse(url)} reads \`${resolved.envName}\` with no default: the suite uses whatever database that variable names in the shell, normally the development one, and fails when it is unset`,
          hint: `Read a test-only variable with the test database as default, e.g. \`os.getenv("TEST_DATABASE_URL", "postgresql://...@localhost:${config.testPort}/app_test")\`.`,
        });
        continue;
      }
      const target = url.target;
      if (!target || target.port === null || !isLocalHost(target.host)) continue;
      if (url.parsed && !isWellFormed(url.parsed)) continue; // SL205 explains that URL
      if (target.port !== String(config.devPort)) continue;
      const where = resolved.envName ? ` (the default of \`${resolved.envName}\`)` : '';
      report({
        file: url.file,
        range,
        message: `The suite's database URL${where} uses port ${config.devPort}, the development database's port: the tests would write to the dev database`,
        hint: `Use the port the DB script publishes for the test container (${config.testPort} by convention).`,
      });
    }
  },
});
