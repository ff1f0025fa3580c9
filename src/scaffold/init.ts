// `smoke-lint init`: write the missing pieces of the practice into a FastAPI project, filled with the
// project's names. Never overwrites a file; a dry run returns the same plan and writes nothing.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { discoverConfig, gateSetting } from '../config.js';
import { findProjectRoot, walkProject } from '../discover.js';
import { postgresRuns } from '../model/dbscript.js';
import { suiteDbUrls } from '../model/dburl.js';
import { readPytestConfig } from '../model/pytest-config.js';
import { suiteScripts } from '../model/scripts.js';
import { suiteDatabases } from '../readers/suite-databases.js';
import { buildSuite, findSuiteDirs, Project, type Suite } from '../model/suite.js';
import { projectFacts, type ProjectFacts } from './facts.js';
import { lackingPieces, practicePath, type PieceKind } from './pieces.js';
import { conftestTemplate, dbScriptTemplate, runnerTemplate, testModuleTemplate, type TemplateValues } from './templates.js';
import { isDirectory, isWithin } from '../discover.js';

/** The path holds no FastAPI app (exit 2). */
export class NoAppError extends Error {}

export type InitPiece = PieceKind | 'test-module';

export interface InitFile {
  /** Absolute path. */
  path: string;
  /** Relative to the project root, `/`-separated. */
  relative: string;
  piece: InitPiece;
  /** The suite directory the file completes, relative to the root, `/`-separated. */
  suite: string;
  content: string;
  executable: boolean;
}

export interface InitResult {
  root: string;
  /** Absolute paths written (with a dry run: that would be written). */
  written: string[];
  /** Absolute paths left alone because a file is already there. */
  skipped: string[];
  /** Every file of the plan with its content, written or not. */
  files: InitFile[];
  /** Why each skipped file was skipped, by absolute path. */
  reasons: Map<string, string>;
  /** Things the user must finish by hand (no DB dependency found, an async dependency...). */
  notes: string[];
  /** The suite directories completed or created, relative to the root. */
  suites: string[];
  /** Pieces a suite lacks that init has no template for (`tests: runner`); a note says why. */
  unwritten: string[];
  dryRun: boolean;
}

export interface InitOptions {
  dryRun?: boolean;
  /** The suite folder to complete or create (absolute, inside the project), instead of the one init picks. */
  dir?: string;
}

const DEFAULT_USER = 'testuser';
const DEFAULT_PASSWORD = 'testpass';

function toPosix(relative: string): string {
  return relative.split(path.sep).join('/');
}

/**
 * Where a new suite goes: `<tests>/integration` in the app's existing tests folder, the one nearest the app
 * (its package's `tests`/`test`, then each folder above it up to the project root: an app in `backend/app`
 * with `backend/tests` gets `backend/tests/integration`); else a `tests` folder in the app's package.
 */
function newSuiteDir(facts: ProjectFacts): string {
  const root = facts.root;
  const packageDir = facts.app.packageDir;
  const ancestors: string[] = [];
  for (let dir = packageDir; isWithin(dir, root); dir = path.dirname(dir)) {
    ancestors.push(dir);
    if (dir === root) break;
  }
  if (!ancestors.includes(root)) ancestors.push(root);
  for (const dir of ancestors) {
    for (const name of ['tests', 'test']) {
      const candidate = path.join(dir, name);
      if (isDirectory(candidate)) return path.join(candidate, 'integration');
    }
  }
  const holder = isWithin(packageDir, root) && (packageDir === root || path.dirname(packageDir) === root) ? packageDir : root;
  return path.join(holder, 'tests', 'integration');
}

/** `Path(__file__).resolve().parents[N]` (optionally `/ "sub"`) naming `target` from a conftest in `suiteDir`. */
function sysPathExpression(suiteDir: string, target: string): string {
  let common = suiteDir;
  while (!isWithin(target, common)) common = path.dirname(common);
  const levels = path.relative(common, suiteDir) === '' ? 0 : path.relative(common, suiteDir).split(path.sep).length;
  const base = `Path(__file__).resolve().parents[${levels}]`;
  const rest = toPosix(path.relative(common, target));
  return rest ? `${base} / ${JSON.stringify(rest)}` : base;
}

interface DbValues {
  user: string;
  password: string;
  database: string;
  port: number;
}

