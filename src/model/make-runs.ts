// The Makefile targets that run pytest on a suite: the Makefiles make reads in the project root and in
// each folder down to the suite (`make -C backend`), read by src/readers/makefile.ts.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Range } from '../rule.js';
import type { SourceFile } from '../source.js';
import { MAKEFILE_NAMES, makefileRange, readMakefile, type MakeTarget, type Makefile, type RecipeLine } from '../readers/makefile.js';
import { isDbScript, pytestRuns, scriptCalls, suiteRelation, type PytestRun, type SuiteRelation } from './scripts.js';
import type { Suite } from './suite.js';

export interface MakeRun {
  makefile: Makefile;
  target: MakeTarget;
  line: RecipeLine;
  run: PytestRun;
  relation: SuiteRelation;
  /** Where the pytest command is in the Makefile. */
  range: Range;
  /** `Makefile` target `tests-int`, for messages. */
  label: string;
  /** The target (or a prerequisite) starts a database: `docker compose up`, `docker run` of postgres, a DB script. */
  startsDatabase: boolean;
}

function lineStartsDatabase(line: RecipeLine): boolean {
  if (isDbScript(line.script)) return true;
  return line.script.commands.some((command) => {
    const words = command.args.map((arg) => arg.value);
    if (command.name === 'docker-compose' || command.name === 'podman-compose') return words.includes('up');
    if (command.name === 'docker' || command.name === 'podman') return (words[0] === 'compose' && words.includes('up')) || words[0] === 'start';
    return scriptCalls(line.script).some((call) => call.command === command && call.argument === 'start');
  });
}

function targetStartsDatabase(makefile: Makefile, target: MakeTarget, depth = 0): boolean {
  if (target.lines.some(lineStartsDatabase)) return true;
  if (depth > 3) return false;
  return target.prerequisites.some((name) => {
    const prerequisite = makefile.targets.get(name);
    return prerequisite !== undefined && prerequisite !== target && targetStartsDatabase(makefile, prerequisite, depth + 1);
  });
}

const cache = new WeakMap<Suite, MakeRun[]>();

/** The Makefiles of the folders from the project root down to the suite's folder. */
export function suiteMakefiles(suite: Suite): Makefile[] {
  const result: Makefile[] = [];
  const relative = path.relative(suite.project.root, suite.dir).split(path.sep).filter(Boolean);
  for (let length = 0; length <= relative.length; length++) {
    const dir = path.join(suite.project.root, ...relative.slice(0, length));
    const name = MAKEFILE_NAMES.find((candidate) => existsSync(path.join(dir, candidate)));
    if (!name) continue;
    const file: SourceFile | null = suite.project.load({ path: path.join(dir, name), language: 'shell' });
    const makefile = file && !file.unreadable ? readMakefile(file) : null;
    if (makefile) result.push(makefile);
  }
  return result;
}

export function makeRuns(suite: Suite): MakeRun[] {
  const cached = cache.get(suite);
  if (cached) return cached;
  const result: MakeRun[] = [];
  for (const makefile of suiteMakefiles(suite)) {
    const seen = new Set<MakeTarget>();
    for (const target of makefile.targets.values()) {
      if (seen.has(target)) continue;
      seen.add(target);
      const startsDatabase = targetStartsDatabase(makefile, target);
      for (const line of target.lines) {
        for (const run of pytestRuns(line.script)) {
          const relation = suiteRelation(run, suite);
          if (!relation) continue;
          const label = `\`${suite.project.relative(makefile.file.path)}\` target \`${target.name}\``;
          result.push({ makefile, target, line, run, relation, range: makefileRange(makefile, line, run.command.node), label, startsDatabase });
        }
      }
    }
  }
  cache.set(suite, result);
  return result;
}
