// The linting pipeline: find projects and suites for the requested paths, run every rule on every
// suite once, then filter (select/ignore, per-file ignores, suppressions) and sort. This module holds
// the light front (projects, configuration, the walk, the verdict from paths and texts); the suites and
// their models are src/suite-lint.ts, imported once a suite may be read.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { allRules } from '../rules/index.js';
import { codeMatches, discoverConfig, loadConfigFile, type Config } from './config.js';
import { clearWalkCache, findProjectRoot, isDirectory, isProjectRoot, isWithin, walkProject } from './discover.js';
import { readPytestConfig } from './model/pytest-config.js';
import { Project } from './model/project.js';
import { noSuiteCanRead } from './model/suite-reach.js';
import type { Diagnostic, RuleDefinition } from './rule.js';
import { hasParseError } from './source.js';
import type { LintProgress } from './report/progress.js';
import { clearSuppressionCache } from './suppress.js';

export class UsageError extends Error {}

export interface LintRequest {
  paths: string[];
  cwd: string;
  configFile?: string;
  /** Replace the configured selection (Ruff's `--select`). */
  select?: string[];
  /** Added to the configured ignores. */
  ignore?: string[];
  /** Texts to lint instead of the disk's, by absolute path (a BOM, if any, as U+FEFF first): fix passes run in memory. */
  overlay?: ReadonlyMap<string, string>;
  /** The rules to run instead of every registered one (tests of the fix machinery inject their own). */
  rules?: RuleDefinition[];
  /** Told when suites are found and after each suite's rules ran (the CLI's progress line on a terminal). */
  onProgress?: (state: LintProgress) => void;
}

export interface LintReport {
  diagnostics: Diagnostic[];
  /** One-line I/O errors (unreadable files); they make the run exit 2. */
  errors: string[];
  filesChecked: number;
  /** Absolute paths of the files checked (a baseline tells a fixed finding from one not looked at). */
  checkedPaths: string[];
  suitesChecked: number;
  /** The rules that ran: empty when no suite was found (the registry is then never loaded). */
  rules: RuleDefinition[];
}

export { hasParseError };

export function isRuleEnabled(code: string, config: Config, request: LintRequest): boolean {
  const select = request.select ?? config.select;
  if (select && !select.some((selector) => codeMatches(code, selector))) return false;
  const ignored = [...config.ignore, ...(request.ignore ?? [])];
  if (ignored.some((selector) => codeMatches(code, selector))) {
    // A more specific select wins over a broader ignore, as in Ruff.
    const specificSelect = select?.some((selector) => codeMatches(code, selector) && ignored.every((ig) => selector.length > ig.length || !codeMatches(code, ig)));
    return Boolean(specificSelect);
  }
  return true;
}

/** The project at `root` as every command sees it: its files found, its pytest configuration read. */
export function openProject(root: string, config: Config = discoverConfig(root), overlay?: ReadonlyMap<string, string>): Project {
  return new Project(root, config, readPytestConfig(root), walkProject(root), overlay);
}

/**
 * Caches that outlive a run are keyed by path, so each run starts from what is on disk now. The models'
 * caches are cleared when the run first loads them (forgetModelCaches in src/suite-lint.ts): a run that
 * reads no suite neither loads nor fills them.
 */
function forgetDiskCaches(): void {
  clearSuppressionCache();
  clearWalkCache();
}

export async function lint(request: LintRequest): Promise<LintReport> {
  forgetDiskCaches();
  // The suite models, and the rules with the models they import, load only once a suite may be read:
  // most pre-commit runs name files outside every suite and should cost little more than starting node.
  let rules: RuleDefinition[] | null = request.rules ?? null;
  let suiteLint: typeof import('./suite-lint.js') | null = null;
  const requested = request.paths.length > 0 ? request.paths : ['.'];
  const absolutePaths = requested.map((target) => path.resolve(request.cwd, target));
  for (const [index, target] of absolutePaths.entries()) {
    if (!existsSync(target)) throw new UsageError(`path ${requested[index]} does not exist`);
  }
  const explicitConfig = request.configFile ? loadConfigFile(path.resolve(request.cwd, request.configFile)) : null;

  const byRoot = new Map<string, string[]>();
  for (const target of absolutePaths) {
    const root = projectRootFor(target, request.cwd);
    byRoot.set(root, [...(byRoot.get(root) ?? []), target]);
  }

  const report: LintReport = { diagnostics: [], errors: [], filesChecked: 0, checkedPaths: [], suitesChecked: 0, rules: rules ?? [] };
  const seen = new Set<string>();
  let suitesFound = 0;
  const progress = () => request.onProgress?.({ suitesDone: report.suitesChecked, suitesFound, problems: report.diagnostics.length });
  const add = (diagnostic: Diagnostic) => {
    const key = `${diagnostic.code}|${diagnostic.file.path}|${diagnostic.range.start.line}:${diagnostic.range.start.column}|${diagnostic.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    report.diagnostics.push(diagnostic);
  };
  for (const [root, targets] of byRoot) {
    const config = explicitConfig ?? discoverConfig(root);
    const project = openProject(root, config, request.overlay);
    if (await noSuiteReadsAny(project, targets)) {
      progress();
    } else {
      if (!suiteLint) {
        suiteLint = await import('./suite-lint.js');
        suiteLint.forgetModelCaches();
      }
      await suiteLint.lintProjectSuites({
        project,
        targets,
        config,
        request,
        report,
        rules: async () => (rules ??= await allRules()),
        add,
        found: (count) => {
          suitesFound += count;
          progress();
        },
        progress,
      });
    }
    report.rules = rules ?? [];
    report.errors.push(...project.ioErrors);
  }
  report.diagnostics.sort(compareDiagnostics);
  return report;
}

/**
 * The project a requested path is linted in. A file (pre-commit passes staged files) is linted with
 * the same root and configuration as `smoke-lint .` from the working directory, even when a nested
 * pytest.ini or pyproject.toml sits closer to it; a folder, or a file outside the working directory's
 * project, gets the nearest project root above it.
 */
export function projectRootFor(target: string, cwd: string): string {
  const own = findProjectRoot(target);
  if (isDirectory(target)) return own;
  const cwdRoot = findProjectRoot(cwd);
  if (cwdRoot !== own && isProjectRoot(cwdRoot) && isWithin(own, cwdRoot)) return cwdRoot;
  return own;
}

/** Staged files that no suite can read (told from paths and texts): the suites need not be found at all. */
async function noSuiteReadsAny(project: Project, targets: string[]): Promise<boolean> {
  for (const target of targets) if (isDirectory(target) || !(await noSuiteCanRead(project, target))) return false;
  return true;
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file.path !== b.file.path) return a.file.path < b.file.path ? -1 : 1;
  if (a.range.start.line !== b.range.start.line) return a.range.start.line - b.range.start.line;
  if (a.range.start.column !== b.range.start.column) return a.range.start.column - b.range.start.column;
  return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
}
