// The test database definitions of a suite, from every reader, paired by evidence (the rule is
// documented at the top of src/model/database.ts).
import path from 'node:path';
import type { DbDefinition, DbLifecycle, DbSetup } from '../model/database.js';
import type { Range } from '../rule.js';
import { nodeRange } from '../source.js';
import { parseDockerCommand } from '../model/docker.js';
import { suiteMakefiles } from '../model/make-runs.js';
import { allSuiteScripts, runnersOf, dbScriptsOf } from '../model/dbscript.js';
import { isReadinessWait } from '../model/readiness.js';
import type { Suite } from '../model/suite.js';
import { suiteRunners } from '../model/runners.js';
import { isWithin } from '../discover.js';
import { composeDatabases, dependedOnHealthy, dependenciesOf } from './compose.js';
import { isComposeFileName } from '../model/file-names.js';
import { composeInvocations as scriptComposeInvocations, composeStartsIn, type ComposeInvocation } from './shell-compose.js';
import { scriptIndex } from '../model/script-index.js';
import type { ShellScript } from '../model/shell.js';
import { containerChecks, waitLoops } from './shell-readiness.js';
import { workflowDatabases, workflowFiles } from './workflow-services.js';
import type { SourceFile } from '../source.js';
import { pythonDatabases } from './python-databases.js';
import { shellDatabases } from './shell-databases.js';
import { gitlabCiFiles, gitlabDatabases } from './gitlab-services.js';
import { perSuite } from '../model/suite-caches.js';

const TEST_NAME = /(^|[-_.])(test|tests|testing|it|integration|e2e|ci)([-_.]|$)|test/i;

const cache = perSuite<DbDefinition[]>();

/**
 * The suite's test database definitions: its DB scripts' `docker run`s, compose services, CI job
 * services, and the databases its Python starts (testcontainers, pytest-postgresql, Docker SDK).
 */
export function suiteDatabases(suite: Suite): DbDefinition[] {
  const cached = cache.get(suite);
  if (cached) return cached;
  const result = [...shellDatabases(suite), ...pairCompose(suite), ...workflowDatabases(suite), ...gitlabDatabases(suite), ...pythonDatabases(suite)];
  cache.set(suite, result);
  return result;
}

const setupCache = perSuite<DbSetup>();

/**
 * What the suite's scripts and runners do with its database beside defining it: readiness checks inside
 * the container, wait loops (DB scripts, runner scripts, CI steps of the jobs that run it), and compose
 * commands that start containers (any shell script of the suite).
 */
export function suiteDbSetup(suite: Suite): DbSetup {
  const cached = setupCache.get(suite);
  if (cached) return cached;
  const result = { containerChecks: containerChecks(suite), waitLoops: waitLoops(suite), composeStarts: allSuiteScripts(suite).flatMap(composeStartsIn) };
  setupCache.set(suite, result);
  return result;
}

/** A script's compose commands, its relative paths read from where the suite's project starts it. */
function composeInvocations(suite: Suite, script: ShellScript): ComposeInvocation[] {
  return scriptComposeInvocations(script, scriptIndex(suite.project).startOf(script).dir);
}

/** The compose commands of the suite's scripts and of its runners of every kind (a Makefile target's recipe lines, a CI job's steps). */
function suiteComposeInvocations(suite: Suite): ComposeInvocation[] {
  const shells = [...allSuiteScripts(suite), ...suiteRunners(suite).runners.filter((runner) => runner.kind !== 'script').flatMap((runner) => runner.shells.map((shell) => shell.script))];
  return [...new Set(shells)].flatMap((script) => composeInvocations(suite, script));
}

