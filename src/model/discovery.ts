// Which test modules form an integration suite when nothing is configured: those in a folder named
// like one (integration, smoke, e2e below tests/), and those that exercise the app or a PostgreSQL
// database, through a fixture pytest gives them (from a conftest, a `pytest_plugins` module or an
// imported fixture module) or by building the client or engine themselves. Unit tests, which use
// neither, are never a suite.
import path from 'node:path';
import type Parser from 'tree-sitter';
import { perFile, releaseDroppedTrees, type SourceFile } from '../source.js';
import type { DiscoveredFile } from '../discover.js';
import { isWithin } from '../discover.js';
import { ConfigError } from '../config.js';
import { globToRegExp } from '../glob.js';
import { calleeName, callArguments, fixtureDecorator, isTestFunction, pyModule, stringValue, type FunctionInfo, type PyModule } from './python.js';
import { clientConstruction } from './client/constructions.js';
import { engineCallKind, urlArgument } from './dburl.js';
import { directFixtureModules, fixtureModuleClosure, mayImportFixtureModules, projectFunction, type FixtureModule } from './fixture-modules.js';
import { runsPostgresThroughDockerSdk } from '../readers/python-databases.js';
import type { Project } from './suite.js';
import { scriptIndex } from './script-index.js';
import { isTestModuleName, TEST_ROOT_NAMES } from './file-names.js';
import { spellsName } from './name-text.js';

export { isTestModuleName, TEST_ROOT_NAMES };

type Node = Parser.SyntaxNode;

/**
 * What a piece of code builds that makes the tests using it integration tests. Plain data (the file by
 * path, no node): the suites found keep it for the whole run, and a tree it held could not be freed.
 */
export interface Resource {
  kind: 'client' | 'database';
  /** In words: "builds TestClient(...)", "opens an engine (create_async_engine)". */
  what: string;
  /** Absolute path of the module that builds it. */
  path: string;
}

/** Why a test module belongs to a suite: the resource, and the fixture that hands it over (if any). */
export interface Evidence {
  resource: Resource;
  /** The fixture the test asks for (null when the test module builds the resource itself). */
  fixture: string | null;
}

const DB_CONNECT = new Set([
  'psycopg.connect', 'psycopg2.connect', 'psycopg.AsyncConnection.connect', 'psycopg.Connection.connect',
  'asyncpg.connect', 'asyncpg.create_pool', 'asyncpg.pool.create_pool',
]);

/** The client or database a call builds, or null. (Each recognizer has its word in `RESOURCE_WORDS` below.) */
export function resourceOfCall(module: PyModule, call: Node): Resource | null {
  const file = module.file;
  const client = clientConstruction(module, call);
  if (client) {
    const what = client.kind === 'testclient' ? 'builds a TestClient on the app' : 'builds an httpx client on the app (ASGI transport)';
    return { kind: 'client', what, path: file.path };
  }
  // Before the callee's name: a chained client (`docker.from_env().containers.run(...)`) has none.
  if (runsPostgresThroughDockerSdk(module, call)) return { kind: 'database', what: 'starts PostgreSQL through the Docker SDK (containers.run)', path: file.path };
  const callee = calleeName(module, call);
  if (!callee) return null;
  const last = callee.split('.').pop()!;
  if (last === 'ASGITransport') return { kind: 'client', what: 'serves the app in-process (httpx ASGITransport)', path: file.path };
  if (last === 'LifespanManager') return { kind: 'client', what: 'runs the app in-process (LifespanManager)', path: file.path };
  const engine = engineCallKind(module, call);
  if (engine) {
    const argument = urlArgument(call, engine);
    const url = argument ? stringValue(module, argument) : null;
    // An SQLite engine is not the PostgreSQL these suites are about.
    if (url !== null && /^sqlite/i.test(url)) return null;
    return { kind: 'database', what: `opens a database engine (${last})`, path: file.path };
  }
  if (DB_CONNECT.has(callee)) return { kind: 'database', what: `connects to PostgreSQL (${callee})`, path: file.path };
  if (last === 'PostgresContainer' || last === 'PostgreSQLContainer') return { kind: 'database', what: `starts PostgreSQL with testcontainers (${last})`, path: file.path };
  if (/^pytest_postgresql\./.test(callee) || (/^postgresql(_proc|_noproc)?$/.test(last) && /(^|\.)factories\./.test(callee))) {
    return { kind: 'database', what: `starts PostgreSQL with pytest-postgresql (${last})`, path: file.path };
  }
  return null;
}

