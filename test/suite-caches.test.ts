// The models' caches per suite are emptied once the suite's rules have run (forgetSuite): a model asked
// again builds its facts anew, the same facts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { appModel } from '../src/model/app/model.js';
import { suiteDatabases } from '../src/readers/suite-databases.js';
import { forgetSuite } from '../src/model/suite-caches.js';
import { selectSuites } from '../src/suite-lint.js';
import { repoRoot } from './helpers.js';
import { projectModel } from './project.js';

test("a forgotten suite's models are built again, with the same facts", () => {
  const root = path.join(repoRoot, 'fixtures', 'clean', 'project');
  const project = projectModel(root);
  const [suite] = selectSuites(project, [root]);
  assert.ok(suite);
  const app = appModel(suite);
  const databases = suiteDatabases(suite);
  assert.equal(appModel(suite), app, 'cached while the suite is in use');
  assert.ok(app.overrides.length > 0);
  assert.ok(databases.length > 0);
  forgetSuite(suite);
  const appAgain = appModel(suite);
  assert.notEqual(appAgain, app);
  assert.deepEqual(appAgain.overrides.map((override) => override.key.text), app.overrides.map((override) => override.key.text));
  const databasesAgain = suiteDatabases(suite);
  assert.notEqual(databasesAgain, databases);
  assert.deepEqual(databasesAgain.map((definition) => [definition.kind, definition.label]), databases.map((definition) => [definition.kind, definition.label]));
});
