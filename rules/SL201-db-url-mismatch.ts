import path from 'node:path';
import { defineRule, type Edit, type Fix, type Range, type RelatedLocation } from '../src/rule.js';
import { nodeRange, type SourceFile } from '../src/source.js';
import type { DbDefinition, DbValue } from '../src/model/database.js';
import { suiteDatabases } from '../src/readers/suite-databases.js';
import { isLocalHost, isPostgresUrl, isWellFormed, literalOffsets, pyQuote, suiteDbUrls, type SuiteDbUrl } from '../src/model/dburl.js';

type Part = 'user' | 'password' | 'port' | 'database';

/** A value the DB definition gives the container, and the place that sets it. */
interface ScriptValue {
  value: string;
  file: SourceFile;
  range: Range;
  /** Says what the place is, for the related location. */
  note: string;
  /** The definition, for the message: "the script" or its label. */
  source: string;
}

/** The container's connection parts; null = not known (or, for the password, not checked). */
type ScriptSide = Record<Part, ScriptValue | null>;

/**
 * The parts a definition gives the server (null when unknown). Values set explicitly are known even when
 * the rest of the environment is not (an `--env-file`, an unreadable `env_file`): they win over it; an
 * image default then is not known, nor is the password when trust auth might be set elsewhere.
 */
function definitionSide(definition: DbDefinition): ScriptSide {
  // A CI service reached by name on the job's network (a GitLab service, a job in a `container:`) is not what a localhost URL reaches.
  if (definition.ports === null && definition.kind === 'ci-service') return { user: null, password: null, port: null, database: null };
  const env = definition.env;
  const known = definition.envKnown;
  const source = definition.kind === 'docker-run' ? 'the script' : definition.label;
  const defaultsAt = definition.image?.text.range ?? definition.anchor;
  const at = (written: DbValue | null | undefined, value: string | null, note: string, fallback = definition.anchor): ScriptValue | null => {
    if (value === null) return null;
    return { value, file: definition.file, range: written?.range ?? fallback, note, source };
  };
  const explicit = (key: string): DbValue | null | undefined => (env.has(key) ? (env.get(key) ?? null) : undefined);
  const userValue = explicit('POSTGRES_USER');
  const user = userValue !== undefined
    ? at(userValue, userValue?.value ?? null, 'POSTGRES_USER is set here')
    : known ? at(null, 'postgres', 'POSTGRES_USER is not set: the image creates the user `postgres`', defaultsAt) : null;
  const databaseValue = explicit('POSTGRES_DB');
  const database = databaseValue !== undefined
    ? at(databaseValue, databaseValue?.value ?? null, 'POSTGRES_DB is set here')
    : known && user ? at(null, user.value, `POSTGRES_DB is not set: the image names the database after the user (\`${user.value}\`)`, defaultsAt) : null;
  const auth = explicit('POSTGRES_HOST_AUTH_METHOD');
  const trusts = auth === null || auth?.value === 'trust' || (auth === undefined && !known);
  const passwordValue = explicit('POSTGRES_PASSWORD');
  const password = trusts || !passwordValue ? null : at(passwordValue, passwordValue.value, 'POSTGRES_PASSWORD is set here');
  // The host port published for the port the server listens on (PGPORT, else 5432).
  let port: ScriptValue | null = null;
  const pgport = explicit('PGPORT');
  const listens = pgport === undefined ? '5432' : (pgport?.value ?? null);
  if (definition.ports && definition.portsKnown && listens !== null) {
    const published = definition.ports.filter((entry) => entry.container === listens || entry.container === `${listens}/tcp`);
    const hosts = new Set(published.map((entry) => entry.host?.value ?? null));
    const host = published.length > 0 && hosts.size === 1 && !published[0]!.random ? published[0]!.host : null;
    if (host) port = at(host, host.value, `host port ${host.value} is published here`);
  }
  return { user, password, port, database };
}

/** The parts every postgres container of the suite's DB scripts agrees on. */
function scriptSide(url: SuiteDbUrl, suiteSide: ScriptSide[]): ScriptSide | null {
  void url;
  if (suiteSide.length === 0) return null;
  const agreed: ScriptSide = { user: null, password: null, port: null, database: null };
  for (const part of ['user', 'password', 'port', 'database'] as Part[]) {
    const values = suiteSide.map((side) => side[part]);
    if (values.every((v) => v !== null && v.value === values[0]!.value)) agreed[part] = values[0]!;
  }
  return agreed;
}

const LABEL: Record<Part, string> = { user: 'user', password: 'password', port: 'port', database: 'database' };

function urlName(url: SuiteDbUrl): string {
  const inner = url.expression;
  if (inner.type === 'identifier') return `\`${inner.text}\``;
  if (url.use === 'constant') {
    const statement = url.expression.parent;
    const left = statement?.type === 'assignment' ? statement.childForFieldName('left')?.text : null;
    if (left) return `\`${left}\``;
  }
  return 'The database URL';
}