function callsIn(node: Node): Node[] {
  return node.descendantsOfType('call');
}

interface ModuleFacts {
  module: PyModule;
  /** Fixtures by the name tests ask for (the last definition wins, as in Python). */
  fixtures: Map<string, { fn: FunctionInfo | null; autouse: boolean; params: string[]; builds: Resource | null }>;
  /** The first resource built anywhere in the module (module level, helpers, tests). */
  anywhere: Resource | null;
}

// Emptied with the module's file (perFile): a table of this module's own, old, would keep the facts (and
// the module, tree and file they hold) alive through young-generation collections until a full one.
const factsCache = perFile<ModuleFacts | null>();

/**
 * The resource a project helper the fixture calls builds (`container = start_database_container()`
 * with the helper in the module or imported from the project), one call deep.
 */
function builtByHelper(project: Project | null, module: PyModule, call: Node): Resource | null {
  const callee = call.childForFieldName('function');
  if (!project || callee?.type !== 'identifier') return null;
  const helper = projectFunction(project, module, callee.text);
  if (!helper) return null;
  for (const inner of callsIn(helper.fn.node)) {
    const resource = resourceOfCall(helper.module, inner);
    if (resource) return resource;
  }
  return null;
}

function moduleFacts(file: SourceFile, project: Project | null = null): ModuleFacts | null {
  if (factsCache.has(file)) return factsCache.get(file)!;
  const module = pyModule(file);
  if (!module) {
    factsCache.set(file, null);
    return null;
  }
  // Module-level names bound to a resource (`client = TestClient(app)`): a fixture that uses one hands it out.
  const boundResources = new Map<string, Resource>();
  for (const [name, { value }] of module.assignments) {
    const resource = value.type === 'call' ? resourceOfCall(module, value) : null;
    if (resource) boundResources.set(name, resource);
  }
  const fixtures: ModuleFacts['fixtures'] = new Map();
  for (const fn of module.functions) {
    const decorator = fixtureDecorator(module, fn);
    if (!decorator) continue;
    const args = decorator.call ? callArguments(decorator.call) : null;
    const nameNode = args?.keywords.get('name');
    const name = (nameNode ? stringValue(module, nameNode) : null) ?? fn.name;
    const autouse = args?.keywords.get('autouse')?.text === 'True';
    let builds: Resource | null = null;
    for (const call of callsIn(fn.node)) {
      builds = resourceOfCall(module, call) ?? builtByHelper(project, module, call);
      if (builds) break;
    }
    if (!builds) {
      for (const identifier of fn.node.descendantsOfType('identifier')) {
        builds = boundResources.get(identifier.text) ?? null;
        if (builds) break;
      }
    }
    fixtures.set(name, { fn, autouse, params: fn.parameters, builds });
  }
  // pytest-postgresql declares fixtures by assignment: `postgresql_proc = factories.postgresql_proc()`.
  for (const [name, resource] of boundResources) {
    if (resource.kind === 'database' && resource.what.includes('pytest-postgresql') && !fixtures.has(name)) {
      fixtures.set(name, { fn: null, autouse: false, params: [], builds: resource });
    }
  }
  let anywhere: Resource | null = null;
  for (const call of callsIn(module.root)) {
    anywhere = resourceOfCall(module, call);
    if (anywhere) break;
  }
  const facts = { module, fixtures, anywhere };
  factsCache.set(file, facts);
  return facts;
}

