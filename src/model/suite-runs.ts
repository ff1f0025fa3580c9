// Runners that belong to a suite although none of their pytest runs reaches it: a script inside the
// suite that starts its database, or a script that calls the suite's own DB script, and then runs
// pytest only on paths outside the suite (SL606).
import { isWithin } from '../discover.js';
import { isDbScript, suiteRelation, type PytestRun, type ScriptCall } from './scripts.js';
import { shellScript, type ShellScript } from './shell.js';
import { scriptIndex } from './script-index.js';
import type { Suite } from './suite.js';
import { perSuite } from './suite-caches.js';

export interface RunOutside {
  script: ShellScript;
  run: PytestRun;
  /** How the runner is tied to the suite, as a clause: "starts the database of `tests/integration`". */
  suiteTie: string;
}

const cache = perSuite<RunOutside[]>();

export function runsOutsideSuite(suite: Suite): RunOutside[] {
  const cached = cache.get(suite);
  if (cached) return cached;
  const result: RunOutside[] = [];
  // A runner is tied to the suite by living in it or by calling a script of it (see tieToSuite): only those are read.
  const index = scriptIndex(suite.project);
  const candidates = [...index.under(suite.dir)];
  for (const file of suite.files) if (file.language === 'shell') candidates.push(...index.callsTo(file.path).map((entry) => entry.script));
  for (const script of index.inOrder(candidates)) {
    const runs = index.runsOf(script);
    if (runs.length === 0) continue;
    const tie = tieToSuite(script, suite, index.callsOf(script));
    if (!tie) continue;
    // Every run must name known paths, none of which reaches the suite; a relative path from a start directory
    // that could not be inferred (see script-cwd.ts) may name anything.
    const placed = (run: PytestRun): boolean => run.targets.length === run.rawTargets.length;
    if (runs.some((run) => suiteRelation(run, suite) !== null || !run.targetsKnown || run.rawTargets.length === 0 || !placed(run))) continue;
    result.push({ script, run: runs[0]!, suiteTie: tie });
  }
  cache.set(suite, result);
  return result;
}

function tieToSuite(script: ShellScript, suite: Suite, calls: ScriptCall[]): string | null {
  if (isWithin(script.file.path, suite.dir) && isDbScript(script)) return `lives in \`${suite.name}\` and starts its database`;
  for (const call of calls) {
    if (call.path === null || !call.anchored || !isWithin(call.path, suite.dir)) continue;
    const callee = suite.files.find((file) => file.path === call.path);
    const calleeScript = callee ? shellScript(callee) : null;
    if (calleeScript && isDbScript(calleeScript)) return `starts the database of \`${suite.name}\``;
  }
  return null;
}
