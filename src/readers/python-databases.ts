// Databases the tests start themselves, read from the suite's Python into the DB model:
//   testcontainers     `PostgresContainer("postgres:16")`: a random host port, the URL handed over by
//                      `get_connection_url()`, and the library waits for the server itself;
//   pytest-postgresql  `factories.postgresql_proc()` / `postgresql_noproc()`: a local server (or an
//                      existing one) the plugin starts and waits for; no image;
//   Docker SDK         `client.containers.run("postgres:16", ports=..., environment=...)`, keywords
//                      written out or splatted from a dict literal (`**config`): the same facts as a
//                      `docker run`, and nothing waits unless the code polls the server in a loop.
// Read from the suite's fixture modules and test modules, and the project modules they import from
// (a fixture that calls `start_database_container()` from `tests/utils/docker_utils.py`).
import type Parser from 'tree-sitter';
import type { DbDefinition, DbImage, DbLifecycle, DbMount, DbPort, DbValue } from '../model/database.js';
import { imageOf } from '../model/database.js';
import { callArguments, calleeName, numberValue, pyModule, stringValue, unparenthesize, type PyModule } from '../model/python.js';
import { descendants, nodesOfType } from '../model/tree-nodes.js';
import { importedProjectModules } from '../model/fixture-modules.js';
import type { Suite } from '../model/suite.js';
import { nodeRange, type SourceFile } from '../source.js';
import { perSuite } from '../model/suite-caches.js';

type Node = Parser.SyntaxNode;

/**
 * The Python files whose code may start the suite's database: its fixture and test modules, and the project
 * modules they import from whose text passes `mayHold` (the others are not parsed).
 */
function pythonFiles(suite: Suite, mayHold?: (text: string) => boolean): SourceFile[] {
  const roots = [...suite.fixtureModules.map((entry) => entry.file), ...suite.testModules];
  const byPath = new Map<string, SourceFile>();
  for (const file of roots) byPath.set(file.path, file);
  for (const file of roots) for (const helper of importedProjectModules(suite.project, file, mayHold)) if (!byPath.has(helper.path)) byPath.set(helper.path, helper);
  return [...byPath.values()];
}

function located(file: SourceFile, node: Node, value: string, literal: boolean): DbValue {
  const inner = unparenthesize(node);
  let span: { start: number; end: number } | null = null;
  if (literal && inner.type === 'integer') span = { start: inner.startIndex, end: inner.endIndex };
  else if (literal && inner.type === 'string' && /^["'][^"'\\]*["']$/.test(inner.text)) span = { start: inner.startIndex + 1, end: inner.endIndex - 1 };
  return { value, file, range: nodeRange(node), span, via: null };
}

/** A string or integer literal (or module constant) as text; null when unknown. */
function scalar(module: PyModule, node: Node | null): string | null {
  if (!node) return null;
  const text = stringValue(module, node);
  if (text !== null) return text;
  const number = numberValue(module, node);
  return number === null ? null : String(number);
}

function isLiteral(node: Node): boolean {
  const inner = unparenthesize(node);
  return inner.type === 'integer' || inner.type === 'string';
}

/** `{"k": v, ...}` entries with string keys; null when the node is not a dict literal or has a splat. */
function dictEntries(module: PyModule, node: Node | null): Array<{ key: string; keyNode: Node; value: Node }> | null {
  const dict = node ? unparenthesize(node) : null;
  if (!dict || dict.type !== 'dictionary') return null;
  const entries: Array<{ key: string; keyNode: Node; value: Node }> = [];
  for (const pair of dict.namedChildren) {
    if (pair.type === 'comment') continue;
    if (pair.type !== 'pair') return null;
    const keyNode = pair.childForFieldName('key');
    const value = pair.childForFieldName('value');
    const key = keyNode ? scalar(module, keyNode) : null;
    if (!keyNode || !value || key === null) return null;
    entries.push({ key, keyNode, value });
  }
  return entries;
}

/** The value a name has at a call: the last plain assignment before it in the enclosing function, else the module's. */
function assignedBefore(module: PyModule, name: string, at: Node): Node | null {
  let scope: Node | null = at.parent;
  while (scope && scope.type !== 'function_definition') scope = scope.parent;
  if (scope) {
    let found: Node | null = null;
    for (const assignment of descendants(scope, 'assignment')) {
      if (assignment.startIndex >= at.startIndex) continue;
      if (assignment.childForFieldName('left')?.text === name) found = assignment.childForFieldName('right');
    }
    if (found) return found;
  }
  return module.assignments.get(name)?.value ?? null;
}