/** The database the suite already names: its DB script's container first, then its conftest's URL; else the defaults. */
function dbValues(suite: Suite | null, facts: ProjectFacts, testPort: number, devPort: number): DbValues {
  const defaults: DbValues = { user: DEFAULT_USER, password: DEFAULT_PASSWORD, database: `${facts.databaseStem}_test`, port: testPort };
  if (!suite) return defaults;
  const run = postgresRuns(suite)[0]?.run;
  if (run) {
    const env = (key: string): string | null | undefined => (run.env.has(key) ? run.env.get(key)!.value : undefined);
    const user = env('POSTGRES_USER');
    const password = env('POSTGRES_PASSWORD');
    const database = env('POSTGRES_DB');
    const published = run.publish.find((port) => port.containerPort === '5432' || port.containerPort === null);
    const resolvedUser = user === undefined ? 'postgres' : user ?? defaults.user;
    return {
      user: resolvedUser,
      password: password ?? defaults.password,
      database: database === undefined ? resolvedUser : database ?? defaults.database,
      port: published?.hostPort && /^\d+$/.test(published.hostPort) ? Number(published.hostPort) : testPort,
    };
  }
  const target = suiteDbUrls(suite).find((url) => url.target)?.target;
  if (target) {
    const port = target.port && /^\d+$/.test(target.port) && Number(target.port) !== devPort ? Number(target.port) : testPort;
    return {
      user: target.username ?? defaults.user,
      password: target.password ?? defaults.password,
      database: target.database ?? defaults.database,
      port,
    };
  }
  return defaults;
}

function suiteSlug(relative: string): string {
  return relative.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'suite';
}

/**
 * For a suite that lacks a runner the practice's template cannot serve: its database, as messages name it
 * (null when the template serves). The template starts and removes a DB script; a suite whose database is
 * defined otherwise (a compose service, a CI job's service) and that has no DB script would get a runner
 * calling a script that does not exist (SL604), and starting its compose service from a template could
 * start the development stack instead.
 */
export function runnerWithoutScript(suite: Suite | null, pieces: readonly InitPiece[]): string | null {
  if (!suite || !pieces.includes('runner') || pieces.includes('db-script') || suiteScripts(suite).dbScripts.length > 0) return null;
  return suiteDatabases(suite)[0]?.label ?? 'started without a DB script';
}

/** Plans the files of one suite directory (existing or new). */
function planSuite(
  project: Project,
  facts: ProjectFacts,
  suiteDirAbs: string,
  suite: Suite | null,
  runnerTaken: Set<string>,
  notes: string[],
  unwritten: string[],
): InitFile[] {
  const root = project.root;
  const config = project.config;
  const suiteName = toPosix(path.relative(root, suiteDirAbs));
  const pieces: InitPiece[] = suite ? lackingPieces(suite) : ['client', 'db-script', 'runner'];
  if (!suite || suite.testModules.length === 0) pieces.push('test-module');
  const scripts = suite ? suiteScripts(suite) : null;
  const existingDb = scripts?.dbScripts[0]?.file.path ?? null;
  const database = runnerWithoutScript(suite, pieces);
  if (database !== null) {
    pieces.splice(pieces.indexOf('runner'), 1);
    unwritten.push(`${suiteName}: runner`);
    notes.push(
      `no runner written for ${suiteName}: the practice's runner starts and removes a DB script, and the suite's database is ${database}; write a runner that starts it, runs pytest on the suite with ${gateSetting(project.config)} and removes it`,
    );
  }
  if (pieces.length === 0) return [];

  const dbScript = existingDb ? toPosix(path.relative(root, existingDb)) : practicePath({ name: suiteName }, 'db-script');
  let runner = scripts?.runners[0] ? toPosix(path.relative(root, scripts.runners[0].file.path)) : practicePath({ name: suiteName }, 'runner');
  if (pieces.includes('runner') && runnerTaken.has(runner)) runner = `scripts/test-integration-${suiteSlug(suiteName)}.sh`;
  if (pieces.includes('runner')) runnerTaken.add(runner);

  const db = dbValues(suite, facts, config.testPort, config.devPort);
  const dependency = facts.dependency;
  const agentUsable = dependency?.kind === 'agent' && facts.agent !== null;
  const values: TemplateValues = {
    title: facts.title,
    gateVariable: config.gateVariable,
    gateValue: config.gateValue,
    suiteDir: suiteName,
    dbScript,
    runner,
    container: `${facts.containerStem}-postgres-test`,
    ...db,
    appModule: facts.app.dotted,
    appName: facts.app.name,
    sysPathExpression: sysPathExpression(suiteDirAbs, facts.app.importRoot),
    importTop: facts.app.dotted.split('.')[0]!,
    dependency: dependency && (dependency.kind === 'session' || agentUsable) ? { module: dependency.dotted, name: dependency.name, kind: dependency.kind } : null,
    agent: agentUsable ? { module: facts.agent!.dotted, className: facts.agent!.className, urlParameter: facts.agent!.urlParameter } : null,
    orm: { flavour: facts.orm.flavour, base: facts.orm.base ? { module: facts.orm.base.dotted, name: facts.orm.base.name } : null },
    routes: facts.app.plainGetRoutes,
    openapi: facts.app.openapi,
  };

  const files: InitFile[] = [];
  const add = (relative: string, piece: InitPiece, content: string, executable: boolean): void => {
    files.push({ path: path.join(root, ...relative.split('/')), relative, piece, suite: suiteName, content, executable });
  };
  if (pieces.includes('client')) {
    add(practicePath({ name: suiteName }, 'client'), 'client', conftestTemplate(values), false);
    if (!dependency) {
      notes.push(`no database dependency found (no \`Depends(...)\` target that yields a session or a DB agent): finish the override in ${suiteName}/conftest.py by hand`);
    } else if (dependency.kind === 'agent' && !agentUsable) {
      notes.push(`\`${dependency.name}\` hands out a DB agent, but no agent class was found: finish the override in ${suiteName}/conftest.py by hand`);
    } else if (dependency.isAsync) {
      notes.push(`\`${dependency.name}\` is async: if the routes await the session, make the override in ${suiteName}/conftest.py hand out an AsyncSession`);
    }
  }
  if (pieces.includes('test-module')) add(`${suiteName}/test_smoketest.py`, 'test-module', testModuleTemplate(values), false);
  if (pieces.includes('db-script')) add(dbScript, 'db-script', dbScriptTemplate(values), true);
  if (pieces.includes('runner')) add(runner, 'runner', runnerTemplate(values), true);
  return files;
}

