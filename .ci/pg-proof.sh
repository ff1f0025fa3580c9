#!/usr/bin/env bash
# Proof against a real PostgreSQL: a suite that smoke-lint calls clean really runs green.
#
# For a copy of fixtures/clean/project (its own suite), and for a copy with the suite removed that
# `smoke-lint init` re-creates, this script
#   - runs the suite without RUN_INTEGRATION_TESTS (before any database exists): every test must be skipped;
#   - starts PostgreSQL from Debian's packages on the port, with the user, password and database that the
#     suite's DB script gives its container, read with smoke-lint's own model (src/tools/db-credentials.ts);
#     the password is checked (scram-sha-256 over TCP), so the conftest's URL must match the script;
#   - runs the suite with RUN_INTEGRATION_TESTS=true: every test must pass.
# The container itself cannot be started here (a Docker client, no engine): see README.md.
#
# Runs as root (CI does); PostgreSQL runs as the `postgres` user. Needs a build of smoke-lint in dist/
# (`npm ci` makes one); PG_PROOF_BUILD=.build-x uses another tsc output directory instead, and
# PG_PROOF_FIXTURE=DIR proves another project laid out like the fixture (backend/tests/integration).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO="$PWD"

PY=/usr/bin/python3                # Debian's Python, which sees the Debian packages (not a pyenv one on PATH)
PACKAGES=(postgresql python3-fastapi python3-sqlmodel python3-pytest python3-httpx python3-psycopg2)
GATE=RUN_INTEGRATION_TESTS
BUILD="${PG_PROOF_BUILD:-dist}"
FIXTURE="${PG_PROOF_FIXTURE:-fixtures/clean/project}"   # another project, to check that the proof fails when it must
PYTEST_TIMEOUT=120                 # seconds per pytest run
START_TIMEOUT=30                   # seconds for PostgreSQL to accept connections

say() { printf 'pg-proof: %s\n' "$*"; }
die() { printf 'pg-proof: FAILED: %s\n' "$*" >&2; exit 1; }

[[ $EUID -eq 0 ]] || die "run as root (CI does): PostgreSQL is started as the postgres user through runuser"
[[ -f "$BUILD/src/cli.js" && -f "$BUILD/src/tools/db-credentials.js" ]] \
  || die "no build of smoke-lint in $BUILD/ (run npm ci, or set PG_PROOF_BUILD to a tsc output directory)"

# smoke-lint's CLI: bin/smoke-lint.js loads dist/; for another build directory, the same call on that one.
smoke_lint() {
  if [[ "$BUILD" == dist ]]; then
    node bin/smoke-lint.js "$@"
  else
    node --input-type=module -e 'const { main } = await import(process.env.PG_PROOF_CLI); process.exitCode = await main(process.argv.slice(1));' \
      -- "$@"
  fi
}
export PG_PROOF_CLI="$REPO/$BUILD/src/cli.js"
db_credentials() { node "$BUILD/src/tools/db-credentials.js" "$@"; }

# ---------------------------------------------------------------------------------------------
# 1. Packages (skipped when all are installed, so that local re-runs are fast)

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # The postgresql package starts a default cluster on 5432 when it can; this proof starts its own, so a
  # temporary policy-rc.d forbids service starts during the install (only when none exists already).
  policy=/usr/sbin/policy-rc.d
  own_policy=false
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    own_policy=true
  fi
  status=0
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}"; } || status=$?
  if $own_policy; then rm -f "$policy"; fi
  ((status == 0)) || die "apt-get install failed (exit $status)"
fi