export default defineRule({
  code: 'SL201',
  name: 'db-url-mismatch',
  summary: 'The suite\'s database URL does not match the container its DB script starts',
  severity: 'error',
  fix: 'safe',
  get docs() {
    return {
      whatItDoes:
        'Compares the suite\'s database URL (the `create_engine`/`create_async_engine` argument or the URL constant in its conftest) with the `docker run` of its DB script: the user (`POSTGRES_USER`, default `postgres`), the password (`POSTGRES_PASSWORD`), the published host port and the database (`POSTGRES_DB`, default the user\'s name). The same parts are read from the suite\'s docker compose services (`environment:`, `ports:`), a Docker SDK `containers.run(...)` in its Python, and the GitHub Actions job services of the job that runs it (only for a URL written in the code: a URL read from the environment is the one the CI step sets). testcontainers and pytest-postgresql hand the URL over themselves (`get_connection_url()`), so there is nothing to compare.',
      whyItMatters:
        'The two files are written separately and drift apart: a renamed database, a port moved to 5434, a changed password. The suite then fails with "password authentication failed" or "database does not exist", or, worse, reaches a different PostgreSQL that happens to listen on that port.',
      example:
        '# test-db.sh: docker run -e POSTGRES_USER=testuser -e POSTGRES_PASSWORD=testpass -e POSTGRES_DB=app_test -p 5433:5432 postgres:17\nTEST_DB_URL = "postgresql://testuser:testpass@localhost:5433/app"',
      useInstead: 'TEST_DB_URL = "postgresql://testuser:testpass@localhost:5433/app_test"',
      exceptions:
        'Parts that cannot be resolved statically on either side are not compared (`--env-file`, values from the caller\'s environment, URLs built at run time). `localhost`, `127.0.0.1` and `::1` are the same host; URLs on other hosts are not compared. The password is not compared when the script sets `POSTGRES_HOST_AUTH_METHOD=trust`, nor when the URL gives none.',
      fixSafety: 'Safe: the differing parts are rewritten inside the URL literal to the values the script gives the container. Offered only when the URL is one plain string literal.',
    };
  },
  check({ suite, report }) {
    const sides: ScriptSide[] = [];
    // A CI job usually hands the tests their URL through the step's environment: a URL read from the
    // environment (its default written for local runs) is not compared with a CI service.
    const ciSides: ScriptSide[] = [];
    for (const definition of suiteDatabases(suite)) {
      if (definition.kind === 'testcontainers' || definition.kind === 'pytest-postgresql') continue; // the URL comes from the library
      (definition.kind === 'ci-service' ? ciSides : sides).push(definitionSide(definition));
    }
    for (const url of suiteDbUrls(suite)) {
      const target = url.target;
      if (!target || !isPostgresUrl(url) || !isLocalHost(target.host)) continue;
      if (url.parsed && !isWellFormed(url.parsed)) continue; // SL205 explains that URL
      const fromEnvironment = url.resolved.origin === 'env-default' || url.resolved.origin === 'env-no-default' || url.resolved.envName !== null;
      const side = scriptSide(url, fromEnvironment ? sides : [...sides, ...ciSides]);
      if (!side) continue;
      const urlValue: Record<Part, string | null> = { user: target.username, password: target.password, port: target.port, database: target.database };
      const differing = (['user', 'password', 'port', 'database'] as Part[]).filter((part) => {
        const script = side[part];
        return script !== null && urlValue[part] !== null && urlValue[part] !== script.value;
      });
      if (differing.length === 0) continue;
      const first = side[differing[0]!]!;
      const scriptName = path.relative(suite.project.root, first.file.path).split(path.sep).join('/');
      const what = first.source === 'the script' ? `the database ${scriptName} starts` : first.source;
      const details = differing.map((part) => {
        const script = side[part]!;
        const verb = part === 'port' ? 'publishes' : 'sets';
        return `${LABEL[part]} \`${urlValue[part]}\` (${script.source === 'the script' ? 'the script' : 'it'} ${verb} \`${script.value}\`)`;
      });
      const related: RelatedLocation[] = differing.map((part) => ({
        file: side[part]!.file,
        range: side[part]!.range,
        message: side[part]!.note,
      }));
      report({
        file: url.anchorFile,
        range: nodeRange(url.anchor),
        message: `${urlName(url)} does not match ${what}: ${details.join(', ')}`,
        hint: 'Make the URL use the user, password, host port and database the DB script gives the container.',
        related,
        fix: mismatchFix(url, differing, side),
      });
    }
  },
});

function mismatchFix(url: SuiteDbUrl, differing: Part[], side: ScriptSide): Fix | null {
  const parsed = url.parsed;
  if (!parsed || !url.resolved.literal) return null;
  const edits: Edit[] = [];
  for (const part of differing) {
    const value = side[part]!.value;
    let span: { start: number; end: number } | null = null;
    let text = value;
    if (part === 'user' && parsed.username && parsed.username.raw !== '') {
      span = parsed.username;
      text = pyQuote(value);
    } else if (part === 'password' && parsed.password) {
      span = parsed.password;
      text = pyQuote(value);
    } else if (part === 'port') {
      if (parsed.port && parsed.port.raw !== '') span = parsed.port;
      else if (parsed.host) {
        span = { start: parsed.host.end, end: parsed.port ? parsed.port.end : parsed.host.end };
        text = `:${value}`;
      }
    } else if (part === 'database' && parsed.database && /^[A-Za-z0-9_.-]+$/.test(value)) {
      span = parsed.database;
    }
    if (!span) return null;
    const at = literalOffsets(url, span);
    if (!at) return null;
    edits.push({ file: url.file, start: at.start, end: at.end, text });
  }
  const parts = differing.map((part) => LABEL[part]).join(', ');
  return { applicability: 'safe', message: `Use the script's ${parts} in the URL`, edits };
}