export interface InitPlan {
  root: string;
  /** Every file of the plan, each path once, in the order init writes them (existing files included: init skips them). */
  files: InitFile[];
  notes: string[];
  /** The suite directories completed or created, relative to the root. */
  suites: string[];
  /** Pieces a suite lacks that init has no template for (`tests: runner`); a note says why. */
  unwritten: string[];
}

/**
 * What `smoke-lint init` would write into `project`, without touching the disk: for each existing suite
 * the pieces it lacks, or a whole new suite when there is none. Null when the project has no FastAPI app.
 * SL704's fix takes its files from here, so that `--fix --unsafe-fixes` writes exactly what init would.
 */
export function planProject(project: Project, dir?: string): InitPlan | null {
  const facts = projectFacts(project);
  if (!facts) return null;
  const notes: string[] = [];
  const unwritten: string[] = [];
  const runnerTaken = new Set<string>();
  const files: InitFile[] = [];
  const suites: string[] = [];
  const found = findSuiteDirs(project);
  // A chosen folder is completed when it is a suite already, else a new suite is planned there, alone.
  const chosen = dir === undefined ? null : toPosix(path.relative(project.root, dir));
  const suiteDirs = chosen === null ? found : found.filter((relative) => relative === chosen);
  // A new suite beside others must not share their runner: the default runner file is theirs.
  if (chosen !== null && suiteDirs.length === 0 && found.length > 0 && existsSync(path.join(project.root, practicePath({ name: chosen }, 'runner')))) {
    runnerTaken.add(practicePath({ name: chosen }, 'runner'));
  }
  if (suiteDirs.length === 0) {
    const dir = chosen === null ? newSuiteDir(facts) : path.join(project.root, chosen);
    suites.push(toPosix(path.relative(project.root, dir)));
    files.push(...planSuite(project, facts, dir, null, runnerTaken, notes, unwritten));
  } else {
    for (const relative of suiteDirs) {
      const suite = buildSuite(project, relative);
      suites.push(relative);
      files.push(...planSuite(project, facts, suite.dir, suite, runnerTaken, notes, unwritten));
    }
  }
  const unique = files.filter((file, index) => files.findIndex((other) => other.path === file.path) === index);
  return { root: project.root, files: unique, notes, suites, unwritten };
}

/**
 * Writes the missing pieces of the practice into the project around `target` (see `planProject`).
 * Throws NoAppError when no FastAPI app is found.
 */