/** The fixture names a test module's tests ask for: parameters of tests and `usefixtures` marks. */
function requestedFixtures(module: PyModule): string[] {
  const names = new Set<string>();
  for (const fn of module.functions) {
    if (isTestFunction(fn)) for (const parameter of fn.parameters) if (parameter !== 'self') names.add(parameter);
  }
  for (const call of callsIn(module.root)) {
    const callee = calleeName(module, call);
    if (!callee || !/(^|\.)mark\.usefixtures$/.test(callee)) continue;
    for (const argument of callArguments(call).positional) {
      const value = stringValue(module, argument);
      if (value) names.add(value);
    }
  }
  return [...names];
}

/**
 * Memoised one-step fixture-module lookups for one discovery run. It holds the conftests by path and
 * loads them through the project, so that `forget` (with the project's releasePython) lets every tree
 * discovery parsed so far go.
 */
/** The fixtures a folder's conftests give that may build a resource, and whether one of them is autouse. */
interface ResourceFixtures {
  names: ReadonlySet<string>;
  autouse: boolean;
}

class FixtureModuleIndex {
  /** Folder → its conftest.py. */
  private readonly conftests: ReadonlyMap<string, DiscoveredFile>;
  private readonly closures = new Map<string, FixtureModule[]>();
  private readonly resourceFixtures = new Map<string, ResourceFixtures>();

  constructor(readonly project: Project, conftests: ReadonlyMap<string, DiscoveredFile>) {
    this.conftests = conftests;
  }

  /** Drops the closures found so far (they hold loaded files). */
  forget(): void {
    this.closures.clear();
    this.resourceFixtures.clear();
  }

