// The suites of one project linted: found, selected for the requested paths, each built, checked by the
// rules and released in turn. The models live behind this module: src/engine.ts imports it only once a
// suite may be read, so a pre-commit run naming files no suite can read never loads them.
import path from 'node:path';
import { codeMatches, type Config } from './config.js';
import { isDirectory } from './discover.js';
import { globMatches } from './glob.js';
import { findSuiteSpecs } from './model/discovery.js';
import { buildSuite, projectSuiteDirs, type Project, type Suite } from './model/suite.js';
import { suiteScripts } from './model/scripts.js';
import { suiteRunners } from './model/runners.js';
import { isTaskFileName, mayHoldPytestConfig } from './model/file-names.js';
import { pytestConfigFor } from './model/suite-pytest-config.js';
import { suiteDatabases } from './readers/suite-databases.js';
import { forgetFileSystemAnswers } from './model/app/sys-path.js';
import { clearDocumentCache } from './model/documents.js';
import { clearModeCache } from './model/git-index.js';
import type { Diagnostic, Finding, RuleDefinition } from './rule.js';
import { hasParseError, releaseDroppedTrees } from './source.js';
import { applySuppressions, suppressionsOf, type Suppression } from './suppress.js';
import { isRuleEnabled, type LintReport, type LintRequest } from './engine.js';
import { forgetSuite } from './model/suite-caches.js';

/** The models' caches are keyed by path: each run starts from what is on disk now (see forgetDiskCaches in engine.ts). */
export function forgetModelCaches(): void {
  // The walk of this run, just made, stays: its listings are what the disk holds now.
  forgetFileSystemAnswers();
  clearModeCache();
  clearDocumentCache();
}

/** What a project's suites add to the run's report. */
export interface ProjectRun {
  project: Project;
  targets: string[];
  config: Config;
  request: LintRequest;
  report: LintReport;
  /** The rules, loaded when the first suite is selected. */
  rules: () => Promise<RuleDefinition[]>;
  /** Adds a diagnostic once (a file shared by two projects' runs is reported once). */
  add: (diagnostic: Diagnostic) => void;
  /** Told how many suites were selected, then after each suite's rules ran. */
  found: (count: number) => void;
  progress: () => void;
}

/** Finds, selects and checks the project's suites for the requested paths; the files they checked are counted. */
export async function lintProjectSuites(run: ProjectRun): Promise<void> {
  const { project, config, request, report } = run;
  // Found first, and apart, so that the trees read to find them can be freed as it goes.
  await findSuiteSpecs(project);
  const selection = selectSuiteDirs(project, run.targets);
  run.found(selection.dirs.length);
  const suiteRules = selection.dirs.length > 0 ? await run.rules() : [];
  // Each suite is built, checked and released in turn: only its suppressions (by file) outlive it.
  const checkedSuppressions = new Map<string, Suppression[]>();
  let firstSuite: Suite | null = null;
  // The scripts and CI files the rules read (DB scripts, runners, workflows) are checked too: noted before each release.
  const readFiles = new Set<string>();
  for (const dir of selection.dirs) {
    const suite = selection.build(dir);
    firstSuite ??= suite;
    report.suitesChecked++;
    runRules(suiteRules, suite, config, request).forEach(run.add);
    for (const file of [...suite.files, ...suite.outerConftests, ...suite.fixtureModules.map((m) => m.file)]) {
      if (!checkedSuppressions.has(file.path)) checkedSuppressions.set(file.path, suppressionsOf(file));
    }
    selection.forget(dir);
    forgetSuite(suite);
    for (const file of project.loadedFiles()) if (file.language !== 'python') readFiles.add(file.path);
    project.releaseSuiteFiles();
    run.progress();
    await releaseDroppedTrees();
  }
  // Python files loaded only to discover suites were not checked (released Python files were never noted).
  const checkedFiles = new Set(checkedSuppressions.keys());
  for (const file of readFiles) checkedFiles.add(file);
  // Suppressions are judged once per project, after every suite ran: a conftest shared by two
  // suites may hold a suppression that only the second suite's findings use.
  if (firstSuite) runSuppressionRules(suiteRules, firstSuite, [...checkedSuppressions.values()].flat(), config, request).forEach(run.add);
  report.filesChecked += checkedFiles.size;
  report.checkedPaths.push(...checkedFiles);
}

