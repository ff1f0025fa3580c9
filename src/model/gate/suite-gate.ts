// Whether a suite reads its gate at all: the gate variables that some module pytest loads for the
// suite (its test modules, conftests, `pytest_plugins` and imported fixture modules) reads from the
// environment. A runner only has to set a variable the suite reads (SL601); a collection hook keyed
// on a command-line option, or one that only looks at `item.nodeid`, reads no variable.
import type { Config } from '../../config.js';
import { isGateVariable } from '../../config.js';
import type { SourceFile } from '../../source.js';
import { pyModule } from '../python.js';
import type { Suite } from '../suite.js';
import { UNKNOWN_VARIABLE, envVariablesRead } from './condition.js';
import { perSuite } from '../suite-caches.js';

const cache = perSuite<Map<string, string[]>>();

/** The project's gate variables the suite reads, in the order `gate-variable` lists them. */
export function gateVariablesRead(suite: Suite, config: Config): string[] {
  const key = [config.gateVariable, ...config.gateVariables].join(',');
  let byConfig = cache.get(suite);
  if (!byConfig) {
    byConfig = new Map();
    cache.set(suite, byConfig);
  }
  const cached = byConfig.get(key);
  if (cached) return cached;
  const files: SourceFile[] = [...suite.testModules, ...suite.outerConftests, ...suite.conftests, ...(suite.fixtureModules ?? []).map((loaded) => loaded.file)];
  const read = new Set<string>();
  for (const file of new Set(files)) {
    const module = pyModule(file);
    if (!module) continue;
    for (const name of envVariablesRead(module)) {
      // A read whose name cannot be known may be the gate: assume the first gate variable.
      if (name === UNKNOWN_VARIABLE) read.add(config.gateVariable);
      else if (isGateVariable(config, name)) read.add(name);
    }
  }
  const ordered = [config.gateVariable, ...config.gateVariables].filter((name, index, all) => read.has(name) && all.indexOf(name) === index);
  byConfig.set(key, ordered);
  return ordered;
}
