// Makefile targets as runners: the Makefiles make reads in the project root and in each folder down
// to the suite (`make -C backend`), read by src/readers/makefile.ts. A target runs its prerequisites'
// recipes first (depth first, each once, as a serial make does), then its own lines; a failing line
// stops make, unless its `-` prefix tells make to ignore the failure.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { SourceFile } from '../source.js';
import { certainlyMissing } from '../folder-listings.js';
import { MAKEFILE_NAMES, readMakefile, type MakeTarget, type Makefile, type RecipeLine } from '../readers/makefile.js';
import type { Project, Suite } from './suite.js';
import { embeddedShell, shellRuns, shellStartsDatabase, type FoundRunner, type RunnerShell } from './runners.js';
import { perSuite } from './suite-caches.js';

const makefiles = new WeakMap<Project, Map<string, Makefile | null>>();

/** The Makefile make reads in a folder (absolute), read once per project; null when none. */
export function makefileIn(project: Project, dir: string): Makefile | null {
  let byDir = makefiles.get(project);
  if (!byDir) makefiles.set(project, (byDir = new Map()));
  if (byDir.has(dir)) return byDir.get(dir)!;
  const name = MAKEFILE_NAMES.find((candidate) => !certainlyMissing(path.join(dir, candidate)) && existsSync(path.join(dir, candidate)));
  const file: SourceFile | null = name ? project.load({ path: path.join(dir, name), language: 'shell' }) : null;
  const makefile = file && !file.unreadable ? readMakefile(file) : null;
  byDir.set(dir, makefile);
  return makefile;
}

/** The Makefiles of the folders from the project root down to the suite's folder. */
export function suiteMakefiles(suite: Suite): Makefile[] {
  const result: Makefile[] = [];
  const relative = path.relative(suite.project.root, suite.dir).split(path.sep).filter(Boolean);
  for (let length = 0; length <= relative.length; length++) {
    const makefile = makefileIn(suite.project, path.join(suite.project.root, ...relative.slice(0, length)));
    if (makefile) result.push(makefile);
  }
  return result;
}

const shells = new WeakMap<RecipeLine, RunnerShell>();

/** The recipe line as a runner shell: positions mapped back into the Makefile. */
function lineShell(makefile: Makefile, line: RecipeLine): RunnerShell {
  let shell = shells.get(line);
  if (!shell) {
    shell = embeddedShell(line.script, makefile.file, line.toMakefile, {
      ignoresErrors: line.ignoreErrors,
      ignoresHow: line.ignoreErrors ? 'the `-` prefix of its recipe line, which tells make to ignore its failure' : null,
      always: false,
    });
    shells.set(line, shell);
  }
  return shell;
}

/** The lines make runs for a target: its prerequisites' (depth first, each target once), then its own. */
function sequence(makefile: Makefile, target: MakeTarget, done: Set<MakeTarget> = new Set(), depth = 0): RecipeLine[] {
  if (done.has(target) || depth > 6) return [];
  done.add(target);
  const lines: RecipeLine[] = [];
  for (const name of target.prerequisites) {
    const prerequisite = makefile.targets.get(name);
    if (prerequisite) lines.push(...sequence(makefile, prerequisite, done, depth + 1));
  }
  lines.push(...target.lines);
  return lines;
}

const cache = perSuite<FoundRunner[]>();

/** Each target whose recipe (or a prerequisite's) runs pytest on the suite. */
export function makeRunners(suite: Suite): FoundRunner[] {
  const cached = cache.get(suite);
  if (cached) return cached;
  const result: FoundRunner[] = [];
  for (const makefile of suiteMakefiles(suite)) {
    const seen = new Set<MakeTarget>();
    for (const target of makefile.targets.values()) {
      if (seen.has(target)) continue;
      seen.add(target);
      const lines = sequence(makefile, target);
      const runs: FoundRunner['runs'] = [];
      for (const line of lines) {
        // Its own pytest, and that of a project script it calls (`./scripts/test`, `bash scripts/test.sh`).
        runs.push(...shellRuns(suite, lineShell(makefile, line)));
      }
      if (runs.length === 0) continue;
      const runner = {
        kind: 'make' as const,
        file: makefile.file,
        label: `\`${suite.project.relative(makefile.file.path)}\` target \`${target.name}\``,
        shells: lines.map((line) => lineShell(makefile, line)),
        startsDatabase: lines.some((line) => shellStartsDatabase(line.script)),
      };
      result.push({ runner, runs });
    }
  }
  cache.set(suite, result);
  return result;
}
