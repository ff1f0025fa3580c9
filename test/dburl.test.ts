// URL parsing as SQLAlchemy's make_url does it, and value resolution with provenance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { engineCallKind, parseDbUrl, pyQuote, pyUnquote, targetOf, urlDefects } from '../src/model/dburl.js';
import { resolveUrl } from '../src/model/pyvalues.js';
import { pyModule } from '../src/model/python.js';
import { fromText } from '../src/source.js';

test('parses the parts of a driver URL', () => {
  const parsed = parseDbUrl('postgresql+psycopg2://testuser:testpass@localhost:5433/app_test?sslmode=disable')!;
  assert.equal(parsed.dialect, 'postgresql');
  assert.equal(parsed.driver, 'psycopg2');
  assert.equal(parsed.username?.raw, 'testuser');
  assert.equal(parsed.password?.raw, 'testpass');
  assert.equal(parsed.hostName, 'localhost');
  assert.equal(parsed.port?.raw, '5433');
  assert.equal(parsed.database?.raw, 'app_test');
  assert.equal(parsed.query?.raw, 'sslmode=disable');
  assert.equal(parsed.text.slice(parsed.port!.start, parsed.port!.end), '5433');
});

test('the password ends at the first @ (SQLAlchemy >= 1.4.17)', () => {
  const parsed = parseDbUrl('postgresql://u:p@ss@localhost:5433/db')!;
  assert.equal(parsed.password?.raw, 'p');
  assert.equal(parsed.hostName, 'ss@localhost');
  const defects = urlDefects(parsed);
  assert.deepEqual(defects.atInPassword, { parsedPassword: 'p', parsedHost: 'ss@localhost', intendedPassword: 'p@ss', intendedHost: 'localhost' });
});

test('`/` and `:` in the password parse as meant', () => {
  const parsed = parseDbUrl('postgresql://u:pa/ss:word@localhost:5433/db')!;
  assert.equal(parsed.password?.raw, 'pa/ss:word');
  assert.equal(parsed.hostName, 'localhost');
  assert.equal(urlDefects(parsed).atInPassword, null);
  assert.equal(urlDefects(parsed).badPort, null);
});

test('an @ in the database name is not a password problem', () => {
  const parsed = parseDbUrl('postgresql://u:p@localhost:5433/my@db')!;
  assert.equal(parsed.database?.raw, 'my@db');
  assert.equal(urlDefects(parsed).atInPassword, null);
});

test('legacy scheme and bad port', () => {
  assert.equal(urlDefects(parseDbUrl('postgres://u:p@localhost:5433/db')!).legacyScheme, true);
  assert.equal(urlDefects(parseDbUrl('postgresql://u:p@localhost:54x3/db')!).badPort, '54x3');
});

test('IPv6 hosts, missing port and missing credentials', () => {
  const parsed = parseDbUrl('postgresql://u:p@[::1]/db')!;
  assert.equal(parsed.hostName, '::1');
  assert.equal(targetOf(parsed).port, '5432');
  const bare = targetOf(parseDbUrl('postgresql:///db')!);
  assert.equal(bare.username, null);
  assert.equal(bare.host, null);
  assert.equal(bare.port, null);
});

test('percent-decoding follows urllib.parse.unquote', () => {
  assert.equal(pyUnquote('p%40ss%2Fw%3Ard'), 'p@ss/w:rd');
  assert.equal(pyUnquote('a+b'), 'a+b');
  assert.equal(pyUnquote('100%zz'), '100%zz');
  assert.equal(pyUnquote('caf%C3%A9'), 'café');
  assert.equal(pyQuote('p@ss word/é'), 'p%40ss%20word%2F%C3%A9');
  assert.equal(targetOf(parseDbUrl('postgresql://u:p%40ss@localhost:5433/db')!).password, 'p@ss');
});

function module(text: string) {
  const file = fromText('/tmp/conftest.py', 'python', text);
  return pyModule(file)!;
}

test('resolves env defaults, environ set by the conftest, settings and URL.create', () => {
  const m = module(
    [
      'import os',
      'from app.config import settings',
      'from sqlalchemy import URL',
      'os.environ["DATABASE_URL"] = "postgresql://a:b@localhost:5433/c"',
      'A = os.getenv("TEST_DATABASE_URL", "postgresql://x:y@localhost:5433/z")',
      'B = os.environ["DATABASE_URL"]',
      'C = settings.DATABASE_URL',
      'D = os.getenv("DATABASE_URL_UNSET")',
      'E = URL.create(drivername="postgresql", username="u", password="p@ss", host="localhost", port=5433, database="d")',
      'PORT = 5433',
      'F = f"postgresql://u:p@localhost:{PORT}/d"',
    ].join('\n'),
  );
  const value = (name: string) => resolveUrl(m, m.assignments.get(name)!.value);
  assert.equal(value('A').value, 'postgresql://x:y@localhost:5433/z');
  assert.equal(value('A').origin, 'env-default');
  assert.equal(value('A').envName, 'TEST_DATABASE_URL');
  assert.ok(value('A').literal);
  assert.equal(value('B').value, 'postgresql://a:b@localhost:5433/c');
  assert.equal(value('B').origin, 'env-set');
  assert.equal(value('C').origin, 'settings');
  assert.equal(value('D').origin, 'env-no-default');
  const e = value('E');
  assert.equal(e.origin, 'url-create');
  assert.equal(e.parts?.password, 'p@ss');
  assert.equal(e.parts?.port, '5433');
  assert.equal(value('F').value, 'postgresql://u:p@localhost:5433/d');
  assert.equal(value('F').literal, null);
});

test('an engine factory is create_engine or create_async_engine, however imported; no name an object holds is one', () => {
  const m = module(
    [
      'import sqlalchemy',
      'from sqlalchemy import create_engine',
      'from sqlalchemy.ext.asyncio import create_async_engine as make',
      'a = create_engine("postgresql://u:p@localhost:5433/db")',
      'b = sqlalchemy.create_engine("postgresql://u:p@localhost:5433/db")',
      'c = create_async_engine("postgresql+asyncpg://u:p@localhost:5433/db")',
      'd = constructor("postgresql://u:p@localhost:5433/db")',
      'e = toString("postgresql://u:p@localhost:5433/db")',
      'f = x.hasOwnProperty("postgresql://u:p@localhost:5433/db")',
      'g = other.create_engine("postgresql://u:p@localhost:5433/db")',
      '',
    ].join('\n'),
  );
  const kinds = m.file.tree!.rootNode.descendantsOfType('call').map((call) => engineCallKind(m, call));
  assert.deepEqual(kinds, ['engine', 'engine', 'async-engine', null, null, null, null]);
});
