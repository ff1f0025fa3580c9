// `smoke-lint suites`: what smoke-lint takes for the integration suites under the given paths, and why:
// each suite's folder, the reason it is one (its name, the `suites` setting, or the file and fixture
// that give its tests the app's client or the database), its test modules, the modules pytest loads
// fixtures from, and the DB scripts and runners the script model pairs with it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { discoverConfig, loadConfigFile } from './config.js';
import { openProject, projectRootFor, UsageError } from './engine.js';
import { selectSuites } from './suite-lint.js';
import { suiteScripts } from './model/scripts.js';
import type { Suite } from './model/suite.js';

export interface SuiteListing {
  suite: string;
  reason: { kind: string; detail: string; file: string | null; fixture: string | null };
  testModules: string[];
  fixtureModules: Array<{ file: string; via: string }>;
  dbScripts: string[];
  runners: string[];
}

function describe(suite: Suite, cwd: string): SuiteListing {
  const show = (file: string) => path.relative(cwd, file).split(path.sep).join('/') || '.';
  const scripts = suiteScripts(suite);
  const evidence = suite.reason.evidence;
  return {
    suite: show(suite.dir),
    reason: { kind: suite.reason.kind, detail: suite.reason.detail, file: evidence ? show(evidence.resource.path) : null, fixture: evidence?.fixture ?? null },
    testModules: suite.testModules.map((file) => show(file.path)),
    fixtureModules: suite.fixtureModules.map((module) => ({ file: show(module.file.path), via: module.via })),
    dbScripts: scripts.dbScripts.map((script) => show(script.file.path)),
    runners: scripts.runners.map((script) => show(script.file.path)),
  };
}

/** The suites under the requested paths, as `smoke-lint check` would lint them. */
export function listSuites(paths: string[], cwd: string, configFile?: string): SuiteListing[] {
  const requested = paths.length > 0 ? paths : ['.'];
  const absolute = requested.map((target) => path.resolve(cwd, target));
  absolute.forEach((target, index) => {
    if (!existsSync(target)) throw new UsageError(`path ${requested[index]} does not exist`);
  });
  const explicit = configFile ? loadConfigFile(path.resolve(cwd, configFile)) : null;
  const byRoot = new Map<string, string[]>();
  for (const target of absolute) {
    const root = projectRootFor(target, cwd);
    byRoot.set(root, [...(byRoot.get(root) ?? []), target]);
  }
  const listings: SuiteListing[] = [];
  for (const [root, targets] of byRoot) {
    const project = openProject(root, explicit ?? discoverConfig(root));
    for (const suite of selectSuites(project, targets)) listings.push(describe(suite, cwd));
  }
  return listings;
}

export function formatSuites(listings: SuiteListing[]): string {
  if (listings.length === 0) return 'No integration suite found.\n';
  const lines: string[] = [];
  for (const listing of listings) {
    lines.push(`${listing.suite}  (${listing.reason.kind}: ${listing.reason.detail})`);
    lines.push(`  test modules (${listing.testModules.length}): ${listing.testModules.join(', ') || 'none'}`);
    const fixtures = listing.fixtureModules.map((module) => (module.via === 'conftest' ? module.file : `${module.file} [${module.via}]`));
    lines.push(`  fixture modules: ${fixtures.join(', ') || 'none'}`);
    lines.push(`  DB script: ${listing.dbScripts.join(', ') || 'none found'}`);
    lines.push(`  runner: ${listing.runners.join(', ') || 'none found'}`);
    lines.push('');
  }
  lines.push(`${listings.length} ${listings.length === 1 ? 'suite' : 'suites'}`);
  return lines.join('\n') + '\n';
}
