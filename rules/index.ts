// The rule registry: every `SLnnn-name` module in this folder, loaded once, sorted by code.
// Adding a rule is adding a file; nothing else needs to be edited.
import { readdirSync } from 'node:fs';
import type { RuleDefinition } from '../src/rule.js';

let loaded: Promise<RuleDefinition[]> | null = null;

export function allRules(): Promise<RuleDefinition[]> {
  loaded ??= (async () => {
    const folder = new URL('.', import.meta.url);
    const names = readdirSync(folder).filter((name) => /^SL\d{3}-[a-z0-9-]+\.js$/.test(name)).sort();
    const rules: RuleDefinition[] = [];
    for (const name of names) {
      const module = (await import(new URL(name, folder).href)) as { default?: RuleDefinition };
      const rule = module.default;
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
  return readdirSync(new URL('.', import.meta.url))
    .map((name) => /^(SL\d{3})-[a-z0-9-]+\.js$/.exec(name)?.[1])
    .filter((code): code is string => code !== undefined)
    .sort();
}
