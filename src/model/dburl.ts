// Database URLs as SQLAlchemy reads them, and the URLs an integration suite connects with.
//
// How SQLAlchemy splits a URL string (`sqlalchemy.engine.url.make_url` → `_parse_url`), checked
// against its source and issue tracker (sqlalchemy/sqlalchemy #6482, #6567, #7375, #11262):
//
//   (?P<name>[\w\+]+)://
//   (?:(?P<username>[^:/]*)(?::(?P<password>[^@]*))?@)?
//   (?:(?:\[(?P<ipv6host>[^/\?]+)\]|(?P<ipv4host>[^/:\?]+))?(?::(?P<port>[^/\?]*))?)?
//   (?:/(?P<database>[^\?]*))?
//   (?:\?(?P<query>.*))?
//
// matched from the start of the string. Since 1.4.17 the password is `[^@]*`: it ends at the FIRST
// `@`, and whatever follows up to the next `/`, `:` or `?` becomes the host, `@` included. So
// `postgresql://u:p@ss@localhost:5433/db` connects to host `ss@localhost` with password `p`
// (SQLAlchemy 1.3 and 1.4.0–1.4.16 split at the last `@` instead, which is why such URLs "used to
// work"). A `/` or `:` in the password, on the other hand, parses fine: the username stops at the
// first `:` and the password runs to the `@`. Only `@` is ambiguous, and it is the one SL205 reports.
// Username and password are then percent-decoded with `urllib.parse.unquote` (not `unquote_plus`:
// a `+` stays a `+` since 0.9); the database name is not decoded. The port must be an integer
// (`int(port)` raises otherwise). The dialect name `postgres` was removed in 1.4 ("Can't load
// plugin: sqlalchemy.dialects:postgres").
import type Parser from 'tree-sitter';
import type { SourceFile } from '../source.js';
import type { Suite } from './suite.js';
import { callArguments, calleeName, pyModule, type FunctionInfo, type PyModule } from './python.js';
import { nodesOfType } from './tree-nodes.js';
import { envSets, literalContentStart, resolveUrl, type ResolvedUrl } from './pyvalues.js';
import { suitePythonFiles } from './suite-modules.js';
import { settingDefault, type SettingDefault } from './settings-values.js';
import type { Project } from './suite.js';
import { perSuite } from './suite-caches.js';
import { lastSegment } from './app/helpers.js';
import { lookupTable } from '../lookup-table.js';

type Node = Parser.SyntaxNode;

/** A part of the URL text: its raw text and where it sits in the URL string (0-based, end exclusive). */
export interface UrlSpan {
  raw: string;
  start: number;
  end: number;
}

export interface ParsedDbUrl {
  text: string;
  /** `postgresql+psycopg2` */
  scheme: UrlSpan;
  dialect: string;
  driver: string | null;
  username: UrlSpan | null;
  password: UrlSpan | null;
  host: UrlSpan | null;
  /** The host with IPv6 brackets removed. */
  hostName: string | null;
  port: UrlSpan | null;
  database: UrlSpan | null;
  query: UrlSpan | null;
  /** Where the authority (after `://`) ends: a port can be inserted here when absent. */
  hostEnd: number;
}

const URL_PATTERN =
  /^(?<name>[\w+]+):\/\/(?:(?<username>[^:/]*)(?::(?<password>[^@]*))?@)?(?:(?:\[(?<ipv6host>[^/?]+)\]|(?<ipv4host>[^/:?]+))?(?::(?<port>[^/?]*))?)?(?:\/(?<database>[^?]*))?(?:\?(?<query>.*))?/d;

/** Splits a URL string the way SQLAlchemy's `make_url` does; null when it is not a URL at all. */
export function parseDbUrl(text: string): ParsedDbUrl | null {
  const match = URL_PATTERN.exec(text);
  if (!match || !match.groups || !match.indices?.groups) return null;
  const indices = match.indices.groups;
  const span = (name: string): UrlSpan | null => {
    const value = match.groups![name];
    const at = indices[name];
    return value === undefined || !at ? null : { raw: value, start: at[0], end: at[1] };
  };
  const scheme = span('name')!;
  const [dialect, ...drivers] = scheme.raw.split('+');
  const ipv6 = span('ipv6host');
  const host = ipv6 ? { raw: `[${ipv6.raw}]`, start: ipv6.start - 1, end: ipv6.end + 1 } : span('ipv4host');
  const port = span('port');
  const hostEnd = port ? port.end : host ? host.end : (span('password')?.end ?? span('username')?.end ?? scheme.end + 3) + (match.groups.username !== undefined ? 1 : 0);
  return {
    text,
    scheme,
    dialect: dialect!,
    driver: drivers.length > 0 ? drivers.join('+') : null,
    username: span('username'),
    password: span('password'),
    host,
    hostName: ipv6 ? ipv6.raw : host?.raw ?? null,
    port,
    database: span('database'),
    query: span('query'),
    hostEnd,
  };
}