export async function initProject(target: string, options: InitOptions = {}): Promise<InitResult> {
  const dryRun = options.dryRun ?? false;
  const absolute = path.resolve(target);
  if (!existsSync(absolute)) throw new NoAppError(`path ${target} does not exist`);
  const root = findProjectRoot(absolute);
  if (options.dir !== undefined) {
    const dir = path.resolve(options.dir);
    if (!isWithin(dir, root) || dir === root) throw new NoAppError(`--dir ${options.dir} is not a folder inside the project ${root}`);
    if (existsSync(dir) && !isDirectory(dir)) throw new NoAppError(`--dir ${options.dir} is a file, not a folder`);
  }
  const config = discoverConfig(root);
  const project = new Project(root, config, readPytestConfig(root), walkProject(root));
  const plan = planProject(project, options.dir === undefined ? undefined : path.resolve(options.dir));
  if (!plan) throw new NoAppError(`no FastAPI app found in ${root}: no module assigns \`FastAPI(...)\` to a name`);

  const written: string[] = [];
  const skipped: string[] = [];
  const reasons = new Map<string, string>();
  for (const file of plan.files) {
    if (existsSync(file.path)) {
      skipped.push(file.path);
      reasons.set(file.path, file.piece === 'client' ? 'a conftest.py is already there (add the client fixture to it by hand)' : 'a file is already there');
      continue;
    }
    written.push(file.path);
    if (dryRun) continue;
    mkdirSync(path.dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.content, { flag: 'wx', mode: file.executable ? 0o755 : 0o644 });
    // The umask may have taken bits away: scripts must be executable whatever it is.
    if (file.executable) chmodSync(file.path, 0o755);
  }
  return { root, written, skipped, files: plan.files, reasons, notes: plan.notes, suites: plan.suites, unwritten: plan.unwritten, dryRun };
}

/** The report `smoke-lint init` prints: what was (or would be) written and skipped, relative to `cwd`. */
export function formatInitResult(result: InitResult, cwd: string): string {
  const show = (file: string): string => {
    const relative = path.relative(cwd, file);
    return relative && !relative.startsWith('..') ? toPosix(relative) : file;
  };
  const lines: string[] = [];
  const byPath = new Map(result.files.map((file) => [file.path, file]));
  for (const file of result.written) {
    const planned = byPath.get(file)!;
    const mode = planned.executable ? ' (mode 0755)' : '';
    if (result.dryRun) {
      lines.push(`Would write ${show(file)}${mode}:`);
      lines.push(...planned.content.replace(/\n$/, '').split('\n').map((line) => (line ? `    ${line}` : '')));
      lines.push('');
    } else {
      lines.push(`Wrote ${show(file)}${mode}`);
    }
  }
  for (const file of result.skipped) lines.push(`Skipped ${show(file)}: ${result.reasons.get(file) ?? 'already exists'}`);
  for (const note of result.notes) lines.push(`Note: ${note}`);
  const count = result.written.length;
  const files = `${count} file${count === 1 ? '' : 's'}`;
  if (count === 0 && result.skipped.length === 0 && result.unwritten.length > 0) lines.push('Nothing to write: what is missing has no template here (see the note above).');
  else if (count === 0 && result.skipped.length === 0) lines.push(`Nothing to write: ${result.suites.map((suite) => `\`${suite}\``).join(', ')} ${result.suites.length === 1 ? 'has' : 'have'} every piece of the practice.`);
  else lines.push(result.dryRun ? `Would write ${files} (dry run: nothing was written).` : `Wrote ${files}.`);
  return `${lines.join('\n')}\n`;
}

const plans = new WeakMap<Project, InitPlan | null>();

/**
 * The files `smoke-lint init` would write for one missing piece of one suite (SL704's fix): the planned
 * files of that suite and piece that are not on disk yet. Empty when the project has no FastAPI app.
 * The whole project is planned once per lint, so that two suites lacking a runner get the names init gives them.
 */
export function plannedPieceFiles(suite: Suite, piece: PieceKind): InitFile[] {
  let plan = plans.get(suite.project);
  if (plan === undefined) {
    try {
      plan = planProject(suite.project);
    } catch {
      // The finding stands without its fix: a project init cannot read must not stop the lint.
      plan = null;
    }
    plans.set(suite.project, plan);
  }
  if (!plan) return [];
  return plan.files.filter((file) => file.suite === suite.name && file.piece === piece && !existsSync(file.path));
}