  /** The conftests that apply to a file, outermost first: those in its folder and the folders above it. */
  conftestsOf(file: string): SourceFile[] {
    const found: SourceFile[] = [];
    for (let dir = path.dirname(file); ; ) {
      const discovered = this.conftests.get(dir);
      const conftest = discovered ? this.project.load(discovered) : null;
      if (conftest) found.push(conftest);
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
    return found.reverse();
  }

  /** Every fixture module a test module sees, nearest first (its own imports, then conftests inside out). */
  visibleTo(test: SourceFile): FixtureModule[] {
    const own = fixtureModuleClosure(this.project, directFixtureModules(this.project, test));
    return [...own, ...this.conftestModules(test.path)].filter((entry) => isWithin(test.path, entry.scope)).sort((a, b) => b.scope.length - a.scope.length);
  }

  /** The fixture modules the test modules of a folder see through their conftests (and what those load), shared by the folder. */
  private conftestModules(testPath: string): FixtureModule[] {
    const key = path.dirname(testPath);
    let shared = this.closures.get(key);
    if (!shared) {
      const roots: FixtureModule[] = this.conftestsOf(testPath).map((file) => ({ file, via: 'conftest', from: null, scope: path.dirname(file.path) }));
      shared = fixtureModuleClosure(this.project, roots);
      this.closures.set(key, shared);
    }
    return shared;
  }

  /**
   * The fixtures a test module at this path gets from its conftests (and what they load) that may build a
   * resource: those whose own code builds one (`ModuleFacts.fixtures`), and those that take one of them,
   * whichever definition of a name pytest would pick; and whether one of them is autouse.
   */
  conftestResourceFixtures(testPath: string): ResourceFixtures {
    // The same for every test module of a folder: each conftest module's scope is a folder at or above it.
    const key = path.dirname(testPath);
    let found = this.resourceFixtures.get(key);
    if (!found) {
      found = this.readResourceFixtures(testPath);
      this.resourceFixtures.set(key, found);
    }
    return found;
  }

  private readResourceFixtures(testPath: string): ResourceFixtures {
    const visible = this.conftestModules(testPath)
      .filter((entry) => isWithin(testPath, entry.scope))
      .map((entry) => moduleFacts(entry.file, this.project))
      .filter((facts): facts is ModuleFacts => facts !== null);
    const names = new Set<string>();
    for (let grew = true; grew; ) {
      grew = false;
      for (const facts of visible) {
        for (const [name, fixture] of facts.fixtures) {
          if (names.has(name) || !(fixture.builds || fixture.params.some((parameter) => names.has(parameter)))) continue;
          names.add(name);
          grew = true;
        }
      }
    }
    const autouse = visible.some((facts) => [...facts.fixtures].some(([name, fixture]) => fixture.autouse && names.has(name)));
    return { names, autouse };
  }
}

/**
 * The words a call that builds a client or a database spells, in the call or in the import of what it
 * calls (`resourceOfCall`, whose callee names come from the module's own text): `TestClient`, `httpx.Client`
 * and `AsyncClient`, `ASGITransport`, `LifespanManager`, `create_engine` and `create_async_engine`, psycopg's
 * and asyncpg's connections, the Docker SDK's `containers.run`, and (below, in any case) `postgres_str`,
 * testcontainers' and pytest-postgresql's PostgreSQL. A recognizer added to `resourceOfCall` adds its word here.
 */
const RESOURCE_WORDS = /Client|Transport|LifespanManager|create_engine|create_async_engine|psycopg|asyncpg|containers/;
const POSTGRES_WORD = /postgre/i;

/**
 * May a test module be integration evidence (see integrationEvidence)? Told from its text and from what its
 * conftests give it, without parsing it; it may say yes for a unit test, never no for evidence. A module
 * that spells no `fixture` and no `pytest_plugins` defines no fixture and names no plugin; one that spells
 * no word of `RESOURCE_WORDS` builds nothing itself; one whose imports lead to no module that may define
 * fixtures gets fixtures only from its conftests; and a test asks for a fixture by a name its text spells.
 */
function mayBeEvidence(project: Project, testPath: string, text: string, index: FixtureModuleIndex): boolean {
  if (text.includes('fixture') || text.includes('pytest_plugins')) return true;
  if (RESOURCE_WORDS.test(text) || POSTGRES_WORD.test(text)) return true;
  if (mayImportFixtureModules(project, testPath, text)) return true;
  const building = index.conftestResourceFixtures(testPath);
  if (building.autouse) return true;
  if (building.names.size === 0) return false;
  for (const name of building.names) if (spellsName(text, name)) return true;
  return false;
}

/**
 * Why a test module is an integration test, or null when it is a unit test: it builds the app's client
 * or a database connection itself, or asks (directly, through other fixtures, or by autouse) for a
 * fixture that does.
 */
export function integrationEvidence(test: SourceFile, index: FixtureModuleIndex): Evidence | null {
  const own = moduleFacts(test, index.project);
  if (!own) return null;
  if (own.anywhere) return { resource: own.anywhere, fixture: null };
  const visible = [own, ...index.visibleTo(test).map((entry) => moduleFacts(entry.file, index.project)).filter((facts): facts is ModuleFacts => facts !== null)];
  const lookup = (name: string) => {
    for (const facts of visible) {
      const found = facts.fixtures.get(name);
      if (found) return found;
    }
    return null;
  };
  const busy = new Set<string>();
  const resourceOf = (name: string): Resource | null => {
    if (busy.has(name)) return null;
    busy.add(name);
    const fixture = lookup(name);
    let result: Resource | null = fixture?.builds ?? null;
    for (const parameter of fixture?.params ?? []) {
      if (result) break;
      result = resourceOf(parameter);
    }
    busy.delete(name);
    return result;
  };
  for (const name of requestedFixtures(own.module)) {
    const resource = resourceOf(name);
    if (resource) return { resource, fixture: name };
  }
  const autouseNames = new Set<string>();
  for (const facts of visible) for (const [name, fixture] of facts.fixtures) if (fixture.autouse) autouseNames.add(name);
  for (const name of autouseNames) {
    const resource = resourceOf(name);
    if (resource) return { resource, fixture: name };
  }
  return null;
}

export { FixtureModuleIndex };

// ---------------------------------------------------------------------------------------------
// Suites of a project

export const DEFAULT_SUITE_NAMES = new Set(['integration', 'smoke', 'smoketest', 'smoketests', 'e2e']);
/** Folders a project names as its unit tests: what is in them is not found as a suite by content. */
const UNIT_NAMES = new Set(['unit', 'units', 'unit_tests', 'unittests', 'unit-tests']);


/** Why a folder (or a set of modules) is a suite. */
export interface SuiteReason {
  kind: 'name' | 'configured' | 'content';
  /** One line: "folder named `integration` below `tests/`", "`suites` entry `api/tests`", "tests use fixture `client`". */
  detail: string;
  /** For a suite found by content: the first test module's evidence (the file and fixture). */
  evidence: Evidence | null;
}

export interface SuiteSpec {
  /** The suite's folder relative to the project root ('' for the root itself). */
  name: string;
  /** Absolute paths of its test modules; null = every test module in the folder. */
  testModules: string[] | null;
  reason: SuiteReason;
  /** Per test module (absolute path), why it is an integration test, for suites found by content. */
  evidence: Map<string, Evidence>;
}

/** Is this relative directory a suite by name: a suite-named folder below a tests folder? */
export function isDefaultSuiteDir(relativeDir: string): boolean {
  const parts = relativeDir.split('/');
  const last = parts[parts.length - 1]!;
  if (!DEFAULT_SUITE_NAMES.has(last)) return false;
  return parts.slice(0, -1).some((part) => TEST_ROOT_NAMES.has(part));
}

/** Outermost directories (relative) that satisfy `accept`, among the folders of the project's files. */
export function outermostDirs(project: Project, accept: (relativeDir: string) => boolean): string[] {
  const candidates = new Set<string>();
  // Each folder that holds files once, not once per file: the answer is a set of folders.
  for (const dir of project.files.dirs()) {
    const relativeDir = project.relative(dir);
    if (!relativeDir || relativeDir.startsWith('..')) continue;
    const parts = relativeDir.split('/');
    for (let length = 1; length <= parts.length; length++) {
      const candidate = parts.slice(0, length).join('/');
      if (accept(candidate)) {
        candidates.add(candidate);
        break;
      }
    }
  }
  return [...candidates].sort();
}

/**
 * Python files a project script hands to pytest by name (`pytest tests.py`): pytest collects a file
 * named on its command line whatever its name, so these are test modules too.
 */
function runnerNamedModules(project: Project): ReadonlySet<string> {
  return scriptIndex(project).namedPythonTargets;
}

/** The folder a content-found test module's suite is named after: its outermost tests/ folder, else its outermost conftest's folder, else its own. */
function anchorOf(project: Project, test: string, index: FixtureModuleIndex): string {
  const relativeDir = project.relative(path.dirname(test));
  const parts = relativeDir ? relativeDir.split('/') : [];
  const at = parts.findIndex((part) => TEST_ROOT_NAMES.has(part));
  if (at >= 0) return parts.slice(0, at + 1).join('/');
  const outer = index.conftestsOf(test).find((conftest) => isWithin(conftest.path, project.root));
  return outer ? project.relative(path.dirname(outer.path)) : relativeDir;
}

function isUnder(relative: string, dir: string): boolean {
  return dir === '' || relative === dir || relative.startsWith(dir + '/');
}

/**
 * Work done in steps: each `yield` hands out a function that drops what the work loaded so far (it loads
 * again what it needs later), so that a caller that can let the event loop turn frees those trees
 * between steps (see releaseDroppedTrees). Run synchronously, nothing is dropped.
 */
type Steps<T> = Generator<() => void, T, void>;

/** Runs steps to the end without dropping anything. */
function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Runs steps, dropping what they loaded and letting dropped trees be freed after each. */
async function runStepsReleasing<T>(steps: Steps<T>): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    step.value();
    await releaseDroppedTrees();
  }
}

