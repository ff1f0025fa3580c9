import { defineRule } from '../src/rule.js';
import { nodeRange } from '../src/source.js';
import { isLocalHost, isPostgresDialect, isPostgresUrl, isWellFormed, parseDbUrl, suiteDbUrls, targetOf, type SuiteDbUrl } from '../src/model/dburl.js';
import { setForSuite, suiteEnvironment, type SuiteEnvironment } from '../src/model/suite-env.js';
import { settingsInProject } from '../src/model/settings-values.js';
import { suiteAppEngines } from '../src/model/app-engines.js';
import type { Suite } from '../src/model/suite.js';
import type { RuleContext } from '../src/rule.js';

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
  get docs() {
    return {
      whatItDoes:
        'Reports a suite database URL on the dev port (default 5432) of a local host, a URL taken from the app\'s own settings, and a URL read from a `DATABASE_URL`-style variable with no default. The URL is followed through module constants, `+` and f-strings (`create_engine(DB_PREFIX + DB_URI)` with both taken from the settings, `f"postgresql://{settings.DB_USER}:...@{settings.DB_HOST}:{settings.DB_PORT}/..."`), and into the app\'s modules: a settings field\'s default (`Field(default=...)`, `os.getenv("X", default)`, starlette/decouple `config("X", default=...)`), a `@property` that builds the URL from fields with defaults, `settings = get_settings()`. A URL the conftest puts into the environment for the app\'s settings to read (`os.environ.setdefault("DATABASE_URL", "...:5432/...")`) counts as the suite\'s URL. So does the app\'s own engine when a test or fixture module imports and uses it (`from app.db import engine`, a `SessionLocal` bound to it, a `get_engine()` that returns it): its URL is read where the app builds it.',
      whyItMatters:
        'The integration suite creates tables, inserts rows and may drop everything at the end. Pointed at the development database (the app\'s settings, the shell\'s `DATABASE_URL`, port 5432) it does that to the data you work with, and it passes or fails depending on what happens to be in there.',
      example:
        'from app.config import settings\n\n@pytest.fixture(scope="session")\ndef test_engine():\n    engine = create_engine(settings.DATABASE_URL)',
      useInstead:
        '# Must match scripts/test-db.sh: the throw-away database on port 5433\nTEST_DB_URL = os.getenv("TEST_DATABASE_URL", "postgresql://testuser:testpass@localhost:5433/app_test")',
      exceptions:
        'Silent on a `TEST_DATABASE_URL`-style variable whose default points at the test port, on hosts other than the local machine (a CI service container on port 5432 is not the dev database), and when the conftest itself sets the variable the settings read (`os.environ["DATABASE_URL"] = TEST_DB_URL` before importing the app). Settings whose defaults can be read are judged by them: silent when they point elsewhere than the dev port, or when the suite\'s runner (a script, make target or CI step), pytest-env or a conftest sets a variable that replaces a piece of them (the field\'s name or alias, the variable a default is read from); a `setdefault` URL is silent when the runner exports that variable. Silent when a suite module sets a URL-like variable (at import time or with `monkeypatch.setenv` in a fixture) or loads a dotenv file, when the suite builds the settings its own way (`Settings(_env_file=".env.test")`), when the settings come from a module outside the project, for a test-named setting (`settings.TEST_DATABASE_URL`) whose value cannot be read, for a settings URL with other text added (`f"{settings.DB_URL}_test"`), and for SQLite. The app\'s engine is not reported when the suite has a test engine of its own (built in its modules, or the app\'s `test_engine`): the app\'s may be there only to create the test database.',
    };
  },
  check({ suite, config, report }) {
    let environment: SuiteEnvironment | null = null;
    const env = (): SuiteEnvironment => (environment ??= suiteEnvironment(suite));
    for (const url of suiteDbUrls(suite)) {
      if (!isPostgresUrl(url)) continue;
      const range = nodeRange(url.anchor);
      const { resolved } = url;
      if (resolved.origin === 'settings') {
        // The conftest may point the settings at the test database through the environment first
        // (at import time, or in a fixture with `monkeypatch.setenv`).
        if ([...env().byModules].some((name) => URLISH_VARIABLE.test(name))) continue;
        if (env().dotenv) continue; // a conftest loads a dotenv file: which values the settings get is not known
        const followed = url.followed;
        if (followed) {
          // Known defaults: judged by where they point, unless the runner or a conftest replaces a piece of them.
          if (setForSuite(env(), followed.overriddenBy)) continue;
          const parsed = parseDbUrl(followed.value);
          if (!parsed || !isPostgresDialect(parsed.dialect) || !isWellFormed(parsed)) continue;
          const target = targetOf(parsed);
          if (!isLocalHost(target.host) || target.port !== String(config.devPort)) continue;
          report({
            file: url.file,
            range,
            message: `${describeUse(url)} takes the database URL from the app's own settings, which default to \`${shorten(followed.value)}\` on port ${config.devPort}, the development database's port: the tests would write to the dev database`,
            hint: 'Give the suite its own URL that matches the DB script (e.g. `TEST_DB_URL = "postgresql://...@localhost:5433/app_test"`), or set the settings\' variable to it in the runner.',
            related: [{ file: followed.file, range: nodeRange(followed.node), message: 'the default is written here' }],
          });
          continue;
        }
        // A settings value meant for tests (`settings.TEST_DATABASE_URL`) whose value cannot be followed,
        // or settings from a module outside the project: nothing is known.
        if (/test/i.test(resolved.settings?.text ?? '')) continue;
        if (!resolved.settings || !settingsInProject(suite.project, url.module, resolved.settings)) continue;
        report({
          file: url.file,
          range,
          message: `${describeUse(url)} takes the database URL from the app's own settings: the suite runs against whatever database the app is configured for, normally the development one`,
          hint: 'Give the suite its own URL that matches the DB script (e.g. `TEST_DB_URL = "postgresql://...@localhost:5433/app_test"`).',
        });
        continue;
      }
      // The runner (or pytest-env) sets the variable the URL is read from (or that a `setdefault` URL yields to):
      // the shell's value, or the default, is not what the suite gets.
      if (resolved.envName && env().byRunner.has(resolved.envName.toUpperCase())) continue;
      if (resolved.origin === 'env-no-default' && resolved.envName && !/test/i.test(resolved.envName)) {
        if (env().byModules.has(resolved.envName.toUpperCase())) continue; // another fixture module sets it
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
      const where = url.use === 'environment' && url.envName
        ? ` (put into \`${url.envName}\` for the app's settings to read)`
        : resolved.envName ? ` (the default of \`${resolved.envName}\`)` : '';
      report({
        file: url.file,
        range,
        message: `The suite's database URL${where} uses port ${config.devPort}, the development database's port: the tests would write to the dev database`,
        hint: `Use the port the DB script publishes for the test container (${config.testPort} by convention).`,
      });
    }
    checkAppEngines(suite, config.devPort, env, report);
  },
});

