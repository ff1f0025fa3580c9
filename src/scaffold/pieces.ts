// Which pieces of the practice's checklist a suite has: a conftest with the client fixture, a DB script
// that starts its PostgreSQL, a runner that runs it. Shared by SL704 (which reports the missing ones)
// and `smoke-lint init` (which writes them). Anything that cannot be read counts as present: a piece
// is missing only when nothing could stand in for it.
import { suiteDatabases } from '../readers/suite-databases.js';
import { gitlabJobs } from '../readers/gitlab-services.js';
import path from 'node:path';
import { clientOf } from '../model/app.js';
import { dockerCommands } from '../model/docker.js';
import { fixtureDecorator, pyModule } from '../model/python.js';
import { nodesOfType } from '../model/tree-nodes.js';
import { suiteScripts } from '../model/scripts.js';
import { suiteRunners } from '../model/runners.js';
import { shellScript } from '../model/shell.js';
import type { Suite } from '../model/suite.js';
import { hasParseError, type SourceFile } from '../source.js';
import { readTextFile } from '../read-text.js';

export type PieceKind = 'client' | 'db-script' | 'runner';

/** Where the practice puts each piece, relative to the project root. */
export function practicePath(suite: Pick<Suite, 'name'>, piece: PieceKind): string {
  switch (piece) {
    case 'client':
      return `${suite.name}/conftest.py`;
    case 'db-script':
      return `${suite.name}/scripts/test-db.sh`;
    case 'runner':
      return 'scripts/test-integration.sh';
  }
}

/** pytest-docker's fixtures: the tests start the compose file themselves (the compose reader reads the services). */
const PYTEST_DOCKER = /\b(docker_services|docker_compose_file|pytest_docker)\b/;

/** Kinds of DB definition the tests start themselves: plain `pytest` runs them, no DB script or runner needed. */
const STARTED_BY_TESTS = new Set(['testcontainers', 'pytest-postgresql', 'docker-sdk']);

/** Does a module define a pytest fixture that builds a TestClient or an ASGI client (or is named like a client)? */
function definesClientFixture(file: SourceFile): boolean {
  const module = pyModule(file);
  if (!module) return false;
  for (const fn of module.functions) {
    if (fn.className || !fixtureDecorator(module, fn)) continue;
    if (/client/i.test(fn.name)) return true;
    for (const call of fn.node.descendantsOfType('call')) {
      if (clientOf(module, call)) return true;
    }
  }
  return false;
}

/** Does a conftest load fixtures from elsewhere (`pytest_plugins`)? Then the client may come from there. */
function loadsPlugins(file: SourceFile): boolean {
  const module = pyModule(file);
  if (!module) return false;
  if (module.assignments.has('pytest_plugins')) return true;
  return nodesOfType(file, 'assignment').some((node) => node.childForFieldName('left')?.text === 'pytest_plugins');
}

/** Is the client piece there, or can it not be known? */
function hasClientPiece(suite: Suite): boolean {
  const conftests = [...suite.conftests, ...suite.outerConftests];
  // A conftest that cannot be read might hold it; plugins might provide it.
  if (conftests.some((file) => hasParseError(file) || loadsPlugins(file) || definesClientFixture(file))) return true;
  // A client fixture defined in the test modules themselves works too (it is not where the practice puts it, but nothing is missing).
  return suite.testModules.some((file) => hasParseError(file) || definesClientFixture(file));
}

function startsDatabaseFromPython(suite: Suite): boolean {
  if (suiteDatabases(suite).some((definition) => STARTED_BY_TESTS.has(definition.kind))) return true;
  const files = [...suite.conftests, ...suite.outerConftests, ...suite.testModules];
  return files.some((file) => PYTEST_DOCKER.test(file.text));
}

/** Do the suite's scripts start the database through compose (SL509 speaks about that)? */
function startsDatabaseWithCompose(suite: Suite): boolean {
  const { runners } = suiteScripts(suite);
  const inside = suite.files.filter((file) => file.language === 'shell').map((file) => shellScript(file));
  for (const script of [...runners, ...inside]) {
    if (script && dockerCommands(script).some((command) => command.subcommand === 'compose')) return true;
  }
  return false;
}

/** Task files no reader reads yet (just, Taskfile, nox): a runner may hide there, which cannot be told. */
const UNREAD_TASK_FILES = ['justfile', 'Justfile', '.justfile', 'noxfile.py', 'Taskfile.yml', 'Taskfile.yaml'];

/**
 * Might a task file no reader reads run the suite? One at the project root that names pytest and the
 * gate variable counts as a runner: what cannot be read counts as present.
 */
function unreadTaskFileMayRun(suite: Suite): boolean {
  const gate = suite.project.config.gateVariable;
  return UNREAD_TASK_FILES.some((name) => {
    const text = readTextFile(path.join(suite.project.root, name));
    return text !== null && text.includes(gate) && /\bpytest\b/.test(text);
  });
}

/**
 * Does a runner run the suite: a shell script that runs pytest on it, or a Makefile target or CI job (a
 * step through a project script it calls as well) that runs pytest on a path inside it, on a folder above
 * it with a database started, or with the gate variable set for the run. A target or job running the whole
 * tree with no database and no gate is a unit run, where the suite skips by design. A GitLab CI job counts
 * likewise (read by its services' reader: a run inside the suite, a database service, or the gate among its
 * `variables:`).
 */
function hasRunner(suite: Suite): boolean {
  if (suiteScripts(suite).runners.length > 0) return true;
  const gate = suite.project.config.gateVariable;
  const runs = [...suiteRunners(suite).runsOf.values()].flat();
  if (runs.some(({ runner, run, relation }) => runner.kind !== 'script' && (relation === 'inside' || runner.startsDatabase || run.env.has(gate)))) return true;
  return gitlabJobs(suite).some((job) => job.services.length > 0 || job.variables.has(gate) || job.runs.some(({ run, relation }) => relation === 'inside' || run.env.has(gate)));
}

/** The pieces of the checklist a suite lacks, in checklist order. A suite without test modules lacks nothing (it is not a suite yet). */
export function missingPieces(suite: Suite): PieceKind[] {
  return suite.testModules.length === 0 ? [] : lackingPieces(suite);
}

/** The pieces a suite directory lacks, whether or not it has test modules yet (`smoke-lint init` fills an empty one). */
export function lackingPieces(suite: Suite): PieceKind[] {
  const missing: PieceKind[] = [];
  if (!hasClientPiece(suite)) missing.push('client');
  const scripts = suiteScripts(suite);
  // A DB definition of any kind completes the suite: a `docker run` script, a compose service the suite
  // pairs with, a compose start in its scripts, or a database the tests start themselves (testcontainers,
  // pytest-postgresql, the Docker SDK), which also needs no runner: plain `pytest` starts it.
  const fromPython = startsDatabaseFromPython(suite);
  if (scripts.dbScripts.length === 0 && !fromPython && !startsDatabaseWithCompose(suite) && suiteDatabases(suite).length === 0) missing.push('db-script');
  if (!hasRunner(suite) && !fromPython && !unreadTaskFileMayRun(suite)) missing.push('runner');
  return missing;
}