/** `urllib.parse.unquote`: %XX sequences as UTF-8, invalid sequences left as they are. */
export function pyUnquote(text: string): string {
  if (!text.includes('%')) return text;
  return text.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
    const bytes = Buffer.from(run.split('%').slice(1).map((hex) => parseInt(hex, 16)));
    return bytes.toString('utf8');
  });
}

/** Percent-encodes everything but unreserved characters (`urllib.parse.quote(s, safe="")`). */
export function pyQuote(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.~-]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function isPostgresDialect(dialect: string): boolean {
  return dialect === 'postgresql' || dialect === 'postgres';
}

export const LOCAL_DB_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '0.0.0.0']);

export function isLocalHost(host: string | null): boolean {
  return host !== null && LOCAL_DB_HOSTS.has(host.toLowerCase());
}

/** The connection parts a URL means, decoded: what SL201 compares with the script. Null part = not known. */
export interface DbTarget {
  username: string | null;
  password: string | null;
  host: string | null;
  /** The port as written; '5432' when the URL names a host but no port. */
  port: string | null;
  database: string | null;
}

export function targetOf(parsed: ParsedDbUrl): DbTarget {
  return {
    username: parsed.username && parsed.username.raw !== '' ? pyUnquote(parsed.username.raw) : null,
    password: parsed.password ? pyUnquote(parsed.password.raw) : null,
    host: parsed.hostName,
    port: parsed.port && parsed.port.raw !== '' ? parsed.port.raw : parsed.hostName ? '5432' : null,
    database: parsed.database && parsed.database.raw !== '' ? parsed.database.raw : null,
  };
}

// ---------------------------------------------------------------------------------------------
// The suite's URLs

/** `environment`: a URL the suite puts into `os.environ` (`setdefault("DATABASE_URL", ...)`) for the app to read. */
export type UrlUse = 'engine' | 'async-engine' | 'agent' | 'constant' | 'environment';

export interface SuiteDbUrl {
  file: SourceFile;
  module: PyModule;
  /** How the suite uses it: given to an engine, a DB agent, or only defined as a URL constant. */
  use: UrlUse;
  /** The engine (or agent) call, when the URL is given to one. */
  call: Node | null;
  /** The expression the URL is given as (the call's argument, or the constant's value). */
  expression: Node;
  /** The fixture or function the call sits in. */
  fn: FunctionInfo | null;
  resolved: ResolvedUrl;
  /** The parsed value, for string URLs. */
  parsed: ParsedDbUrl | null;
  /** The connection parts (from the string or from `URL.create` keywords). */
  target: DbTarget | null;
  /** Where findings about the URL go: the string literal when known, else the expression. */
  anchor: Node;
  /** The file the anchor sits in (always `file`: URLs are only followed inside one module). */
  anchorFile: SourceFile;
  /**
   * For a URL from the app's settings ('settings' origin): what the app's code gives when the
   * environment replaces nothing (field defaults, `getenv` defaults), followed into its modules; null when unknown.
   */
  followed: SettingDefault | null;
  /** For 'environment': the variable set. */
  envName: string | null;
}

const ENGINE_FACTORIES = lookupTable<UrlUse>({ create_engine: 'engine', create_async_engine: 'async-engine' });
const URL_CONSTANT_NAME = /(^|_)(DB|DATABASE|POSTGRES(QL)?|PG|SQLALCHEMY(_DATABASE)?)_?(URL|URI|DSN)$|^(TEST_)?(DB|DATABASE)_?URL$/i;

/** Is this call an engine factory (`create_engine`, `create_async_engine`, however imported) or a DB agent? */
export function engineCallKind(module: PyModule, call: Node): UrlUse | null {
  if (call.type !== 'call') return null;
  const callee = calleeName(module, call);
  if (!callee) return null;
  const last = lastSegment(callee);
  const kind = ENGINE_FACTORIES[last];
  if (kind) {
    const known = callee === last || /^(sqlalchemy|sqlmodel)(\.|$)/.test(callee);
    return known ? kind : null;
  }
  if (/DBAgent$|DbAgent$|DatabaseAgent$/.test(last) && callArguments(call).keywords.has('postgres_str')) return 'agent';
  return null;
}

