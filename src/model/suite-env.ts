// The environment variables a suite's tests get from something other than the developer's shell:
// what its runners export to pytest (scripts, make targets, CI steps), pytest-env's `env` entries,
// and what its conftests and fixture modules put into `os.environ` at import time. A database URL
// that flows through one of them is not the app's default: the SL2 rules stay silent on it.
import { callArguments, pyModule, qualifiedName, stringValue } from './python.js';
import { nodesOfType } from './tree-nodes.js';
import { envSets } from './pyvalues.js';
import { suiteRunners } from './runners.js';
import { suitePythonFiles } from './suite-modules.js';
import type { Suite } from './suite.js';
import { suitePytest } from './suite-pytest-config.js';
import { perSuite } from './suite-caches.js';

export interface SuiteEnvironment {
  /** Variables a runner or pytest-env sets for the run (upper-cased). */
  byRunner: Set<string>;
  /** Variables a suite module sets (`os.environ[...] = `, `setdefault`, `monkeypatch.setenv`), upper-cased. */
  byModules: Set<string>;
  /** A suite module loads a dotenv file (`load_dotenv(...)`): any variable may be set from it. */
  dotenv: boolean;
}

const cache = perSuite<SuiteEnvironment>();

export function suiteEnvironment(suite: Suite): SuiteEnvironment {
  const cached = cache.get(suite);
  if (cached) return cached;
  const result: SuiteEnvironment = { byRunner: new Set(), byModules: new Set(), dotenv: false };
  for (const name of suitePytest(suite).env.keys()) result.byRunner.add(name.replace(/^[A-Z]:/, '').toUpperCase());
  for (const { run } of suiteRunners(suite).runs) {
    for (const name of run.env.keys()) result.byRunner.add(name.toUpperCase());
  }
  for (const file of suitePythonFiles(suite)) {
    const module = pyModule(file);
    if (!module) continue;
    for (const name of envSets(module).keys()) result.byModules.add(name.toUpperCase());
    for (const call of nodesOfType(file, 'call')) {
      const callee = qualifiedName(module, call.childForFieldName('function')) ?? '';
      if (/(^|\.)load_dotenv$/.test(callee)) result.dotenv = true;
      // Inside fixtures too: `monkeypatch.setenv("DATABASE_URL", ...)`, `os.putenv(...)`, `os.environ.update(X=...)`.
      if (/(^|\.)(setenv|putenv|setdefault)$/.test(callee)) {
        const first = callArguments(call).positional[0];
        const name = first ? stringValue(module, first) : null;
        if (name) result.byModules.add(name.toUpperCase());
      } else if (callee === 'os.environ.update') {
        for (const key of callArguments(call).keywords.keys()) result.byModules.add(key.toUpperCase());
      }
    }
  }
  cache.set(suite, result);
  return result;
}

/** Does anything but the shell set one of these variables for the suite's run? */
export function setForSuite(environment: SuiteEnvironment, names: Iterable<string>): string | null {
  for (const name of names) {
    const upper = name.toUpperCase();
    if (environment.byRunner.has(upper) || environment.byModules.has(upper)) return name;
  }
  return null;
}
