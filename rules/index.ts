// The rule registry: every `SLnnn-name` module in this folder (rules/modules.ts), loaded once, sorted by
// code. Adding a rule is adding a file; nothing else needs to be edited.
import type { RuleDefinition } from '../src/rule.js';
import { loadRuleModules, ruleFileNames } from './modules.js';

let loaded: Promise<RuleDefinition[]> | null = null;

export function allRules(): Promise<RuleDefinition[]> {
  loaded ??= (async () => {
    const rules: RuleDefinition[] = [];
    for (const [name, module] of await loadRuleModules()) {
      const rule = module.default as RuleDefinition | undefined;
      if (!rule || !name.startsWith(`${rule.code}-${rule.name}.`)) {
        throw new Error(`rules/${name} must default-export the rule its file name declares`);
      }
      rules.push(rule);
    }
    return rules;
  })();
  return loaded;
}

/** The codes of every registered rule, read from the file names alone (no rule module is loaded). */
export function ruleCodes(): string[] {
  return ruleFileNames().map((name) => name.slice(0, 5));
}
