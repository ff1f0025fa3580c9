// The suite's test database, whatever defines it: a `docker run` in a DB script, a docker compose
// service, a CI job's `services:`, a testcontainers / pytest-postgresql fixture. Readers under
// src/readers/ fill one shape; the SL2xx/SL5xx/SL7xx rules query it and never the source format.
//
// Which definitions belong to a suite (see suiteDatabases in src/readers/suite-databases.ts):
//   docker run    the postgres runs of the suite's DB scripts (scripts.ts: called by its runners, inside it,
//                 or nearest above), read by src/readers/shell-databases.ts;
//   compose       a file a runner of the suite names with `-f`, else the compose files
//                 (`docker-compose*.y(a)ml`, `compose*.y(a)ml`) in the suite's folder or a folder above it
//                 (or such a folder's `docker/`); of their services, those that run a postgres image, and
//                 when there are several: the ones whose port matches the suite's URL, else whose name
//                 says test; when the suite has another definition (a DB script, a CI
//                 service of the job that runs it, its Python), only services a runner starts or named test;
//                 a runner's `run`/`exec` of pytest in a service (`docker compose run --rm app pytest`) starts
//                 the services `app` depends on, so the database it depends on is the suite's;
//   CI service    the `services:` of a GitHub Actions or GitLab CI job that runs pytest on the suite (or on no path),
//                 in a step or in a project script a step calls;
//   python        testcontainers / pytest-postgresql / Docker SDK calls in the suite's fixture modules and
//                 test modules, or in the project modules they import from (src/readers/python-databases.ts).
// Never by chance: when the evidence does not single out a service, none is paired.
import type { Range } from '../rule.js';
import type { SourceFile } from '../source.js';
import { isOfficialPostgresImage, isPostgresImage } from './docker.js';

export type DbKind = 'docker-run' | 'compose' | 'ci-service' | 'testcontainers' | 'pytest-postgresql' | 'docker-sdk';

/** A value read from a definition, where it is written, and (when the text is literal) its offsets for edits. */
export interface DbValue {
  value: string;
  file: SourceFile;
  range: Range;
  /** Offsets [start, end) of exactly `value` in the file, when a fix may replace it. */
  span: { start: number; end: number } | null;
  /** Where the value came from when not written here: `${DB_PORT:-5433}`, `.env`, "from `DB_PORT`". */
  via: string | null;
  /** The shell assignment the value comes through (`DB_PORT=5432`), when `span` points into it rather than at the use. */
  assignment?: { name: string; range: Range } | null;
}

export interface DbImage {
  /** The image as written after interpolation (`postgres:16-alpine`). */
  text: DbValue;
  name: string;
  /** The tag (null: none, which means `latest`). */
  tag: string | null;
  official: boolean;
  /** An explicit major in the tag, or a digest. */
  pinned: boolean;
  /** The major the container runs; 18 for an unpinned official image; null when unknown. */
  major: number | null;
}

export interface DbPort {
  /** The host port; null when random (`- "5432"`) or unknown. */
  host: DbValue | null;
  container: string | null;
  /** Surely published on a random host port (`- "5432"`, `-p 5432` written out; not a value that may be unset). */
  random: boolean;
  /** The whole entry (for the finding's range). */
  entry: DbValue;
}

export interface DbMount {
  /** Normalized target path; null when unknown. */
  target: string | null;
  tmpfs: boolean;
  /** The entry as written (`pgdata:/var/lib/postgresql/data`). */
  entry: DbValue;
  /** A named or bind volume that keeps data on disk. */
  persistent: boolean;
  /** The entry as written in the file, quotes and all (`"$PWD/pgdata:/var/lib/postgresql/data"`), for messages. */
  asWritten?: string;
  /** Offsets [start, end) of the target path as written in the entry, when it is there once, verbatim (a fix may replace it). */
  targetSpan?: { start: number; end: number } | null;
}

export interface DbReadiness {
  /** The definition declares a health check (compose `healthcheck`, CI `--health-cmd`). */
  healthcheck: DbValue | null;
  /** Something waits for it: `up --wait`, `depends_on: condition: service_healthy`, a wait loop, CI's own wait, a library's. */
  waited: boolean;
  /** How (for messages). */
  how: string | null;
}

export interface DbDefinition {
  kind: DbKind;
  file: SourceFile;
  /** Compose or CI service name, the container name of a run, or the fixture's name. */
  service: string | null;
  /** For messages: "compose service `db` (docker/docker-compose.test.yml)". */
  label: string;
  /** Where findings about the definition as a whole point (the service key, the call). */
  anchor: Range;
  image: DbImage | null;
  /** Published ports; null when not applicable (a library maps a random port and hands the URL over). */
  ports: DbPort[] | null;
  /** Are the ports written out in full (no unknown variables, extra files, argument arrays or publish-all)? */
  portsKnown: boolean;
  /**
   * The network the container joins when the definition names one (`docker run --network host`): with
   * `host` it shares the host's network and publishes nothing (`ports` is empty); null or absent: its own
   * default network.
   */
  network?: string | null;
  /** POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB as the container gets them (image defaults not applied). */
  env: Map<string, DbValue | null>;
  /** The environment may hold more than what is written (an `env_file` that could not be read). */
  envKnown: boolean;
  /** Mounts; null when not applicable. */
  mounts: DbMount[] | null;
  mountsKnown: boolean;
  readiness: DbReadiness;
  /** PGDATA as the container gets it; null for the image's default; undefined when unknown. */
  pgdata: string | null | undefined;
  /** Set for a CI service: it runs on a throw-away machine (no dev database, nothing outlives the job). */
  ephemeralHost: boolean;
  /**
   * For a CI job service: the environment the job gives the tests (workflow, job and step `env:`; null
   * values are not statically known), and whether the job hands the service's mapped port over
   * (`${{ job.services.postgres.ports[5432] }}`), which a random host port needs.
   */
  tests?: { env: Map<string, string | null>; portHandedOver: boolean };
  /** For a `docker run`: the image word as written (its value, else its text), known or not, for messages. */
  imageAsWritten?: string | null;
  /** For a `docker run`: the edit that adds an option to the command (before the image word, on a line of its own when the run is written one flag a line). */
  insertOption?: ((option: string) => { start: number; end: number; text: string }) | null;
  /** For a `docker run`: the engine that runs it (`docker`, `podman`), for messages and hints. */
  engine?: string;
  /**
   * The container's life where the suite manages it: a `docker run` of a DB script (that runs at all), a
   * compose service a script or Makefile target of the suite starts with a detached `up`, a Docker SDK
   * container. Null or absent when the notion does not apply (a CI service dies with the job's machine, a
   * library removes its container) or nothing of the suite starts it.
   */
  lifecycle?: DbLifecycle | null;
}

