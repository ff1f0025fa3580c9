// Environment variables and settings the suite sets before the app reads them.
import type { SourceFile } from '../../source.js';
import type { Suite } from '../suite.js';
import { callArguments, calleeName, pyModule, qualifiedName, stringValue } from '../python.js';
import { nodesOfType } from '../tree-nodes.js';
import type { AppModel, DbDependency } from './types.js';
import type { SuiteEnvSet } from './env-sets.js';
import { isLocalHost, parseDbUrl, targetOf } from '../dburl.js';
import { suitePytest } from '../suite-pytest-config.js';

export function settingsNames(suite: Suite, conftests: SourceFile[]): Set<string> {
  const names = new Set<string>();
  for (const key of suitePytest(suite).env.keys()) names.add(key);
  for (const file of conftests) {
    const module = pyModule(file);
    if (!module) continue;
    for (const call of nodesOfType(file, 'call')) {
      const name = calleeName(module, call);
      if (name === null) continue;
      if (name === 'os.environ.setdefault' || name === 'os.putenv' || /(^|\.)setenv$/.test(name)) {
        const args = callArguments(call);
        const first = args.positional[0] ? stringValue(module, args.positional[0]) : null;
        if (first) names.add(first);
      } else if (name === 'os.environ.update') {
        for (const key of callArguments(call).keywords.keys()) names.add(key);
      }
    }
    for (const assignment of nodesOfType(file, 'assignment')) {
      const left = assignment.childForFieldName('left');
      if (left?.type === 'subscript' && qualifiedName(module, left.childForFieldName('value')) === 'os.environ') {
        const key = stringValue(module, left.childForFieldName('subscript'));
        if (key) names.add(key);
      }
      if (left?.type === 'attribute' && /settings|config/i.test(left.childForFieldName('object')?.text ?? '')) {
        names.add(left.childForFieldName('attribute')!.text);
      }
    }
  }
  return names;
}

/** Does the DB dependency (or the settings of its package) read one of the names the suite sets? */
export function readsSuiteSetting(model: AppModel, dependency: DbDependency): string | null {
  return suiteSettingsRead(model, dependency)[0] ?? null;
}

/** The names the suite sets that the DB dependency (or the settings of its package) reads. */
export function suiteSettingsRead(model: AppModel, dependency: DbDependency): string[] {
  if (model.settingsSet.size === 0) return [];
  const texts: string[] = [];
  if (dependency.symbol.module) texts.push(dependency.symbol.module.file.text);
  for (const ref of model.packageModules) {
    const text = /(^|\.)(settings|config|core)(\.|$)/.test(ref.dotted) ? ref.text() : null;
    if (text !== null) texts.push(text);
  }
  return [...model.settingsSet].filter((name) => {
    const pattern = new RegExp(`\\b${name.replace(/[^\w]/g, '')}\\b`, 'i');
    return texts.some((text) => pattern.test(text));
  });
}

/**
 * What the variables the suite sets for the DB dependency's settings point it at: `dev` when one is a
 * URL on the local dev port (the development database), `test` when one is a database URL on another
 * port or host, set before the app is imported; `unsure` otherwise (a value not known statically, a
 * flag; or a URL set after the import, then with that set). Null when the dependency reads nothing the suite sets.
 */
export function settingVerdict(model: AppModel, dependencies: DbDependency[], devPort: number): { name: string; verdict: 'dev' | 'test' | 'unsure'; set: SuiteEnvSet | null } | null {
  const names = [...new Set(dependencies.flatMap((dependency) => suiteSettingsRead(model, dependency)))];
  if (names.length === 0) return null;
  let test: { name: string; set: SuiteEnvSet } | null = null;
  for (const name of names) {
    for (const set of model.envSets.filter((candidate) => candidate.name === name)) {
      const parsed = set.value !== null ? parseDbUrl(set.value) : null;
      if (!parsed) continue;
      const target = targetOf(parsed);
      if (isLocalHost(target.host) && target.port === String(devPort) && !set.runner?.ci) return { name, verdict: 'dev', set };
    }
    const sets = model.envSets.filter((candidate) => candidate.name === name);
    if (!test && sets.length > 0 && sets.every((set) => set.beforeApp && set.value !== null && parseDbUrl(set.value) !== null)) test = { name, set: sets[0]! };
  }
  if (test) return { name: test.name, verdict: 'test', set: test.set };
  // A test URL set only after the app's modules were imported: settings read at import time missed it.
  const late = model.envSets.find((set) => names.includes(set.name) && !set.beforeApp && set.value !== null && parseDbUrl(set.value) !== null);
  if (late) return { name: late.name, verdict: 'unsure', set: late };
  return { name: names[0]!, verdict: 'unsure', set: null };
}