/** The argument of an engine/agent call that holds the URL. */
export function urlArgument(call: Node, use: UrlUse): Node | null {
  const args = callArguments(call);
  if (use === 'agent') return args.keywords.get('postgres_str') ?? null;
  return args.positional[0] ?? args.keywords.get('url') ?? null;
}

function enclosingFunctionInfo(module: PyModule, node: Node): FunctionInfo | null {
  for (let current: Node | null = node.parent; current; current = current.parent) {
    if (current.type === 'function_definition') return module.functions.find((fn) => fn.node.id === current!.id) ?? null;
  }
  return null;
}

function describe(project: Project, file: SourceFile, module: PyModule, use: UrlUse, call: Node | null, expression: Node, fn: FunctionInfo | null): SuiteDbUrl {
  let resolved = resolveUrl(module, expression, fn, envSets(module));
  let followed = resolved.origin === 'settings' ? settingDefault(project, module, resolved.source ?? expression) : null;
  if (resolved.origin === 'unknown' && !bindsLocally(fn, expression)) {
    // A module-level URL put together from the app's settings pieces (`f"postgresql://{settings.DB_USER}:...@{settings.DB_HOST}..."`):
    // a settings URL when every piece can be followed into the app.
    const composed = settingDefault(project, module, expression);
    if (composed?.fromApp) {
      resolved = { ...resolved, origin: 'settings', settings: expression, source: expression };
      followed = composed;
    }
  }
  const parsed = resolved.value !== null ? parseDbUrl(resolved.value) : null;
  let target: DbTarget | null = parsed ? targetOf(parsed) : null;
  if (resolved.parts) {
    const p = resolved.parts;
    const known = (name: string, value: string | null): string | null => (p.unknown.has(name) ? null : value);
    target = {
      username: known('username', p.username),
      password: known('password', p.password),
      host: known('host', p.host),
      port: p.unknown.has('port') ? null : p.port ?? (p.host ? '5432' : null),
      database: known('database', p.database),
    };
  }
  return { file, module, use, call, expression, fn, resolved, parsed, target, anchor: resolved.literal ?? resolved.source ?? expression, anchorFile: file, followed, envName: null };
}

/** Does the expression use a name the function binds itself (a parameter, a local)? The settings follower reads module names only. */
function bindsLocally(fn: FunctionInfo | null, expression: Node): boolean {
  if (!fn) return false;
  const names = new Set(expression.descendantsOfType('identifier').filter((id) => !(id.parent?.type === 'attribute' && id.parent.childForFieldName('attribute')?.id === id.id)).map((id) => id.text));
  if (expression.type === 'identifier') names.add(expression.text);
  if (fn.parameters.some((name) => names.has(name))) return true;
  return fn.node.descendantsOfType(['assignment', 'augmented_assignment', 'for_statement', 'with_item', 'named_expression']).some((node) => {
    const target = node.type === 'with_item' ? node.descendantsOfType('as_pattern_target')[0] : node.type === 'named_expression' ? node.childForFieldName('name') : node.type === 'for_statement' ? node.childForFieldName('left') : node.childForFieldName('left');
    return target ? target.descendantsOfType('identifier').concat(target.type === 'identifier' ? [target] : []).some((id) => names.has(id.text)) : false;
  });
}

/** Is the URL (when known) one of PostgreSQL's? URLs of unknown value count, other databases do not. */
export function isPostgresUrl(url: SuiteDbUrl): boolean {
  if (url.parsed) return isPostgresDialect(url.parsed.dialect);
  if (url.resolved.parts?.drivername) return isPostgresDialect(url.resolved.parts.drivername.split('+')[0]!);
  return url.resolved.value === null;
}

const cache = perSuite<SuiteDbUrl[]>();

/**
 * The database URLs of a suite: every URL given to `create_engine`/`create_async_engine` or a DB agent
 * in the suite's test modules and fixture modules (conftests above and inside, `pytest_plugins`,
 * imported fixture modules), plus module constants named like a database URL whose
 * value is a PostgreSQL URL (the skill's `TEST_DB_URL`) and PostgreSQL URLs the modules put into such a
 * variable of the environment (`os.environ.setdefault("DATABASE_URL", ...)`), that no engine call
 * already accounts for.
 */