/** The suites by the default rule: folders named like a suite, plus test modules that use the app or the database. */
export function defaultSuites(project: Project): SuiteSpec[] {
  return runSteps(defaultSuiteSteps(project));
}

function* defaultSuiteSteps(project: Project): Steps<SuiteSpec[]> {
  const namedDirs = outermostDirs(project, isDefaultSuiteDir);
  const specs: SuiteSpec[] = namedDirs.map((name) => ({
    name,
    testModules: null,
    reason: { kind: 'name', detail: `folder named \`${path.posix.basename(name)}\` below a tests folder`, evidence: null },
    evidence: new Map(),
  }));
  const conftests = new Map<string, DiscoveredFile>();
  for (const file of project.discovered) {
    if (file.language === 'python' && path.basename(file.path) === 'conftest.py') conftests.set(path.dirname(file.path), file);
  }
  const index = new FixtureModuleIndex(project, conftests);
  const release = () => {
    index.forget();
    project.releasePython();
  };
  const byAnchor = new Map<string, Map<string, Evidence>>();
  // The script index keeps plain facts, and lets each script's model go as it reads it unless the scripts
  // are few (the first suite then takes the models of its own as they are).
  const named = runnerNamedModules(project);
  // A module is under a named folder when one of its folders is one: a lookup per folder, not a pass over every named folder per module.
  const namedSet = new Set(namedDirs);
  const inNamedDir = (relative: string): boolean => {
    if (namedSet.has('')) return true;
    for (let slash = relative.indexOf('/'); slash >= 0; slash = relative.indexOf('/', slash + 1)) {
      if (namedSet.has(relative.slice(0, slash))) return true;
    }
    return namedSet.has(relative);
  };
  let lastDir: string | null = null;
  for (const discovered of project.discovered) {
    if (discovered.language !== 'python' || !(isTestModuleName(path.basename(discovered.path)) || named.has(discovered.path))) continue;
    const relative = project.relative(discovered.path);
    if (relative.startsWith('..') || inNamedDir(relative)) continue;
    if (relative.split('/').slice(0, -1).some((part) => UNIT_NAMES.has(part))) continue;
    // The test modules of one folder share their conftests: what they loaded goes when the next folder starts.
    const dir = path.dirname(discovered.path);
    if (lastDir !== null && dir !== lastDir) yield release;
    lastDir = dir;
    // Most test modules outside a suite's folder are unit tests: those whose text and conftests tell so are not parsed.
    if (project.ruledOutByText(discovered.path, (text) => mayBeEvidence(project, discovered.path, text, index))) continue;
    const file = project.load(discovered);
    if (!file) continue;
    const evidence = integrationEvidence(file, index);
    if (!evidence) continue;
    const anchor = anchorOf(project, file.path, index);
    if (!byAnchor.has(anchor)) byAnchor.set(anchor, new Map());
    byAnchor.get(anchor)!.set(file.path, evidence);
  }
  // A folder inside another suite's folder joins it: each test module is in one suite only.
  const anchors = [...byAnchor.keys()].sort((a, b) => a.length - b.length);
  for (const anchor of anchors) {
    const outer = anchors.find((other) => other !== anchor && byAnchor.has(other) && isUnder(anchor, other));
    if (!outer) continue;
    for (const [file, evidence] of byAnchor.get(anchor)!) byAnchor.get(outer)!.set(file, evidence);
    byAnchor.delete(anchor);
  }
  for (const [name, evidence] of byAnchor) {
    const first = [...evidence.entries()].sort(([a], [b]) => (a < b ? -1 : 1))[0]![1];
    const detail = first.fixture
      ? `its tests use fixture \`${first.fixture}\`, which ${first.resource.what} (${project.relative(first.resource.path)})`
      : `${project.relative(first.resource.path)} ${first.resource.what}`;
    specs.push({ name, testModules: [...evidence.keys()].sort(), reason: { kind: 'content', detail, evidence: first }, evidence });
  }
  return specs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// Configured suites

/** An entry's literal path, when it names a file or folder that exists (then no glob reading applies). */
function literalTarget(project: Project, entry: string): { relative: string; isDir: boolean } | null {
  const relative = entry.replace(/^\.\//, '').replace(/\/+$/, '');
  if (!relative || relative.includes('\\')) return null;
  const absolute = path.join(project.root, relative);
  if (!isWithin(absolute, project.root)) return null;
  if (project.discovered.some((file) => file.path === absolute)) return { relative, isDir: false };
  const prefix = absolute + path.sep;
  if (project.discovered.some((file) => file.path.startsWith(prefix))) return { relative, isDir: true };
  return null;
}

/**
 * The suites the `suites` setting names. An entry is a folder, a module, or a glob of either; an entry
 * that is the literal path of an existing file or folder is taken as written, even when it contains
 * glob characters (`{{cookiecutter.project_slug}}/backend/tests`), and `\` escapes one glob character.
 * An entry that matches nothing is a configuration error.
 */
export function configuredSuites(project: Project, entries: string[]): SuiteSpec[] {
  const dirs = new Map<string, string>(); // folder → the entry that named it
  const modules = new Map<string, string>(); // module (relative) → the entry
  const allDirs = new Set<string>();
  for (const file of project.discovered) {
    const parts = project.relative(path.dirname(file.path)).split('/');
    for (let length = 1; length <= parts.length; length++) if (parts[0] && parts[0] !== '..') allDirs.add(parts.slice(0, length).join('/'));
  }
  for (const entry of entries) {
    const literal = literalTarget(project, entry);
    let matched = false;
    if (literal) {
      (literal.isDir ? dirs : modules).set(literal.relative, entry);
      matched = true;
    } else {
      const regexp = globToRegExp(entry);
      for (const dir of allDirs) if (regexp.test(dir)) (dirs.set(dir, entry), (matched = true));
      for (const file of project.discovered) {
        const relative = project.relative(file.path);
        if (file.language === 'python' && regexp.test(relative)) (modules.set(relative, entry), (matched = true));
      }
    }
    if (!matched) {
      throw new ConfigError(`${project.config.source ?? 'configuration'}: \`suites\` entry "${entry}" matches no folder or module under ${project.root} (a literal path is taken as written; \\ escapes a glob character)`);
    }
  }
  const outerDirs = [...dirs.keys()].filter((dir) => ![...dirs.keys()].some((other) => other !== dir && isUnder(dir, other))).sort();
  const specs: SuiteSpec[] = outerDirs.map((name) => ({
    name,
    testModules: null,
    reason: { kind: 'configured', detail: `\`suites\` entry "${dirs.get(name)}"`, evidence: null },
    evidence: new Map(),
  }));
  const byDir = new Map<string, string[]>();
  for (const module of modules.keys()) {
    if (outerDirs.some((dir) => isUnder(module, dir))) continue;
    const dir = path.posix.dirname(module) === '.' ? '' : path.posix.dirname(module);
    byDir.set(dir, [...(byDir.get(dir) ?? []), module]);
  }
  for (const [name, list] of byDir) {
    specs.push({
      name,
      testModules: list.sort().map((relative) => path.join(project.root, relative)),
      reason: { kind: 'configured', detail: `\`suites\` entry "${modules.get(list[0]!)}"`, evidence: null },
      evidence: new Map(),
    });
  }
  return specs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const specCache = new WeakMap<Project, SuiteSpec[]>();

/** The project's suites: as configured (`suites`), else by the default rule. */
export function suiteSpecs(project: Project): SuiteSpec[] {
  let specs = specCache.get(project);
  if (!specs) {
    specs = project.config.suites ? configuredSuites(project, project.config.suites) : defaultSuites(project);
    specCache.set(project, specs);
  }
  return specs;
}

/**
 * Finds the project's suites (as suiteSpecs, which then answers from the cache) while letting the trees
 * of the modules already judged be freed: finding suites by content reads every test module and conftest
 * of the project, which kept all their trees at once.
 */
export async function findSuiteSpecs(project: Project): Promise<SuiteSpec[]> {
  if (!specCache.has(project) && !project.config.suites) {
    specCache.set(project, await runStepsReleasing(defaultSuiteSteps(project)));
  }
  return suiteSpecs(project);
}

