// Environment variables and settings the suite sets before the app reads them.
import type { SourceFile } from '../../source.js';
import type { Suite } from '../suite.js';
import {
  callArguments,
  calleeName,
  nodesOfType,
  pyModule,
  qualifiedName,
  stringValue,
} from '../python.js';
import type { AppModel, DbDependency } from './types.js';

export function settingsNames(suite: Suite, conftests: SourceFile[]): Set<string> {
  const names = new Set<string>();
  for (const key of suite.project.pytest.env.keys()) names.add(key);
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
  if (model.settingsSet.size === 0) return null;
  const texts: string[] = [];
  if (dependency.symbol.module) texts.push(dependency.symbol.module.file.text);
  for (const ref of model.packageModules) {
    if (ref.source && /(^|\.)(settings|config|core)(\.|$)/.test(ref.dotted)) texts.push(ref.source.text);
  }
  for (const name of model.settingsSet) {
    const pattern = new RegExp(`\\b${name.replace(/[^\w]/g, '')}\\b`, 'i');
    if (texts.some((text) => pattern.test(text))) return name;
  }
  return null;
}
