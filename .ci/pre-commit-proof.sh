#!/usr/bin/env bash
# Proof that the pre-commit hook installs and blocks, with a real pre-commit (Debian's package).
#
# A throw-away hook repository holds this checkout as it is now (tracked and untracked files, not
# node_modules or dist/), committed; a throw-away project (a copy of fixtures/clean/project) uses it
# from its .pre-commit-config.yaml exactly as the README says. Then:
#   1. `pre-commit run --all-files` installs the hook (timed: the README quotes it) and passes;
#   2. after a test module without the gate is added, `pre-commit run --all-files` fails with SL101;
#   3. with the hook installed (`pre-commit install`), `git commit` of a DB script moved to the dev
#      port is refused (HEAD does not move), and a commit of the good suite goes through.
#
# Installs pre-commit with apt-get when it is missing (as root, as CI runs). Needs git, node and npm;
# the hook's install reaches the npm registry.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO="$PWD"
FIXTURE=fixtures/clean/project

say() { printf 'pre-commit-proof: %s\n' "$*"; }
die() { printf 'pre-commit-proof: FAILED: %s\n' "$*" >&2; exit 1; }

if ! command -v pre-commit >/dev/null 2>&1; then
  [[ $EUID -eq 0 ]] || die "pre-commit is not installed, and installing it needs root (apt-get install pre-commit)"
  say "installing Debian's pre-commit"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends pre-commit >/dev/null; } || die "apt-get install pre-commit failed"
fi
command -v git >/dev/null 2>&1 || die "git is needed"
say "using $(pre-commit --version)"

WORK="$(mktemp -d /tmp/pre-commit-proof.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
export PRE_COMMIT_HOME="$WORK/cache"   # a cold cache: the install below is a first install
export GIT_AUTHOR_NAME=proof GIT_AUTHOR_EMAIL=proof@example.invalid
export GIT_COMMITTER_NAME=proof GIT_COMMITTER_EMAIL=proof@example.invalid
git_quiet() { git -c init.defaultBranch=main -c commit.gpgsign=false "$@" >/dev/null; }

# ---------------------------------------------------------------------------------------------
# The hook repository: this checkout's files, committed, so that the proof tests the working tree.
HOOKS="$WORK/hook-repo"
mkdir -p "$HOOKS"
if git -C "$REPO" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  (cd "$REPO" && git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' file; do
    [[ -e $file ]] && printf '%s\0' "$file"
  done | xargs -0 cp --parents -t "$HOOKS")
else
  tar -C "$REPO" --exclude=./node_modules --exclude=./dist --exclude='./.build-*' -cf - . | tar -C "$HOOKS" -xf -
fi
(cd "$HOOKS" && git_quiet init && git_quiet add -A && git_quiet commit -m "smoke-lint under test")
REV="$(git -C "$HOOKS" rev-parse HEAD)"

# ---------------------------------------------------------------------------------------------
# The project that uses the hook.
PROJECT="$WORK/project"
cp -r "$REPO/$FIXTURE" "$PROJECT"
cat >"$PROJECT/.pre-commit-config.yaml" <<EOF
repos:
  - repo: $HOOKS
    rev: $REV
    hooks:
      - id: smoke-lint
EOF
cd "$PROJECT"
git_quiet init
git_quiet add -A
git_quiet commit -m "a suite that follows the practice"

# 1. First run: installs the hook environment, then passes on the good suite.
start=$SECONDS
pre-commit run --all-files >"$WORK/run-good.log" 2>&1 || { cat "$WORK/run-good.log" >&2; die "pre-commit run --all-files failed on the clean suite"; }
install_seconds=$((SECONDS - start))
grep -q '^smoke-lint.*Passed' "$WORK/run-good.log" || { cat "$WORK/run-good.log" >&2; die "the smoke-lint hook did not report Passed"; }
say "hook installed and passed on the clean suite (first run, install included: ${install_seconds}s)"

# 2. A test module without the gate: the hook fails and names SL101.
cat >backend/tests/integration/test_ungated.py <<'EOF'
def test_lists_notes(client):
    assert client.get("/notes").status_code in (200, 401)
EOF
git add backend/tests/integration/test_ungated.py
if pre-commit run --all-files >"$WORK/run-bad.log" 2>&1; then
  cat "$WORK/run-bad.log" >&2
  die "pre-commit run --all-files passed with an ungated test module"
fi
grep -q 'SL101' "$WORK/run-bad.log" || { cat "$WORK/run-bad.log" >&2; die "the failing run does not name SL101"; }
grep -q '^smoke-lint.*Failed' "$WORK/run-bad.log" || { cat "$WORK/run-bad.log" >&2; die "the smoke-lint hook did not report Failed"; }
git rm -q --cached backend/tests/integration/test_ungated.py
rm backend/tests/integration/test_ungated.py
say "pre-commit run --all-files fails on an ungated test module (SL101)"

# 3. A real commit through the installed git hook: refused for a DB script on the dev port (pre-commit
#    passes only the staged script; its suite is found through it), accepted for the good suite.
pre-commit install >/dev/null
before="$(git rev-parse HEAD)"
sed -i 's/^DB_PORT="5433"/DB_PORT="5432"/' backend/tests/integration/scripts/test-db.sh
git diff --quiet && die "the fixture's DB script no longer sets DB_PORT=\"5433\" (update this proof)"
git add backend/tests/integration/scripts/test-db.sh
if git -c commit.gpgsign=false commit -m "move the test database to the dev port" >"$WORK/commit-bad.log" 2>&1; then
  cat "$WORK/commit-bad.log" >&2
  die "git commit went through with the test database on the dev port"
fi
[[ "$(git rev-parse HEAD)" == "$before" ]] || die "HEAD moved although the hook failed"
grep -q 'SL501' "$WORK/commit-bad.log" || { cat "$WORK/commit-bad.log" >&2; die "the refused commit does not name SL501"; }
say "git commit refused for a DB script on the dev port (SL501)"

git checkout -q HEAD -- backend/tests/integration/scripts/test-db.sh
printf '\n# run: scripts/test-integration.sh\n' >>backend/tests/integration/conftest.py
git add backend/tests/integration/conftest.py
git -c commit.gpgsign=false commit -m "a comment in the conftest" >"$WORK/commit-good.log" 2>&1 || { cat "$WORK/commit-good.log" >&2; die "git commit of the clean suite was refused"; }
[[ "$(git rev-parse HEAD)" != "$before" ]] || die "HEAD did not move after a passing commit"
say "git commit of the clean suite went through"

say "pre-commit hook installs (${install_seconds}s first run), passes a clean suite, blocks a bad one and a bad commit"
