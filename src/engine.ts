// The linting pipeline: find projects and suites for the requested paths, run every rule on every
// suite once, then filter (select/ignore, per-file ignores, suppressions) and sort.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { allRules } from '../rules/index.js';
import { codeMatches, discoverConfig, loadConfigFile, type Config } from './config.js';
import { clearWalkCache, findProjectRoot, isDirectory, isProjectRoot, isWithin, walkProject } from './discover.js';
import { globMatches } from './glob.js';
import { findSuiteSpecs } from './model/discovery.js';
import { readPytestConfig } from './model/pytest-config.js';
import { buildSuite, Project, type Suite } from './model/suite.js';
import { suiteScripts } from './model/scripts.js';
import { noSuiteCanRead } from './model/suite-reach.js';
import { clearFileSystemCache } from './model/app/sys-path.js';
import { clearDocumentCache } from './model/documents.js';
import { clearModeCache } from './model/git-index.js';
import type { Diagnostic, Finding, RuleDefinition } from './rule.js';
import { hasParseError, releaseDroppedTrees } from './source.js';
import type { LintProgress } from './report/progress.js';
import { applySuppressions, clearSuppressionCache, suppressionsOf, type Suppression } from './suppress.js';

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

/** Caches that outlive a run are keyed by path, so each run starts from what is on disk now. */
function forgetDiskCaches(): void {
  clearFileSystemCache();
  clearModeCache();
  clearDocumentCache();
  clearSuppressionCache();
  clearWalkCache();
}