/** The compose files the suite's definitions may come from: those its scripts name with `-f`, else those near it. */
function composeCandidates(suite: Suite, invocations: ComposeInvocation[]): string[] {
  const project = suite.project;
  const named = new Set<string>();
  for (const invocation of invocations) for (const file of invocation.files ?? []) named.add(file);
  if (named.size > 0) return [...named];
  // Proximity: compose files in the suite's folder or a folder above it (or that folder's `docker/`).
  const homes: string[] = [];
  for (let dir = suite.dir; isWithin(dir, project.root); dir = path.dirname(dir)) {
    homes.push(dir, path.join(dir, 'docker'));
    if (dir === project.root) break;
  }
  return project.yamlFiles((file) => isComposeFileName(path.basename(file)) && homes.includes(path.dirname(file))).map((file) => file.path);
}

/**
 * The YAML files the suite's DB model reads (SL001 reports their syntax errors): its compose files
 * (see composeCandidates) and the project's workflows that run pytest.
 */
export function suiteYamlFiles(suite: Suite): SourceFile[] {
  const invocations = suiteComposeInvocations(suite);
  const compose = composeCandidates(suite, invocations);
  const workflows = [...workflowFiles(suite), ...gitlabCiFiles(suite)].filter((file) => /\bpytest\b/.test(file.text));
  const seen = new Set<string>();
  return [...suite.project.yamlFiles((file) => compose.includes(file)), ...workflows].filter((file) => !seen.has(file.path) && seen.add(file.path) !== undefined);
}

function pairCompose(suite: Suite): DbDefinition[] {
  const project = suite.project;
  const scripts = allSuiteScripts(suite);
  const invocations = suiteComposeInvocations(suite);
  const named = new Set<string>();
  const startedServices = new Set<string>();
  let startsAll = false;
  for (const invocation of invocations) {
    for (const file of invocation.files ?? []) named.add(file);
    if (invocation.action === 'up' || invocation.action === 'run' || invocation.action === 'start') for (const service of invocation.services) startedServices.add(service);
    // `up` or `start` naming no service starts them all: no service is left out.
    if ((invocation.action === 'up' || invocation.action === 'start') && invocation.services.length === 0) startsAll = true;
  }
  const byRunner = named.size > 0;
  const candidates = composeCandidates(suite, invocations);
  const files = project.yamlFiles((file) => candidates.includes(file));
  // `docker compose run --rm app pytest`, `exec app pytest`: the tests run in `app`, and the database they
  // reach is the one `app` depends on (which `run` starts with it, and `exec` finds running).
  for (const invocation of invocations) {
    if ((invocation.action !== 'run' && invocation.action !== 'exec') || !invocation.services[0]) continue;
    const inFiles = invocation.files === null ? files : files.filter((file) => invocation.files!.includes(file.path));
    for (const file of inFiles) for (const dependency of dependenciesOf(file, invocation.services[0])) startedServices.add(dependency);
  }
  // A suite whose database a runner or the suite itself provides (a DB script, a CI job service of the job
  // that runs it, its own Python) pairs by proximity only with test-named services: a plain `db` service
  // next to it is the developer's, reported only when a script, Makefile target or CI job of the suite starts it (byRunner).
  const providedElsewhere = shellDatabases(suite).length > 0 || pythonDatabases(suite).length > 0 || workflowDatabases(suite).length > 0 || gitlabDatabases(suite).length > 0;
  let found = files.flatMap((file) => composeDatabases(file, project.relative(file.path)).map((entry) => ({ ...entry, fileName: path.basename(file.path) })));
  if (byRunner && !startsAll && startedServices.size > 0) found = found.filter((entry) => startedServices.has(entry.service.name));
  if (!byRunner || found.length > 1) {
    const testNamed = found.filter((entry) => TEST_NAME.test(entry.service.name) || TEST_NAME.test(entry.fileName));
    if (providedElsewhere && !byRunner) found = testNamed;
    else if (found.length > 1) found = testNamed.length > 0 ? testNamed : byRunner ? found : [];
  }
  // Readiness: `up --wait` on the file, a service that waits for it healthy, or a wait loop in the suite's scripts.
  const loops = [...runnersOf(suite), ...dbScriptsOf(suite), ...scripts].some((script) => script.commands.some((command) => isReadinessWait(script, command)));
  return found.map(({ definition, service }) => {
    const upWait = invocations.find((invocation) => invocation.wait && (invocation.files ?? []).includes(definition.file.path));
    const healthy = dependedOnHealthy(definition.file, service.name);
    const how = upWait ? '`up --wait`' : healthy ? '`depends_on: condition: service_healthy`' : loops ? 'a wait loop' : null;
    return { ...definition, readiness: { ...definition.readiness, waited: how !== null, how }, lifecycle: composeLifecycle(suite, definition.file.path, service.name) };
  });
}