export function suiteDbUrls(suite: Suite): SuiteDbUrl[] {
  const cached = cache.get(suite);
  if (cached) return cached;
  const result: SuiteDbUrl[] = [];
  const seen = new Set<string>();
  for (const file of suitePythonFiles(suite)) {
    const module = pyModule(file);
    if (!module) continue;
    for (const call of nodesOfType(file, 'call')) {
      const use = engineCallKind(module, call);
      if (!use) continue;
      const argument = urlArgument(call, use);
      if (!argument) continue;
      const fn = enclosingFunctionInfo(module, call);
      const url = describe(suite.project, file, module, use, call, argument, fn);
      const key = `${url.anchor.startIndex}:${url.anchor.endIndex}`;
      if (seen.has(`${file.path}#${key}`)) continue;
      seen.add(`${file.path}#${key}`);
      result.push(url);
    }
    for (const [name, { value }] of module.assignments) {
      if (!URL_CONSTANT_NAME.test(name)) continue;
      const url = describe(suite.project, file, module, 'constant', null, value, null);
      if (!url.parsed || !isPostgresDialect(url.parsed.dialect)) continue;
      const key = `${file.path}#${url.anchor.startIndex}:${url.anchor.endIndex}`;
      if (seen.has(key)) continue;
      seen.add(key);
      result.push(url);
    }
    // `os.environ.setdefault("DATABASE_URL", "postgresql://...")` before the app is imported: the URL the app's settings will read.
    for (const [name, set] of envSets(module)) {
      if (!URL_CONSTANT_NAME.test(name)) continue;
      const described = describe(suite.project, file, module, 'environment', null, set.value, null);
      // `setdefault` yields to a value the runner or CI step exports: the URL passes through that variable.
      const resolvedUrl = set.kind === 'setdefault' ? { ...described.resolved, envName: name } : described.resolved;
      const url = { ...described, resolved: resolvedUrl, envName: name };
      if (!url.parsed || !isPostgresDialect(url.parsed.dialect)) continue;
      const key = `${file.path}#${url.anchor.startIndex}:${url.anchor.endIndex}`;
      if (seen.has(key)) continue;
      seen.add(key);
      result.push(url);
    }
  }
  cache.set(suite, result);
  return result;
}

/** Offsets in the file of a span of the URL, when the whole URL is one plain literal. */
export function literalOffsets(url: SuiteDbUrl, span: { start: number; end: number }): { start: number; end: number } | null {
  if (!url.resolved.literal) return null;
  const base = literalContentStart(url.resolved.literal);
  return { start: base + span.start, end: base + span.end };
}

/** What SQLAlchemy would make of a URL string that is not what its author meant. */
export interface UrlDefects {
  /** `postgres://` (or `postgres+driver://`): no such dialect since SQLAlchemy 1.4. */
  legacyScheme: boolean;
  /** The password holds an unescaped `@`: what SQLAlchemy reads as password and host, and what was meant. */
  atInPassword: { parsedPassword: string; parsedHost: string; intendedPassword: string; intendedHost: string } | null;
  /** A port that is not an integer (and not explained by an `@` in the password). */
  badPort: string | null;
}

export function urlDefects(parsed: ParsedDbUrl): UrlDefects {
  const defects: UrlDefects = { legacyScheme: parsed.dialect === 'postgres', atInPassword: null, badPort: null };
  if (parsed.password) {
    // What follows the password's (first) `@` up to the path: host and port as SQLAlchemy reads them.
    // An `@` in there means the password went on past the first `@`.
    const start = parsed.host?.start ?? parsed.port?.start ?? parsed.password.end + 1;
    const end = parsed.port?.end ?? parsed.host?.end ?? start;
    const hostPort = parsed.text.slice(start, end);
    const lastAt = hostPort.lastIndexOf('@');
    if (lastAt >= 0) {
      const intendedHostPort = hostPort.slice(lastAt + 1);
      defects.atInPassword = {
        parsedPassword: parsed.password.raw,
        parsedHost: parsed.host?.raw ?? '',
        intendedPassword: `${parsed.password.raw}@${hostPort.slice(0, lastAt)}`,
        intendedHost: intendedHostPort.startsWith('[') ? intendedHostPort.replace(/\](:.*)?$/, ']') : intendedHostPort.split(':')[0]!,
      };
      return defects;
    }
  }
  if (parsed.port && parsed.port.raw !== '' && !/^\d+$/.test(parsed.port.raw)) defects.badPort = parsed.port.raw;
  return defects;
}

/** Does SQLAlchemy read this URL the way it reads (no `@` in the password, a numeric port)? */
export function isWellFormed(parsed: ParsedDbUrl): boolean {
  const defects = urlDefects(parsed);
  return defects.atInPassword === null && defects.badPort === null;
}