export async function lint(request: LintRequest): Promise<LintReport> {
  forgetDiskCaches();
  // The rules (and the models they import) load only once a suite is found: most pre-commit runs name
  // files outside every suite and should cost little more than starting node.
  let rules: RuleDefinition[] | null = request.rules ?? null;
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
  for (const [root, targets] of byRoot) {
    const config = explicitConfig ?? discoverConfig(root);
    const project = openProject(root, config, request.overlay);
    // Found first, and apart, so that the trees read to find them can be freed as it goes.
    if (!noSuiteReadsAny(project, targets)) await findSuiteSpecs(project);
    const selection = selectSuiteDirs(project, targets);
    suitesFound += selection.dirs.length;
    progress();
    const suiteRules = selection.dirs.length > 0 ? (rules ??= await allRules()) : [];
    report.rules = rules ?? [];
    const add = (diagnostic: Diagnostic) => {
      const key = `${diagnostic.code}|${diagnostic.file.path}|${diagnostic.range.start.line}:${diagnostic.range.start.column}|${diagnostic.message}`;
      if (seen.has(key)) return;
      seen.add(key);
      report.diagnostics.push(diagnostic);
    };
    // Each suite is built, checked and released in turn: only its suppressions (by file) outlive it.
    const checkedSuppressions = new Map<string, Suppression[]>();
    let firstSuite: Suite | null = null;
    for (const dir of selection.dirs) {
      const suite = selection.build(dir);
      firstSuite ??= suite;
      report.suitesChecked++;
      runRules(suiteRules, suite, config, request).forEach(add);
      for (const file of [...suite.files, ...suite.outerConftests, ...suite.fixtureModules.map((m) => m.file)]) {
        if (!checkedSuppressions.has(file.path)) checkedSuppressions.set(file.path, suppressionsOf(file));
      }
      selection.forget(dir);
      project.releasePython();
      progress();
      await releaseDroppedTrees();
    }
    // The scripts and CI files the rules read (DB scripts, runners, workflows) were checked too; Python
    // files loaded only to discover suites were not (released Python files were never kept).
    const checkedFiles = new Set(checkedSuppressions.keys());
    if (firstSuite) for (const file of project.loadedFiles()) if (file.language !== 'python') checkedFiles.add(file.path);
    // Suppressions are judged once per project, after every suite ran: a conftest shared by two
    // suites may hold a suppression that only the second suite's findings use.
    if (firstSuite) runSuppressionRules(suiteRules, firstSuite, [...checkedSuppressions.values()].flat(), config, request).forEach(add);
    report.filesChecked += checkedFiles.size;
    report.checkedPaths.push(...checkedFiles);
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

/**
 * The suites the requested paths touch: suites under a requested folder, the suite around a requested
 * file, and the suites whose DB script or runner a requested shell file is (pre-commit names the
 * staged `scripts/test-integration.sh`, which lives outside every suite folder).
 */
export function selectSuites(project: Project, targets: string[]): Suite[] {
  const selection = selectSuiteDirs(project, targets);
  return selection.dirs.map((dir) => selection.build(dir));
}

/** Staged files that no suite can read (told from paths and texts): the suites need not be found at all. */
function noSuiteReadsAny(project: Project, targets: string[]): boolean {
  return targets.every((target) => !isDirectory(target) && noSuiteCanRead(project, target));
}

/** The suites the requested paths touch (see selectSuites), as folders: each is built when asked, once. */
export function selectSuiteDirs(project: Project, targets: string[]): { dirs: string[]; build: (dir: string) => Suite; forget: (dir: string) => void } {
  const built = new Map<string, Suite>();
  if (noSuiteReadsAny(project, targets)) return { dirs: [], build: (dir) => buildSuite(project, dir), forget: () => {} };
  const suiteDirs = project.suiteDirs();
  const chosen = new Set<string>();
  const looseScripts: string[] = [];
  const suiteAt = (dir: string): Suite => {
    let suite = built.get(dir);
    if (!suite) {
      suite = buildSuite(project, dir);
      built.set(dir, suite);
    }
    return suite;
  };
  // A file belongs to a suite when the suite reads it: its own files (not the unit tests beside it),
  // the conftests above it and the fixture modules it loads from elsewhere.
  const reads = (suite: Suite, file: string): boolean =>
    [...suite.files, ...suite.outerConftests].some((source) => source.path === file) || suite.fixtureModules.some((module) => module.file.path === file);
  for (const target of targets) {
    let matched = false;
    const isFile = !isDirectory(target);
    for (const dir of suiteDirs) {
      const absolute = path.join(project.root, dir);
      const suiteInsideTarget = !isFile && (absolute === target || absolute.startsWith(target + path.sep));
      const targetInsideSuite = !isFile && target.startsWith(absolute + path.sep);
      if (suiteInsideTarget || targetInsideSuite || (isFile && reads(suiteAt(dir), target))) {
        chosen.add(dir);
        matched = true;
      }
    }
    if (!matched && project.files.get(target)?.language === 'shell') looseScripts.push(target);
  }
  if (looseScripts.length > 0) {
    for (const dir of suiteDirs) {
      if (chosen.has(dir)) continue;
      const { dbScripts, runners } = suiteScripts(suiteAt(dir));
      if ([...dbScripts, ...runners].some((script) => looseScripts.includes(script.file.path))) chosen.add(dir);
    }
  }
  return { dirs: [...chosen].sort(), build: suiteAt, forget: (dir) => built.delete(dir) };
}

type Reporter = (rule: RuleDefinition, sink: Diagnostic[]) => (finding: Finding) => void;

const makeReporter: Reporter = (rule, sink) => (finding) => {
  sink.push({
    code: rule.code,
    name: rule.name,
    severity: finding.severity ?? rule.severity,
    message: finding.message,
    file: finding.file,
    range: finding.range,
    ...(finding.hint ? { hint: finding.hint } : {}),
    related: finding.related ?? [],
    fix: rule.fix === 'none' ? null : (finding.fix ?? null),
  });
};

function ignoredForFile(project: Project, config: Config, diagnostic: Diagnostic): boolean {
  const relative = project.relative(diagnostic.file.path);
  return config.perFileIgnores.some(
    (entry) => globMatches(entry.pattern, relative) && entry.codes.some((code) => codeMatches(diagnostic.code, code)),
  );
}

/** The ordinary rules on one suite, filtered by parse errors, per-file ignores and suppression comments. */
function runRules(rules: RuleDefinition[], suite: Suite, config: Config, request: LintRequest): Diagnostic[] {
  const produced: Diagnostic[] = [];
  for (const rule of rules) {
    if (rule.phase === 'suppressions' || !isRuleEnabled(rule.code, config, request)) continue;
    rule.check({ suite, config, report: makeReporter(rule, produced) });
  }
  const kept = produced.filter((diagnostic) => {
    if (diagnostic.code !== 'SL001' && diagnostic.file.language === 'python' && hasParseError(diagnostic.file)) return false;
    return !ignoredForFile(suite.project, config, diagnostic);
  });
  return applySuppressions(kept);
}

/** Rules that judge the suppression comments themselves (SL002), over every file the project's suites checked. */
function runSuppressionRules(rules: RuleDefinition[], suite: Suite, suppressions: Suppression[], config: Config, request: LintRequest): Diagnostic[] {
  const enabled = rules.filter((rule) => isRuleEnabled(rule.code, config, request));
  const knownCodes = new Set(rules.map((rule) => rule.code));
  const enabledCodes = new Set(enabled.map((rule) => rule.code));
  const produced: Diagnostic[] = [];
  for (const rule of enabled) {
    if (rule.phase !== 'suppressions') continue;
    rule.check({ suite, config, report: makeReporter(rule, produced), suppressions, knownCodes, enabledCodes });
  }
  return produced.filter((diagnostic) => !ignoredForFile(suite.project, config, diagnostic));
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file.path !== b.file.path) return a.file.path < b.file.path ? -1 : 1;
  if (a.range.start.line !== b.range.start.line) return a.range.start.line - b.range.start.line;
  if (a.range.start.column !== b.range.start.column) return a.range.start.column - b.range.start.column;
  return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
}
