// `node dist/src/tools/db-credentials.js PROJECT_OR_SUITE_DIR`: the credentials a project's DB script gives its
// throw-away PostgreSQL, read with smoke-lint's own model (the suites the engine finds, the `docker run` of
// the postgres image their DB scripts start), printed as shell-safe lines to `eval`:
//
//   PGUSER=notes
//   PGPASSWORD=notes-test-password
//   PGDATABASE=notes_test
//   PGPORT=5433
//
// The image's defaults apply: POSTGRES_USER `postgres`, POSTGRES_DB the user. PGPORT is the published host
// port of the container's 5432. Anything that cannot be known statically (a value from the caller's
// environment, an --env-file, a random port, two DB scripts that disagree) ends the run with exit 2 and one
// line on stderr: a proof against a real database must never guess.
import path from 'node:path';
import { ConfigError } from '../config.js';
import { findProjectRoot, isDirectory } from '../discover.js';
import { postgresRuns, type PostgresRun } from '../model/dbscript.js';
import { openProject } from '../engine.js';
import { selectSuites } from '../suite-lint.js';
import type { Project } from '../model/suite.js';

const KEYS = ['PGUSER', 'PGPASSWORD', 'PGDATABASE', 'PGPORT'] as const;
type Key = (typeof KEYS)[number];
type Credentials = Record<Key, string>;

class Unknown extends Error {}

const USAGE = 'usage: db-credentials PROJECT_OR_SUITE_DIR  (prints PGUSER, PGPASSWORD, PGDATABASE, PGPORT as shell lines)';

/** Where a run is written, for messages: `backend/tests/integration/scripts/test-db.sh:18`. */
function located(project: Project, found: PostgresRun): string {
  return `${project.relative(found.script.file.path)}:${found.run.command.node.startPosition.row + 1}`;
}

/** The credentials one `docker run` of a postgres image gives its clients. Throws Unknown with the reason. */
function credentialsOf(project: Project, found: PostgresRun): Credentials {
  const { run } = found;
  const where = located(project, found);
  // Flags the model could not read, or an --env-file, may set any variable: defaults cannot be assumed then.
  const envComplete = run.optionsKnown && run.envFiles.length === 0;
  const variable = (name: string, fallback: string | null, key: Key): string => {
    const entry = run.env.get(name);
    if (entry) {
      if (entry.value === null) throw new Unknown(`${key} unknown: ${where} sets ${name} from a value that is not known statically`);
      return entry.value;
    }
    if (fallback === null) throw new Unknown(`${key} unknown: ${where} sets no ${name}`);
    if (!envComplete) throw new Unknown(`${key} unknown: ${where} sets no ${name}, but its flags (${run.envFiles.length ? '--env-file' : 'an option smoke-lint cannot read'}) may`);
    return fallback;
  };

  const user = variable('POSTGRES_USER', 'postgres', 'PGUSER');
  const trust = run.env.get('POSTGRES_HOST_AUTH_METHOD')?.value === 'trust';
  // Without a password the image refuses to start, unless it trusts every connection (then any password does).
  const password = run.env.has('POSTGRES_PASSWORD') || !trust ? variable('POSTGRES_PASSWORD', null, 'PGPASSWORD') : '';
  const database = variable('POSTGRES_DB', user, 'PGDATABASE');
  return { PGUSER: user, PGPASSWORD: password, PGDATABASE: database, PGPORT: hostPort(run, where) };
}

/** The host port clients reach the container's PostgreSQL on. */
function hostPort(run: PostgresRun['run'], where: string): string {
  const containerPort = run.env.get('PGPORT')?.value ?? '5432';
  if (run.network === 'host') return containerPort;
  if (run.publishAll) throw new Unknown(`PGPORT unknown: ${where} publishes every port on random host ports (-P)`);
  const published = run.publish.filter((spec) => spec.containerPort === containerPort && (spec.protocol === null || spec.protocol === 'tcp'));
  if (published.length === 0) {
    const unreadable = run.publish.some((spec) => spec.containerPort === null);
    throw new Unknown(`PGPORT unknown: ${where} ${unreadable ? 'publishes a port that is not known statically' : `does not publish the container's port ${containerPort}`}`);
  }
  const ports = new Set<string>();
  for (const spec of published) {
    if (spec.random) throw new Unknown(`PGPORT unknown: ${where} publishes ${containerPort} on a random host port`);
    if (spec.hostPort === null) throw new Unknown(`PGPORT unknown: ${where} publishes ${containerPort} on a host port that is not known statically`);
    ports.add(spec.hostPort);
  }
  if (ports.size > 1) throw new Unknown(`PGPORT unknown: ${where} publishes ${containerPort} on several host ports (${[...ports].join(', ')})`);
  const port = [...ports][0]!;
  if (!/^\d+$/.test(port)) throw new Unknown(`PGPORT unknown: ${where} publishes ${containerPort} on host port ${JSON.stringify(port)}, not a number`);
  return port;
}

/** `KEY=value` that any POSIX shell reads back as exactly `value`. */
export function shellLine(key: string, value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return `${key}=${value}`;
  return `${key}='${value.replace(/'/g, `'\\''`)}'`;
}

/** The credentials of the suites at or around `target` (a project, a folder in it, or a suite). */
export function readCredentials(target: string): Credentials {
  const absolute = path.resolve(target);
  if (!isDirectory(absolute)) throw new Unknown(`${target} is not a directory`);
  const root = findProjectRoot(absolute);
  const project = openProject(root);
  const suites = selectSuites(project, [absolute]);
  if (suites.length === 0) throw new Unknown(`no integration suite found in ${target}`);

  const runs = new Map<string, PostgresRun>();
  for (const suite of suites) {
    for (const found of postgresRuns(suite)) runs.set(located(project, found), found);
  }
  if (runs.size === 0) throw new Unknown(`no DB script of ${suites.map((suite) => suite.name).join(', ')} starts a postgres container`);

  let chosen: { where: string; credentials: Credentials } | null = null;
  for (const [where, found] of runs) {
    const credentials = credentialsOf(project, found);
    if (chosen === null) chosen = { where, credentials };
    else {
      const differing = KEYS.find((key) => chosen!.credentials[key] !== credentials[key]);
      if (differing) throw new Unknown(`${differing} ambiguous: ${chosen.where} and ${where} start databases that differ; name one suite directory`);
    }
  }
  return chosen!.credentials;
}

function main(argv: string[]): number {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (argv.length !== 1 || argv[0]!.startsWith('-')) {
    process.stderr.write(`db-credentials: ${USAGE}\n`);
    return 2;
  }
  try {
    const credentials = readCredentials(argv[0]!);
    process.stdout.write(KEYS.map((key) => `${shellLine(key, credentials[key])}\n`).join(''));
    return 0;
  } catch (error) {
    if (error instanceof Unknown || error instanceof ConfigError) {
      process.stderr.write(`db-credentials: ${error.message.split('\n')[0]}\n`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`db-credentials: ${message.split('\n')[0]}\n`);
    return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
