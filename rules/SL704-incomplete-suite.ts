import path from 'node:path';
import { defineRule, type Fix } from '../src/rule.js';
import { plannedPieceFiles, runnerWithoutScript } from '../src/scaffold/init.js';
import { missingPieces, practicePath, type PieceKind } from '../src/scaffold/pieces.js';
import type { Suite } from '../src/model/suite.js';
import { offsetRange, type SourceFile } from '../src/source.js';
import { gateSetting } from '../src/config.js';

function describe(suite: Suite, piece: PieceKind): string {
  const config = suite.project.config;
  switch (piece) {
    case 'client':
      return `integration suite \`${suite.name}\` has no client fixture: no conftest.py (in the suite or above it) defines a fixture that builds a \`TestClient\` on the app, so its tests have nothing to call the API with; the practice puts it in \`${practicePath(suite, piece)}\``;
    case 'db-script':
      return `integration suite \`${suite.name}\` has no DB script: no shell script starts a PostgreSQL container for it, so the tests run against whatever database is there (or none); the practice puts it in \`${practicePath(suite, piece)}\``;
    case 'runner':
      return `integration suite \`${suite.name}\` has no runner: no script starts its database, runs pytest on it with \`${gateSetting(config)}\` and removes the database; the practice puts it in \`${practicePath(suite, piece)}\``;
  }
}

/** Where the finding goes: the suite's conftest for the client fixture (when it has one), else its first test module; line 1. */
function anchorFile(suite: Suite, piece: PieceKind): SourceFile {
  if (piece === 'client') {
    const conftest = suite.conftests.find((file) => file.path === path.join(suite.dir, 'conftest.py')) ?? suite.conftests[0];
    if (conftest) return conftest;
  }
  return suite.testModules[0]!;
}

function firstLine(file: SourceFile): ReturnType<typeof offsetRange> {
  const end = file.text.search(/\r?\n|$/);
  return offsetRange(file, 0, Math.max(0, end));
}

/** The files `smoke-lint init` would write for the piece, as an unsafe fix; null when init has nothing to write there. */
function scaffoldFix(suite: Suite, piece: PieceKind): Fix | null {
  const files = plannedPieceFiles(suite, piece);
  if (files.length === 0) return null;
  return {
    applicability: 'unsafe',
    message: `Write ${files.map((file) => file.relative).join(' and ')} from the practice's template`,
    edits: [],
    creates: files.map((file) => ({ path: file.path, text: file.content, executable: file.executable })),
  };
}

export default defineRule({
  code: 'SL704',
  name: 'incomplete-suite',
  summary: 'An integration suite lacks a piece of the checklist: the client fixture, the DB script or the runner',
  severity: 'warning',
  fix: 'unsafe',
  get docs() {
    return {
      whatItDoes:
        'Reports an integration suite (a directory with test modules) that lacks one of the pieces the practice asks for: a conftest.py (in the suite or above it) with a fixture building a `TestClient` on the app; a DB script that starts the throw-away PostgreSQL (`docker run ... postgres:17`); a runner that starts the database, runs pytest on the suite with the gate variable set, and removes the database. One finding per missing piece. A DB definition of any kind counts: a `docker run` script, a docker compose service paired with the suite, or a database the tests start themselves (testcontainers, pytest-postgresql, a Docker SDK `containers.run` of a postgres image), which needs no runner either: plain `pytest` starts it.',
      whyItMatters:
        'Each piece carries part of the isolation. Without the client fixture tests talk to a live server or to nothing; without the DB script the suite runs against whatever database answers on the port (often the development one, or none); without the runner nobody sets the gate variable, so the suite skips everywhere (CI goes green with nothing tested) and the database is never removed after a failure.',
      example:
        'backend/tests/integration/\n    test_smoketest.py        # gated, uses the `client` fixture\n# no conftest.py with `client`, no scripts/test-db.sh, no scripts/test-integration.sh',
      useInstead:
        'backend/tests/integration/\n    conftest.py              # session-scoped engine and `client` (TestClient + dependency override)\n    scripts/test-db.sh       # docker run ... postgres:17, waits with pg_isready -h 127.0.0.1\n    test_smoketest.py\nscripts/test-integration.sh  # starts the DB, runs pytest with RUN_INTEGRATION_TESTS=true, always stops the DB',
      exceptions:
        'Silent for a directory without test modules; for the client fixture when a conftest cannot be parsed or loads `pytest_plugins`, or when a test module or conftest defines a fixture named like a client or building one; for the DB script when the suite starts PostgreSQL from Python (testcontainers, pytest-postgresql, the Docker SDK, pytest-docker) or through `docker compose` (SL509 speaks about that); for the runner when a shell script runs pytest on the suite, or a Makefile target or GitHub Actions job runs it on a path inside the suite, or on a folder above it with a database started (a job service, a compose `up`) or with the gate variable set for the run (a step that runs pytest through a project script, `poetry run ./scripts/test`, counts), or a `.gitlab-ci.yml` job that runs pytest on the suite (inside it, with a database service, or with the gate among its `variables:`), or a tox environment read the same way (`tox.ini`), or when a task file no reader reads yet (justfile, noxfile, Taskfile) names pytest and the gate variable. A project that does without a piece on purpose turns the finding off with `per-file-ignores` for the suite (`"backend/tests/integration/*" = ["SL704"]`) or `ignore = ["SL704"]`; a `# smoke-lint: ignore[SL704]` comment on line 1 of the reported file works too.',
      fixSafety:
        'The fix is unsafe: it writes a new file (the conftest, the DB script or the runner) from the practice\'s templates, filled with the project\'s names, exactly as `smoke-lint init` would, so it must be read before it is trusted (the database dependency to override, the routes smoke-tested, the ports). It never overwrites a file: when the practice\'s path is taken (a conftest.py without the client fixture), no fix is offered and the fixture must be added by hand. Scripts are written executable (mode 0755). The runner template starts and removes a DB script, so a suite whose database is defined otherwise (a compose service, a CI job\'s service) and that has no DB script gets no runner fix, only a hint saying what to write: a runner calling a script that does not exist would fail (SL604), and starting a compose service from a template could start the development stack. `smoke-lint init --dry-run` shows the same files.',
    };
  },
  check({ suite, report }) {
    const pieces = missingPieces(suite);
    for (const piece of pieces) {
      const file = anchorFile(suite, piece);
      const fix = scaffoldFix(suite, piece);
      const command = fix ? '`smoke-lint init` (or `smoke-lint --fix --unsafe-fixes`)' : '`smoke-lint init`';
      // The practice's runner calls a DB script: with none to call, init writes no runner, and the hint says what to write instead.
      const noTemplate = piece === 'runner' ? runnerWithoutScript(suite, pieces) : null;
      report({
        file,
        range: firstLine(file),
        message: describe(suite, piece),
        hint: noTemplate
          ? `Write a runner that starts the suite's database (${noTemplate}), runs pytest on the suite with \`${gateSetting(suite.project.config)}\` and removes it: the practice's runner (${practicePath(suite, piece)}) starts a DB script, which this suite does not have, so \`smoke-lint init\` writes none.`
          : `Run ${command} to write the missing pieces (${practicePath(suite, piece)}), filled with the project's names.`,
        fix,
      });
    }
  },
});