export interface DbLifecycle {
  /** Where the suite starts the database: the `docker run`, the `compose up` command, the `containers.run(...)` call. */
  start: { file: SourceFile; range: Range };
  /** How the start is written, for messages: "`docker compose up`". */
  startedBy: string;
  /** Something of the suite removes (or may remove) the container after the tests: `docker rm -f`, `compose down`, `container.remove()`. */
  removed: boolean;
  /** When not removed but stopped, how (`docker stop`, `.stop()`): the stopped container stays behind. */
  stoppedBy: string | null;
  /** A fixed container name a leftover would keep taken (the next start then fails); null when none or not applicable. */
  name: string | null;
  /** Where that name is written. */
  nameAt: Range | null;
  /** The start removes a leftover of that name first. */
  clearsLeftover: boolean;
  /** The command that removes a leftover, as the suite would write it (`docker rm -f "$NAME" >/dev/null 2>&1 || true`). */
  removeLeftover: string | null;
  /** The edit that inserts that removal before the start, when it can be inserted there safely. */
  clearEdit: { start: number; end: number; text: string } | null;
}

/** The image facts from an image reference text (the same reading as a `docker run`'s image word). */
export function imageOf(text: DbValue): DbImage | null {
  const raw = text.value.trim();
  if (raw === '' || /\s/.test(raw)) return null;
  const at = raw.indexOf('@');
  const withoutDigest = at >= 0 ? raw.slice(0, at) : raw;
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  const hasTag = colon > slash;
  const name = hasTag ? withoutDigest.slice(0, colon) : withoutDigest;
  const tag = hasTag ? withoutDigest.slice(colon + 1) : null;
  if (!isPostgresImage(name)) return null;
  const official = isOfficialPostgresImage(name);
  const version = tag === null ? null : (/^(\d+)/.exec(tag) ?? /(?:^|[-_.])pg(\d+)/.exec(tag));
  const pinned = at >= 0 || version !== null;
  return { text, name, tag, official, pinned, major: version ? Number(version[1]) : official ? 18 : null };
}

/**
 * What the suite's scripts and runners do with the test database beside defining it: the readiness checks
 * they run inside its container, the loops that wait for it, and the compose commands that start it. Read
 * from the suite's DB scripts, its runner scripts and the steps of the CI jobs that run it
 * (src/readers/shell-readiness.ts, src/readers/shell-compose.ts); see suiteDbSetup in
 * src/readers/suite-databases.ts.
 */
export interface DbSetup {
  containerChecks: DbContainerCheck[];
  waitLoops: DbWaitLoop[];
  composeStarts: DbComposeStart[];
}

/** `docker exec <container> pg_isready ...` (or podman) that runs: a readiness check inside the database's container. */
export interface DbContainerCheck {
  file: SourceFile;
  /** The `pg_isready` word. */
  range: Range;
  /** For messages: "`docker exec shop-postgres-test pg_isready`". */
  command: string;
  /**
   * Whom it asks: `tcp` (a host given, or `PGHOST` set on the exec), `socket` (no host, or a socket
   * directory as host), `unknown` (an unknown word may hold `-h`, a connection string, `--env-file`).
   */
  asks: 'tcp' | 'socket' | 'unknown';
  /** The socket directory given as host, when it asks the socket that way. */
  socketDir: string | null;
  /** The edit that makes it ask over TCP (`-h 127.0.0.1` after a literal `pg_isready`), when it asks the socket with no host. */
  askTcp: { start: number; end: number; text: string } | null;
}

/** A loop that waits for the database to accept connections (`until pg_isready ...; do sleep 1; done`). */
export interface DbWaitLoop {
  file: SourceFile;
  /** The loop's keyword (`until`, `while`, `for`). */
  range: Range;
  keyword: 'until' | 'while' | 'for';
  /** It counts or times (`for i in {1..30}`, `-lt 30`, `$SECONDS`, `timeout`). */
  bounded: boolean;
  /** When it runs out, the script fails: an `exit`/`return` with a non-zero status, or a last check under `set -e`. */
  failsWhenOut: boolean;
  /** It shows the container's logs when it runs out (`docker logs`). */
  showsLogs: boolean;
}

/** A compose command of a suite's script that starts containers (`docker compose up`, `run`, `start`, `create`, `restart`). */
export interface DbComposeStart {
  file: SourceFile;
  /** The whole command. */
  range: Range;
  /** As written: `docker compose`, `docker-compose`, `podman compose`, `podman-compose`. */
  tool: string;
  action: string;
}
