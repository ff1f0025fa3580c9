// Where the rule modules come from: every `SLnnn-name.js` file in this folder, imported on demand.
// The bundle (scripts/bundle.js) puts a module in this one's place that lists the same files, read at
// build time, and imports them from its own chunk; rules/index.ts checks and orders them either way.
import { readdirSync } from 'node:fs';

const RULE_FILE = /^SL\d{3}-[a-z0-9-]+\.js$/;

/** The rule files' names, sorted (no rule module is loaded). */
export function ruleFileNames(): string[] {
  return readdirSync(new URL('.', import.meta.url))
    .filter((name) => RULE_FILE.test(name))
    .sort();
}

/** Every rule module with its file name, in the order of ruleFileNames. */
export async function loadRuleModules(): Promise<Array<[string, { default?: unknown }]>> {
  const modules: Array<[string, { default?: unknown }]> = [];
  for (const name of ruleFileNames()) modules.push([name, (await import(new URL(name, import.meta.url).href)) as { default?: unknown }]);
  return modules;
}