/** The keyword arguments of a call, `**name` of a dict literal merged in; `known` false when some cannot be read. */
function keywordsOf(module: PyModule, call: Node): { keywords: Map<string, Node>; positional: readonly Node[]; known: boolean } {
  const args = callArguments(call);
  const keywords = new Map(args.keywords);
  let known = true;
  const list = call.childForFieldName('arguments');
  for (const argument of list?.namedChildren ?? []) {
    if (argument.type === 'list_splat') known = false;
    if (argument.type !== 'dictionary_splat') continue;
    const inner = argument.namedChild(0);
    const value = inner?.type === 'identifier' ? assignedBefore(module, inner.text, call) : inner;
    const entries = dictEntries(module, value);
    if (!entries) {
      known = false;
      continue;
    }
    for (const entry of entries) if (!keywords.has(entry.key)) keywords.set(entry.key, entry.value);
  }
  return { keywords, positional: args.positional, known };
}

function imageAt(module: PyModule, node: Node | null, fallback: { value: string; at: Node } | null): DbImage | null {
  if (!node) {
    if (!fallback) return null;
    return imageOf({ value: fallback.value, file: module.file, range: nodeRange(fallback.at), span: null, via: 'the library\'s default image' });
  }
  const text = stringValue(module, node);
  if (text === null) return null;
  return imageOf(located(module.file, node, text, isLiteral(node)));
}

const TESTCONTAINERS = /^(?:testcontainers\.(?:postgres\.)?)?(?:PostgresContainer|PostgreSQLContainer)$/;

function isTestcontainers(callee: string): boolean {
  return TESTCONTAINERS.test(callee) || /^testcontainers\..*\.(?:PostgresContainer|PostgreSQLContainer)$/.test(callee);
}

function isPytestPostgresql(callee: string): boolean {
  const last = callee.split('.').pop()!;
  return (last === 'postgresql_proc' || last === 'postgresql_noproc') && (/^pytest_postgresql\./.test(callee) || /(^|\.)factories\./.test(callee) || /(^|_)factor/.test(callee));
}

/** `<client>.containers.run(...)`, whatever the client expression is (`docker.from_env().containers.run`). */
function isDockerSdkRun(call: Node): boolean {
  const fn = call.childForFieldName('function');
  if (fn?.type !== 'attribute' || fn.childForFieldName('attribute')?.text !== 'run') return false;
  const object = fn.childForFieldName('object');
  return object?.type === 'attribute' && object.childForFieldName('attribute')?.text === 'containers';
}

function baseDefinition(module: PyModule, call: Node, kind: DbDefinition['kind'], label: string): DbDefinition {
  return {
    kind,
    file: module.file,
    service: null,
    label,
    anchor: nodeRange(call),
    image: null,
    ports: null,
    portsKnown: false,
    env: new Map(),
    envKnown: false,
    mounts: null,
    mountsKnown: false,
    readiness: { healthcheck: null, waited: true, how: null },
    pgdata: undefined,
    ephemeralHost: false,
  };
}