/**
 * The suites the requested paths touch: suites under a requested folder, the suite around a requested
 * file, the suites whose DB script or runner a requested shell file is (pre-commit names the staged
 * `scripts/test-integration.sh`, which lives outside every suite folder), and the suites whose database or
 * runner a requested YAML file, Makefile or tox.ini defines (a compose file, a CI workflow, a make target);
 * every suite for the project's pytest or smoke-lint configuration file.
 */
export function selectSuites(project: Project, targets: string[]): Suite[] {
  const selection = selectSuiteDirs(project, targets);
  return selection.dirs.map((dir) => selection.build(dir));
}

/** The suites the requested paths touch (see selectSuites), as folders: each is built when asked, once. */
export function selectSuiteDirs(project: Project, targets: string[]): { dirs: string[]; build: (dir: string) => Suite; forget: (dir: string) => void } {
  const built = new Map<string, Suite>();
  const suiteDirs = projectSuiteDirs(project);
  const chosen = new Set<string>();
  const looseScripts: string[] = [];
  const looseSetups: string[] = [];
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
    // The pytest or smoke-lint configuration (pyproject.toml, pytest.ini...) bears on every suite.
    if (isFile && project.isConfigFile(target)) {
      suiteDirs.forEach((dir) => chosen.add(dir));
      continue;
    }
    // A nested one (`backend/pytest.ini`) bears on the suites that run with it.
    if (isFile && mayHoldPytestConfig(path.basename(target), () => project.peekText(target))) {
      const using = suiteDirs.filter((dir) => pytestConfigFor(project, path.join(project.root, dir)).source === target);
      using.forEach((dir) => chosen.add(dir));
      if (using.length > 0) continue;
    }
    for (const dir of suiteDirs) {
      const absolute = path.join(project.root, dir);
      const suiteInsideTarget = !isFile && (absolute === target || absolute.startsWith(target + path.sep));
      const targetInsideSuite = !isFile && target.startsWith(absolute + path.sep);
      if (suiteInsideTarget || targetInsideSuite || (isFile && reads(suiteAt(dir), target))) {
        chosen.add(dir);
        matched = true;
      }
    }
    if (matched) continue;
    const language = project.files.get(target)?.language;
    if (language === 'shell') looseScripts.push(target);
    else if (language === 'yaml' || isTaskFileName(path.basename(target), () => project.peekText(target))) looseSetups.push(target);
  }
  // Files that name no suite's folder: the suites whose scripts, databases or runners they are or define.
  const setsUp = (suite: Suite): boolean => {
    if (looseScripts.length > 0) {
      const { dbScripts, runners } = suiteScripts(suite);
      if ([...dbScripts, ...runners].some((script) => looseScripts.includes(script.file.path))) return true;
    }
    if (looseSetups.length === 0) return false;
    const files = [...suiteDatabases(suite).map((definition) => definition.file.path), ...suiteRunners(suite).runners.map((runner) => runner.file.path)];
    return files.some((file) => looseSetups.includes(file));
  };
  if (looseScripts.length > 0 || looseSetups.length > 0) {
    for (const dir of suiteDirs) if (!chosen.has(dir) && setsUp(suiteAt(dir))) chosen.add(dir);
  }
  // Suites built only to tell whether they read a requested file, and not chosen, are let go now: they held
  // their files' trees for the whole run.
  for (const dir of built.keys()) if (!chosen.has(dir)) built.delete(dir);
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