bins=(/usr/lib/postgresql/*/bin)
[[ -x "${bins[-1]}/initdb" ]] || die "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin"
PGBIN="$(printf '%s\n' "${bins[@]}" | sort -V | tail -n 1)"
PG_MAJOR="$(basename "$(dirname "$PGBIN")")"
id postgres >/dev/null 2>&1 || die "no postgres user (the postgresql package creates it)"

# ---------------------------------------------------------------------------------------------
# Work directory and cleanup. Under /tmp explicitly: the postgres user must be able to reach its data
# directory, which a private $TMPDIR may not allow.

# A run killed before its trap ran leaves a server behind: stop those whose run is gone (never another live run's).
for owner in /tmp/pg-proof.*/owner; do
  [[ -f $owner ]] || continue
  stale="$(dirname "$owner")"
  if ! kill -0 "$(cat "$owner")" 2>/dev/null; then
    for data in "$stale"/data-*; do
      [[ -f $data/postmaster.pid ]] && (cd / && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$data" stop -m immediate -t 10 >/dev/null 2>&1) || true
    done
    rm -rf "$stale"
  fi
done

WORK="$(mktemp -d /tmp/pg-proof.XXXXXX)"
chmod 755 "$WORK"
echo $$ >"$WORK/owner"
SOCKETS="$WORK/sockets"
install -d -m 700 -o postgres -g postgres "$SOCKETS"
declare -A CLUSTER=()              # port → data directory of a server this run started and has not stopped

cleanup() {
  local status=$?
  local port
  for port in "${!CLUSTER[@]}"; do
    (cd / && runuser -u postgres -- "$PGBIN/pg_ctl" -D "${CLUSTER[$port]}" stop -m fast -t 20 >/dev/null 2>&1) \
      || (cd / && runuser -u postgres -- "$PGBIN/pg_ctl" -D "${CLUSTER[$port]}" stop -m immediate -t 10 >/dev/null 2>&1) || true
  done
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
# PostgreSQL

# Starts a fresh cluster listening on 127.0.0.1:PORT, as the DB script's throw-away container would be:
# trust on its private socket for the setup, scram-sha-256 for every TCP connection, so that a wrong
# password in a suite's URL fails.
start_server() {
  local port=$1
  if "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$port" -t 2 >/dev/null 2>&1 || (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port is already in use on 127.0.0.1: stop what listens there (the proof needs the suite's own port)"
  fi
  local data="$WORK/data-$port"
  install -d -m 700 -o postgres -g postgres "$data"
  (cd / && runuser -u postgres -- "$PGBIN/initdb" -D "$data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 >"$WORK/initdb-$port.log" 2>&1) || { cat "$WORK/initdb-$port.log" >&2; die "initdb failed"; }
  CLUSTER[$port]="$data"
  (cd / && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$data" -l "$data/server.log" -w -t "$START_TIMEOUT" \
      -o "-p $port -k $SOCKETS -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null) \
    || { cat "$data/server.log" >&2; die "PostgreSQL did not start on port $port within ${START_TIMEOUT}s"; }
  say "PostgreSQL $PG_MAJOR started on 127.0.0.1:$port (scram-sha-256)"
}

# Stops a cluster this run started and deletes its data, as the DB script's `stop` removes its container.
stop_server() {
  local port=$1
  (cd / && runuser -u postgres -- "$PGBIN/pg_ctl" -D "${CLUSTER[$port]}" stop -m fast -t 20 >/dev/null) \
    || die "PostgreSQL on port $port did not stop within 20s"
  rm -rf "${CLUSTER[$port]}"
  unset "CLUSTER[$port]"
}

# Creates the suite's role and a fresh database owned by it, as the container's first start would.
create_database() {
  local user=$1 password=$2 database=$3 port=$4
  # psql's :'var' / :"var" quote the values, whatever characters they hold.
  PGOPTIONS='-c client_min_messages=warning' psql -X -q -v ON_ERROR_STOP=1 -h "$SOCKETS" -p "$port" -U postgres -d template1 \
    -v user="$user" -v password="$password" -v database="$database" >/dev/null <<'SQL'
SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'user') AS role_exists \gset
\if :role_exists
ALTER ROLE :"user" WITH LOGIN PASSWORD :'password';
\else
CREATE ROLE :"user" WITH LOGIN PASSWORD :'password';
\endif
DROP DATABASE IF EXISTS :"database" WITH (FORCE);
CREATE DATABASE :"database" OWNER :"user";
SQL
  # The password is really checked: the right one connects over TCP, a wrong one is refused.
  PGPASSWORD="$password" psql -X -q -h 127.0.0.1 -p "$port" -U "$user" -d "$database" -tAc 'SELECT 1' >/dev/null \
    || die "cannot connect as $user to $database on 127.0.0.1:$port with the DB script's password"
  if PGPASSWORD="not-$password" psql -X -q -h 127.0.0.1 -p "$port" -U "$user" -d "$database" -tAc 'SELECT 1' >/dev/null 2>&1; then
    die "a wrong password was accepted on 127.0.0.1:$port: the proof would not check the suite's URL"
  fi
}

# ---------------------------------------------------------------------------------------------
# pytest

# Runs pytest on a suite from the directory the project's runner uses; prints its output, and sets
# PASSED, SKIPPED and OTHER (failed, errors, xfail...) from pytest's summary line.
run_pytest() {
  local label=$1 cwd=$2 target=$3 gate=$4
  local log="$WORK/pytest.log" status=0
  local env_args=(env -u PYTHONPATH -u "$GATE" PYTHONDONTWRITEBYTECODE=1)
  if [[ $gate == on ]]; then env_args+=("$GATE=true"); fi
  say "$label: $([[ $gate == on ]] && echo "$GATE=true" || echo "without $GATE,") pytest $target -v (in ${cwd#"$WORK/"})"
  (cd "$cwd" && timeout "$PYTEST_TIMEOUT" "${env_args[@]}" "$PY" -m pytest "$target" -v -p no:cacheprovider) >"$log" 2>&1 || status=$?
  sed 's/^/    /' "$log"
  ((status != 124)) || die "$label: pytest did not finish within ${PYTEST_TIMEOUT}s"
  ((status == 0)) || die "$label: pytest exited with $status"
  local summary
  summary="$(grep -E '^=+ .* in [0-9.]+s' "$log" | tail -n 1)" || die "$label: no pytest summary line"
  count() { grep -oE "[0-9]+ $1" <<<"$summary" | grep -oE '^[0-9]+' || echo 0; }
  PASSED="$(count passed)"
  SKIPPED="$(count skipped)"
  OTHER=$(( $(count failed) + $(count errors?) + $(count xfailed) + $(count xpassed) + $(count deselected) ))
}

# Both runs of one suite: skipped without the gate (no database running at all), green with it on a
# fresh server of its own.
prove_suite() {
  local label=$1 project=$2 cwd=$3 target=$4
  local credentials
  credentials="$(db_credentials "$project")" || die "$label: the DB script's credentials are not known (see above)"
  local PGUSER PGPASSWORD PGDATABASE PGPORT
  eval "$credentials"
  say "$label: DB script says user $PGUSER, database $PGDATABASE, port $PGPORT"

  run_pytest "$label" "$cwd" "$target" off
  ((PASSED == 0 && OTHER == 0 && SKIPPED > 0)) \
    || die "$label: without $GATE expected every test skipped, got $PASSED passed, $SKIPPED skipped, $OTHER other"
  local skipped=$SKIPPED

  start_server "$PGPORT"
  create_database "$PGUSER" "$PGPASSWORD" "$PGDATABASE" "$PGPORT"
  run_pytest "$label" "$cwd" "$target" on
  ((PASSED > 0 && SKIPPED == 0 && OTHER == 0)) \
    || die "$label: with $GATE=true expected every test passed, got $PASSED passed, $SKIPPED skipped, $OTHER other"
  ((PASSED == skipped)) || die "$label: $PASSED tests passed with the gate but $skipped were skipped without it"
  say "$label: $PASSED passed with $GATE=true, $skipped skipped without it"
  stop_server "$PGPORT"
  TOTAL_PASSED=$((TOTAL_PASSED + PASSED))
  SUITES=$((SUITES + 1))
}

TOTAL_PASSED=0
SUITES=0

# A request that missed the dependency override goes to the development database on 5432; with nothing
# there it fails, which is part of the proof. Say so when that part does not hold on this machine.
if (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  say "WARNING: something listens on the development port 5432: a missed dependency override might not fail here"
fi

# ---------------------------------------------------------------------------------------------
# 2–3. The clean fixture's own suite. scripts/test-integration.sh runs `cd backend; pytest tests/integration`;
# the runner itself is not run (it calls docker).

CLEAN="$WORK/clean"
cp -R "$FIXTURE" "$CLEAN"
smoke_lint "$CLEAN" >/dev/null || die "smoke-lint does not call $FIXTURE clean"
prove_suite "own suite" "$CLEAN" "$CLEAN/backend" tests/integration

# ---------------------------------------------------------------------------------------------
# 4. The suite `smoke-lint init` writes for the same project with its suite and runner removed.

INIT_NOTE=""
if smoke_lint init --help 2>/dev/null | grep -qE '^[[:space:]]*smoke-lint init\b'; then
  SCAFFOLD="$WORK/init"
  cp -R "$FIXTURE" "$SCAFFOLD"
  rm -rf "$SCAFFOLD/backend/tests/integration" "$SCAFFOLD/scripts/test-integration.sh"
  smoke_lint init "$SCAFFOLD" | sed 's/^/    /' || die "smoke-lint init failed"
  smoke_lint "$SCAFFOLD" >"$WORK/lint.log" 2>&1 || { cat "$WORK/lint.log" >&2; die "smoke-lint does not call the suite init wrote clean"; }
  # Where init put the suite: the default place is backend/tests/integration, next to the unit tests.
  suite="$(cd "$SCAFFOLD" && find . -path ./.git -prune -o -type d \( -name integration -o -name smoke -o -name smoketest -o -name smoketests -o -name e2e \) -print | sort | head -n 1)"
  [[ -n $suite ]] || die "smoke-lint init wrote no suite directory"
  suite="${suite#./}"
  if [[ $suite == backend/* ]]; then
    prove_suite "init suite" "$SCAFFOLD" "$SCAFFOLD/backend" "${suite#backend/}"
  else
    prove_suite "init suite" "$SCAFFOLD" "$SCAFFOLD" "$suite"
  fi
else
  INIT_NOTE=" (init part skipped: this build has no \`smoke-lint init\`)"
  say "SKIPPED: the init part needs \`smoke-lint init\`, which this build does not have"
fi

noun=suites
((SUITES == 1)) && noun=suite
say "$SUITES $noun green against PostgreSQL $PG_MAJOR ($TOTAL_PASSED passed), and skipped without the gate$INIT_NOTE"