/** A readiness check a loop around a call would make: a connect, `pg_isready`, a query. */
const CONNECTS = /pg_isready|\bconnect\s*\(|\bcreate_(?:async_)?engine\s*\(|psycopg|asyncpg|wait_for_logs|ready to accept connections/;

/** Does the module poll the server in a loop (not merely the container's status)? */
function pollsServer(module: PyModule): boolean {
  return descendants(module.root, ['while_statement', 'for_statement']).some((loop) => CONNECTS.test(loop.text)) ||
    module.root.text.includes('wait_for_logs(');
}

function dockerSdkDefinition(module: PyModule, call: Node, relative: string): DbDefinition | null {
  const { keywords, positional, known } = keywordsOf(module, call);
  const imageNode = positional[0] ?? keywords.get('image') ?? null;
  const image = imageAt(module, imageNode, null);
  if (!image) return null;
  const nameNode = keywords.get('name');
  const name = nameNode ? stringValue(module, nameNode) : null;
  const definition = baseDefinition(module, call, 'docker-sdk', `the Docker SDK container${name ? ` \`${name}\`` : ''} (${relative})`);
  definition.service = name;
  definition.image = image;
  // ports={"5432/tcp": 5433}, {"5432": ("127.0.0.1", 5433)}, {"5432/tcp": None} (random).
  const portsNode = keywords.get('ports');
  const ports: DbPort[] = [];
  let portsKnown = known;
  const portEntries = portsNode ? dictEntries(module, portsNode) : [];
  if (portEntries === null) portsKnown = false;
  for (const entry of portEntries ?? []) {
    const container = entry.key.split('/')[0]!;
    let hostNode: Node | null = unparenthesize(entry.value);
    if (hostNode.type === 'tuple') hostNode = hostNode.namedChildren[1] ?? null;
    if (hostNode && hostNode.type === 'list') {
      portsKnown = false;
      continue;
    }
    const random = hostNode === null || hostNode.type === 'none';
    const hostText = hostNode && !random ? scalar(module, hostNode) : null;
    if (!random && hostText === null) portsKnown = false;
    const host = hostNode && hostText !== null ? located(module.file, hostNode, hostText, isLiteral(hostNode)) : null;
    ports.push({ host, container, random, entry: located(module.file, entry.keyNode, `${entry.key}: ${hostText ?? 'None'}`, false) });
  }
  definition.ports = ports;
  definition.portsKnown = portsKnown;
  const network = keywords.get('network_mode');
  if (network && stringValue(module, network) !== 'bridge') definition.ports = null; // host or another network: reachable otherwise
  // environment={"K": "V"} or ["K=V"].
  const envNode = keywords.get('environment');
  let envKnown = known;
  const env = new Map<string, DbValue | null>();
  const envEntries = envNode ? dictEntries(module, envNode) : [];
  if (envEntries) {
    for (const entry of envEntries) {
      const text = scalar(module, entry.value);
      env.set(entry.key, text === null ? null : located(module.file, entry.value, text, isLiteral(entry.value)));
      if (text === null && entry.key.startsWith('POSTGRES_')) envKnown = false;
    }
  } else {
    const list = envNode ? unparenthesize(envNode) : null;
    if (list && list.type === 'list') {
      for (const item of list.namedChildren) {
        const text = stringValue(module, item);
        if (text === null) {
          envKnown = false;
          continue;
        }
        const eq = text.indexOf('=');
        if (eq > 0) env.set(text.slice(0, eq), located(module.file, item, text.slice(eq + 1), false));
      }
    } else envKnown = false;
  }
  definition.env = env;
  definition.envKnown = envKnown;
  const pgdata = env.get('PGDATA');
  definition.pgdata = env.has('PGDATA') ? (pgdata ? pgdata.value.replace(/\/+$/, '') : undefined) : envKnown ? null : undefined;
  // tmpfs={"/var/lib/postgresql/data": ""}; volumes={"name": {"bind": "/path"}} or ["src:/path"].
  const mounts: DbMount[] = [];
  let mountsKnown = known;
  const tmpfsNode = keywords.get('tmpfs');
  const tmpfsEntries = tmpfsNode ? dictEntries(module, tmpfsNode) : [];
  if (tmpfsEntries === null) mountsKnown = false;
  for (const entry of tmpfsEntries ?? []) {
    mounts.push({ target: entry.key.replace(/\/+$/, '') || '/', tmpfs: true, persistent: false, entry: located(module.file, entry.keyNode, entry.key, false) });
  }
  const volumesNode = keywords.get('volumes');
  const volumes = volumesNode ? unparenthesize(volumesNode) : null;
  if (volumes?.type === 'list') {
    for (const item of volumes.namedChildren) {
      // `f"{scripts_dir}:/docker-entrypoint-initdb.d"`: the target is literal even when the source is not.
      const text = stringValue(module, item) ?? /:(\/[^:"'{}\s]*)(?::(?:ro|rw|z|Z))?["']$/.exec(item.text)?.[0].replace(/["']$/, '') ?? null;
      const parts = text?.split(':') ?? [];
      if (text === null || parts.length < 2) {
        mountsKnown = false;
        continue;
      }
      const target = /^(ro|rw|z|Z)$/.test(parts[parts.length - 1]!) ? parts[parts.length - 2]! : parts[parts.length - 1]!;
      mounts.push({ target: target.replace(/\/+$/, '') || '/', tmpfs: false, persistent: true, entry: located(module.file, item, text, false) });
    }
  } else if (volumes) {
    const entries = dictEntries(module, volumes);
    if (!entries) mountsKnown = false;
    for (const entry of entries ?? []) {
      const bind = dictEntries(module, entry.value)?.find((field) => field.key === 'bind');
      const target = bind ? stringValue(module, bind.value) : null;
      if (target === null) {
        mountsKnown = false;
        continue;
      }
      mounts.push({ target: target.replace(/\/+$/, '') || '/', tmpfs: false, persistent: true, entry: located(module.file, entry.keyNode, `${entry.key}:${target}`, false) });
    }
  }
  definition.mounts = mounts;
  definition.mountsKnown = mountsKnown;
  const healthNode = keywords.get('healthcheck');
  const health = healthNode ? located(module.file, healthNode, healthNode.text, false) : null;
  const polls = pollsServer(module);
  definition.readiness = { healthcheck: health, waited: polls, how: polls ? 'a loop that connects to the server' : null };
  return definition;
}

const REMOVES = new Set(['remove']);
const STOPS = new Set(['stop', 'kill']);

/** The name of the method an attribute node reads (`container.remove` → 'remove'). */
function methodName(node: Node): string | null {
  return node.childForFieldName('attribute')?.text ?? null;
}

/**
 * Does the suite's Python remove the Docker SDK container? Any `.remove` of the suite's Python files counts
 * (the container may be held anywhere), and `.stop`/`.kill` for a container run with `auto_remove=True`.
 * A leftover of a fixed name is cleared when a removal comes before the run in the same function, or the
 * code looks the container up first (`containers.get(name)`, `containers.list(...)`).
 */
function sdkLifecycle(suite: Suite, module: PyModule, call: Node, name: string | null): DbLifecycle {
  const { keywords } = keywordsOf(module, call);
  const autoRemove = keywords.get('auto_remove')?.text === 'True';
  const attributes = pythonFiles(suite).flatMap((file) => {
    const other = file.path === module.file.path ? module : pyModule(file);
    return other ? nodesOfType(other.file, 'attribute') : [];
  });
  const removing = (node: Node) => {
    const method = methodName(node);
    return method !== null && (REMOVES.has(method) || (autoRemove && STOPS.has(method)));
  };
  const removed = attributes.some(removing);
  const stopped = attributes.find((node) => STOPS.has(methodName(node) ?? ''));
  const scope = enclosingFunction(call);
  const clearsLeftover =
    nodesOfType(module.file, 'attribute').some((node) => removing(node) && node.startIndex < call.startIndex && enclosingFunction(node) === scope) ||
    attributes.some((node) => (methodName(node) === 'get' || methodName(node) === 'list') && /containers$/.test(node.childForFieldName('object')?.text ?? ''));
  const nameNode = keywords.get('name');
  return {
    start: { file: module.file, range: nodeRange(call) },
    startedBy: '`containers.run(...)`',
    removed,
    stoppedBy: !removed && stopped ? `.${methodName(stopped)}()` : null,
    name,
    nameAt: name !== null && nameNode ? nodeRange(nameNode) : null,
    clearsLeftover,
    removeLeftover: name === null ? null : `client.containers.get(${JSON.stringify(name)}).remove(force=True)`,
    clearEdit: null,
  };
}

function enclosingFunction(node: Node): number | null {
  for (let current = node.parent; current; current = current.parent) if (current.type === 'function_definition') return current.id;
  return null;
}

const cache = perSuite<DbDefinition[]>();

/** Words one of the calls read below must show in the module's text (see isTestcontainers, isPytestPostgresql, isDockerSdkRun). */
const NAMES_A_DATABASE = /PostgresContainer|PostgreSQLContainer|postgresql_proc|postgresql_noproc|containers/;

/** The databases the suite's Python starts: testcontainers, pytest-postgresql and Docker SDK definitions. */
export function pythonDatabases(suite: Suite): DbDefinition[] {
  const cached = cache.get(suite);
  if (cached) return cached;
  const result: DbDefinition[] = [];
  // Each kind is named in the module's own text (the class or factory, imported or called by name, and
  // `.containers.run`): a module that names none starts no database, and its calls need not be read.
  const namesOne = (text: string) => NAMES_A_DATABASE.test(text);
  for (const file of pythonFiles(suite, namesOne)) {
    if (!namesOne(file.text)) continue;
    const module = pyModule(file);
    if (!module) continue;
    const relative = suite.project.relative(file.path);
    for (const call of nodesOfType(module.file, 'call')) {
      const callee = calleeName(module, call) ?? '';
      if (isTestcontainers(callee)) {
        const { keywords, positional } = keywordsOf(module, call);
        const definition = baseDefinition(module, call, 'testcontainers', `the testcontainers \`${callee.split('.').pop()}\` (${relative})`);
        definition.image = imageAt(module, positional[0] ?? keywords.get('image') ?? null, { value: 'postgres:latest', at: call });
        definition.readiness = { healthcheck: null, waited: true, how: 'testcontainers waits for the server' };
        result.push(definition);
      } else if (isPytestPostgresql(callee)) {
        const definition = baseDefinition(module, call, 'pytest-postgresql', `the pytest-postgresql \`${callee.split('.').pop()}\` (${relative})`);
        definition.readiness = { healthcheck: null, waited: true, how: 'pytest-postgresql waits for the server' };
        result.push(definition);
      } else if (isDockerSdkRun(call)) {
        const definition = dockerSdkDefinition(module, call, relative);
        if (definition) result.push({ ...definition, lifecycle: sdkLifecycle(suite, module, call, definition.service) });
      }
    }
  }
  cache.set(suite, result);
  return result;
}

/** Is this call a Docker SDK `containers.run` of a postgres image (discovery's DB evidence)? */
export function runsPostgresThroughDockerSdk(module: PyModule, call: Node): boolean {
  if (!isDockerSdkRun(call)) return false;
  const { keywords, positional } = keywordsOf(module, call);
  return imageAt(module, positional[0] ?? keywords.get('image') ?? null, null) !== null;
}
