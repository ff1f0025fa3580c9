import path from 'node:path';
import { defineRule } from '../src/rule.js';
import { missingPieces, practicePath, type PieceKind } from '../src/scaffold/pieces.js';
import type { Suite } from '../src/model/suite.js';
import { offsetRange, type SourceFile } from '../src/source.js';

function describe(suite: Suite, piece: PieceKind): string {
  const config = suite.project.config;
  switch (piece) {
    case 'client':
      return `integration suite \`${suite.name}\` has no client fixture: no conftest.py (in the suite or above it) defines a fixture that builds a \`TestClient\` on the app, so its tests have nothing to call the API with; the practice puts it in \`${practicePath(suite, piece)}\``;
    case 'db-script':
      return `integration suite \`${suite.name}\` has no DB script: no shell script starts a PostgreSQL container for it, so the tests run against whatever database is there (or none); the practice puts it in \`${practicePath(suite, piece)}\``;
    case 'runner':
      return `integration suite \`${suite.name}\` has no runner: no script starts its database, runs pytest on it with \`${config.gateVariable}=${config.gateValue}\` and removes the database; the practice puts it in \`${practicePath(suite, piece)}\``;
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

export default defineRule({
  code: 'SL704',
  name: 'incomplete-suite',
  summary: 'An integration suite lacks a piece of the checklist: the client fixture, the DB script or the runner',
  severity: 'warning',
  fix: 'none',
  docs: {
    whatItDoes:
      'Reports an integration suite (a directory with test modules) that lacks one of the pieces the practice asks for: a conftest.py (in the suite or above it) with a fixture building a `TestClient` on the app; a DB script that starts the throw-away PostgreSQL (`docker run ... postgres:17`); a runner that starts the database, runs pytest on the suite with the gate variable set, and removes the database. One finding per missing piece.',
    whyItMatters:
      'Each piece carries part of the isolation. Without the client fixture tests talk to a live server or to nothing; without the DB script the suite runs against whatever database answers on the port (often the development one, or none); without the runner nobody sets the gate variable, so the suite skips everywhere (CI goes green with nothing tested) and the database is never removed after a failure.',
    example:
      'backend/tests/integration/\n    test_smoketest.py        # gated, uses the `client` fixture\n# no conftest.py with `client`, no scripts/test-db.sh, no scripts/test-integration.sh',
    useInstead:
      'backend/tests/integration/\n    conftest.py              # session-scoped engine and `client` (TestClient + dependency override)\n    scripts/test-db.sh       # docker run ... postgres:17, waits with pg_isready -h 127.0.0.1\n    test_smoketest.py\nscripts/test-integration.sh  # starts the DB, runs pytest with RUN_INTEGRATION_TESTS=true, always stops the DB',
    exceptions:
      'Silent for a directory without test modules; for the client fixture when a conftest cannot be parsed or loads `pytest_plugins`, or when a test module or conftest defines a fixture named like a client or building one; for the DB script when the suite starts PostgreSQL from Python (testcontainers, pytest-postgresql, pytest-docker) or through `docker compose` (SL509 speaks about that); for the runner when a Makefile, justfile, noxfile, tox.ini, Taskfile or GitHub workflow runs pytest with the gate variable. A project that does without a piece on purpose turns the finding off with `per-file-ignores` for the suite (`"backend/tests/integration/*" = ["SL704"]`) or `ignore = ["SL704"]`; a `# smoke-lint: ignore[SL704]` comment on line 1 of the reported file works too.',
    fixSafety:
      'No automatic fix: the fix machinery edits existing files and cannot create new ones. Run `smoke-lint init` to write the missing pieces from the practice\'s templates, filled with the project\'s names; it never overwrites an existing file.',
  },
  check({ suite, report }) {
    for (const piece of missingPieces(suite)) {
      const file = anchorFile(suite, piece);
      report({
        file,
        range: firstLine(file),
        message: describe(suite, piece),
        hint: `Run \`smoke-lint init\` to write the missing pieces (${practicePath(suite, piece)}), filled with the project's names.`,
      });
    }
  },
});
