import { defineRule, type Fix } from '../src/rule.js';
import { nodeRange } from '../src/source.js';
import { literalOffsets, pyQuote, suiteDbUrls, urlDefects } from '../src/model/dburl.js';

export default defineRule({
  code: 'SL205',
  name: 'bad-db-url',
  summary: 'The database URL is one SQLAlchemy rejects or reads differently than written',
  severity: 'error',
  fix: 'safe',
  get docs() {
    return {
      whatItDoes:
        'Reads the suite\'s database URL the way SQLAlchemy\'s `make_url` does and reports a `postgres://` scheme, a password with an unescaped `@`, and a port that is not a number.',
      whyItMatters:
        'SQLAlchemy 1.4 removed the `postgres` dialect name: `create_engine("postgres://...")` fails with "Can\'t load plugin: sqlalchemy.dialects:postgres". Since 1.4.17 the password ends at the first `@`, so `postgresql://app:p@ss@localhost:5433/app_test` silently connects to the host `ss@localhost` with the password `p`, and the tests fail with a DNS error that points nowhere near the password. A port that is not an integer raises when the engine is built. (A `/` or `:` inside the password is read correctly, and is not reported.)',
      example: 'TEST_DB_URL = "postgres://app:p@ss@localhost:5433/app_test"',
      useInstead:
        'TEST_DB_URL = "postgresql://app:p%40ss@localhost:5433/app_test"\n\n# or build the URL from its parts:\nfrom sqlalchemy import URL\nTEST_DB_URL = URL.create("postgresql", username="app", password="p@ss", host="localhost", port=5433, database="app_test")',
      exceptions: 'Percent-encoded passwords (`%40`) and URLs built with `URL.create(...)` are read as meant.',
      fixSafety:
        'Renaming the scheme `postgres` to `postgresql` is safe: it is what the old name meant. An `@` in the password or a bad port is not fixed automatically: the fix would have to guess what was meant.',
    };
  },
  check({ suite, report }) {
    for (const url of suiteDbUrls(suite)) {
      if (!url.parsed) continue;
      const parsed = url.parsed;
      if (parsed.dialect !== 'postgres' && parsed.dialect !== 'postgresql') continue;
      const defects = urlDefects(parsed);
      const range = nodeRange(url.anchor);
      if (defects.legacyScheme) {
        const at = literalOffsets(url, { start: parsed.scheme.start, end: parsed.scheme.start + 'postgres'.length });
        const fixed = `postgresql${parsed.scheme.raw.slice('postgres'.length)}`;
        const fix: Fix | null = at
          ? { applicability: 'safe', message: `Use the scheme \`${fixed}\``, edits: [{ file: url.file, start: at.start, end: at.end, text: 'postgresql' }] }
          : null;
        report({
          file: url.file,
          range,
          message: `The database URL uses the scheme \`${parsed.scheme.raw}://\`, which SQLAlchemy 1.4 and later reject ("Can't load plugin: sqlalchemy.dialects:postgres")`,
          hint: `Write \`${fixed}://\`.`,
          fix,
        });
      }
      if (defects.atInPassword) {
        const d = defects.atInPassword;
        report({
          file: url.file,
          range,
          message: `The password in the database URL contains an unescaped \`@\`: SQLAlchemy ends the password at the first \`@\`, so it connects to the host \`${d.parsedHost}\` with the password \`${d.parsedPassword}\` instead of \`${d.intendedHost}\``,
          hint: `Percent-encode the password (\`urllib.parse.quote("${d.intendedPassword}", safe="")\` gives \`${pyQuote(d.intendedPassword)}\`), or build the URL with \`sqlalchemy.URL.create(...)\`.`,
        });
      } else if (defects.badPort !== null) {
        report({
          file: url.file,
          range,
          message: `The port \`${defects.badPort}\` in the database URL is not a number: SQLAlchemy raises when it builds the engine`,
          hint: 'Give the host port the DB script publishes, e.g. `localhost:5433`.',
        });
      }
    }
  },
});
