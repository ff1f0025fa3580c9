// The skill's two scripts, verbatim (with `<app>` = shop), read from the fixture that holds them so
// that the model tests and the fixture harness can never test different copies.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './helpers.js';

const project = path.join(repoRoot, 'fixtures', 'skill-verbatim', 'project');

export const SKILL_TEST_DB = readFileSync(path.join(project, 'backend/tests/integration/scripts/test-db.sh'), 'utf8');
export const SKILL_RUNNER = readFileSync(path.join(project, 'scripts/test-integration.sh'), 'utf8');