const REMOVING = new Set(['down', 'stop', 'rm', 'kill']);

/** `up -d`, `--detach`, `--wait` (which detaches): the services outlive the command. */
function detached(invocation: ComposeInvocation): boolean {
  const words = parseDockerCommand(invocation.command)?.args ?? [];
  return words.some((word) => word.value !== null && (/^-[a-zA-Z]*d[a-zA-Z]*$/.test(word.value) || word.value === '--detach' || word.value === '--wait' || word.value.startsWith('--wait-timeout')));
}

/**
 * Who of the suite starts a compose service (`up` in a script of the suite or a line of a Makefile target
 * that runs it; a CI job's machine is thrown away with the service) and whether anything removes it: a
 * `down`/`stop`/`rm`/`kill` on the file in a script of the suite (its EXIT trap included) or in any target
 * of the Makefiles above the suite (`make down`). A compose command whose action or files cannot be read may.
 */
function composeLifecycle(suite: Suite, file: string, service: string): DbLifecycle | null {
  const starts: Array<{ invocation: ComposeInvocation; file: SourceFile; range: Range }> = [];
  for (const script of allSuiteScripts(suite)) for (const invocation of composeInvocations(suite, script)) starts.push({ invocation, file: script.file, range: nodeRange(invocation.command.node) });
  for (const runner of suiteRunners(suite).runners) {
    if (runner.kind !== 'make') continue;
    for (const shell of runner.shells) for (const invocation of composeInvocations(suite, shell.script)) starts.push({ invocation, file: shell.file, range: shell.range(invocation.command.node) });
  }
  // Only a detached `up` leaves the service running once the command returns; a foreground `up` stops it on exit.
  const start = starts.find(({ invocation }) => invocation.action === 'up' && detached(invocation) && (invocation.files ?? []).includes(file) && (invocation.services.length === 0 || invocation.services.includes(service)));
  if (!start) return null;
  const shells = [...allSuiteScripts(suite), ...suiteMakefiles(suite).flatMap((makefile) => [...makefile.targets.values()].flatMap((target) => target.lines.map((line) => line.script)))];
  const removed = shells.some((script) => {
    const removes = (invocation: ComposeInvocation) => invocation.action === null || (REMOVING.has(invocation.action) && (invocation.files === null || invocation.files.includes(file)));
    if (composeInvocations(suite, script).some(removes)) return true;
    // An inline trap action is a script of its own: its commands are judged one by one.
    return script.traps.some((trap) => script.trapCommands(trap).some((command) => {
      const docker = parseDockerCommand(command);
      return docker !== null && docker.subcommand === 'compose' && docker.args.some((word) => word.value === null || REMOVING.has(word.value));
    }));
  });
  return { start: { file: start.file, range: start.range }, startedBy: '`docker compose up`', removed, stoppedBy: null, name: null, nameAt: null, clearsLeftover: true, removeLeftover: null, clearEdit: null };
}

/** Does the suite start its compose services from a script, with `up` and no `--wait` (where a fix could add it)? */
export function composeStarts(suite: Suite): ComposeInvocation[] {
  return allSuiteScripts(suite).flatMap((script) => composeInvocations(suite, script)).filter((invocation) => invocation.action === 'up');
}