const APP_ENGINE_VERB = { engine: 'is', 'session-factory': 'opens sessions on', helper: 'returns' } as const;

/** The app's own engine (or a session factory bound to it) imported into the suite and used there. */
function checkAppEngines(suite: Suite, devPort: number, env: () => SuiteEnvironment, report: RuleContext['report']): void {
  const uses = suiteAppEngines(suite);
  if (uses.length === 0) return;
  // A conftest that points the app at another database through the environment, or loads a dotenv file: not known.
  if ([...env().byModules].some((name) => URLISH_VARIABLE.test(name)) || env().dotenv) return;
  // The suite has a test engine of its own (built in its modules, or the app's `test_engine`): the app's
  // default engine may be there only to set that database up (`CREATE DATABASE testdb`), which is not known.
  if (suiteDbUrls(suite).some((url) => url.use !== 'constant' && url.use !== 'environment')) return;
  if (uses.some((use) => /test/i.test(use.nameNode.text) || /test/i.test(use.resolved.source?.text ?? ''))) return;
  for (const use of uses) {
    const { resolved } = use;
    const appFile = use.appModule.file;
    const relativeApp = suite.project.relative(appFile.path);
    const engineText = use.call.text.length > 70 ? `${use.call.text.slice(0, 67)}...` : use.call.text;
    const related = [{ file: appFile, range: nodeRange(use.call), message: 'the app builds the engine here' }];
    const what = `\`${use.nameNode.text}\` (from \`${use.fromModule}\`) ${APP_ENGINE_VERB[use.kind]} the app's own engine, \`${engineText}\` in ${relativeApp}`;
    let value: string | null = null;
    let overriddenBy: Iterable<string> = [];
    if (resolved.origin === 'settings') {
      if (use.followed) {
        value = use.followed.value;
        overriddenBy = use.followed.overriddenBy;
      } else {
        if (/test/i.test(resolved.settings?.text ?? '')) continue;
        if (!use.appSettings || !settingsInProject(suite.project, use.appModule, use.appSettings, use.file)) continue;
        report({
          file: use.file,
          range: nodeRange(use.nameNode),
          message: `${what}: the suite uses whatever database the app's settings name, normally the development one`,
          hint: 'Give the suite its own engine on the test database (the URL the DB script gives the container) and override the app\'s DB dependency with it.',
          related,
        });
        continue;
      }
    } else if (resolved.value !== null && (resolved.origin === 'literal' || resolved.origin === 'computed' || resolved.origin === 'env-default')) {
      value = resolved.value;
      overriddenBy = resolved.envName ? [resolved.envName] : [];
    }
    if (value === null || setForSuite(env(), overriddenBy)) continue;
    const parsed = parseDbUrl(value);
    if (!parsed || !isPostgresDialect(parsed.dialect) || !isWellFormed(parsed)) continue;
    const target = targetOf(parsed);
    if (!isLocalHost(target.host) || target.port !== String(devPort)) continue;
    report({
      file: use.file,
      range: nodeRange(use.nameNode),
      message: `${what}, whose URL \`${shorten(value)}\` uses port ${devPort}, the development database's port: the tests would write to the dev database`,
      hint: 'Give the suite its own engine on the test database (the URL the DB script gives the container) and override the app\'s DB dependency with it.',
      related,
    });
  }
}

function shorten(text: string): string {
  return text.length > 70 ? `${text.slice(0, 67)}...` : text;
}
