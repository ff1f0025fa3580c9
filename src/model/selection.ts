// Which of a suite's tests a pytest run selects, from its paths, the configuration's `testpaths` and
// `addopts`, `PYTEST_ADDOPTS`, and its own `-m`, `-k` and `--ignore` (SL606). The answer is "none" only
// when every piece is known: any word the model cannot read makes it "unknown".
import path from 'node:path';
import type { Config } from '../config.js';
import { isWithin } from '../discover.js';
import { evaluateMarkExpression } from './gate.js';
import { evaluateKeywordExpression, selectionOptions, type OptionSource } from './pytest-args.js';
import type { PytestRun, SuiteRelation } from './scripts.js';
import type { Suite } from './suite.js';
import { suiteItems, type TestItem } from './test-items.js';
import { namedRunConfig, runPytestConfig } from './suite-pytest-config.js';
import { pytestRootdir } from './pytest-config.js';

export type Selection =
  | { kind: 'unknown' }
  /** Some tests of the suite run. */
  | { kind: 'some'; count: number }
  /** The run collects the suite but deselects every test of it. */
  | { kind: 'none'; why: NoneReason; count: number };

export type NoneReason =
  | { by: 'mark'; expression: string; source: OptionSource; config: string | null }
  | { by: 'keyword'; expression: string; source: OptionSource; config: string | null }
  | { by: 'ignore'; written: string }
  | { by: 'testpaths'; testpaths: string[] };

export function runSelection(suite: Suite, config: Config, run: PytestRun, relation: SuiteRelation): Selection {
  if (!run.targetsKnown) return { kind: 'unknown' };
  const project = suite.project;
  const pytest = runPytestConfig(suite, run);
  const rootdir = pytestRootdir(pytest, project.root);
  // `pytest` with no path from the rootdir collects `testpaths`.
  if (relation === 'cwd' && pytest.testpaths && pytest.testpaths.length > 0 && run.cwd === rootdir) {
    const covers = pytest.testpaths.some((entry) => {
      if (/[*?[]/.test(entry)) return true; // a glob: do not claim it misses the suite
      const absolute = path.resolve(rootdir, entry);
      return isWithin(suite.dir, absolute) || isWithin(absolute, suite.dir);
    });
    if (!covers) {
      const count = suiteItems(suite, config).items.length;
      return count > 0 ? { kind: 'none', why: { by: 'testpaths', testpaths: pytest.testpaths }, count } : { kind: 'unknown' };
    }
  }
  const envAddopts = run.env.has('PYTEST_ADDOPTS') ? run.env.get('PYTEST_ADDOPTS')! : undefined;
  const options = selectionOptions(pytest.addopts, envAddopts, run.args.map((word) => (word.multi ? null : word.value)), Boolean(namedRunConfig(suite, run)));
  if (!options.known) return { kind: 'unknown' };

  const { items, known } = suiteItems(suite, config);
  let scope: TestItem[] = items;
  if (relation === 'inside') {
    const dirs = run.targets.filter((target) => isWithin(target, suite.dir));
    scope = items.filter((item) => dirs.some((dir) => isWithin(item.file.path, dir)));
  }
  if (scope.length === 0) return { kind: 'unknown' };
  const base = run.cwd ?? project.root;
  for (const written of options.ignores) {
    const ignored = path.resolve(base, written);
    if (isWithin(suite.dir, ignored)) return { kind: 'none', why: { by: 'ignore', written }, count: scope.length };
    scope = scope.filter((item) => !isWithin(item.file.path, ignored));
  }
  if (scope.length === 0) return { kind: 'none', why: { by: 'ignore', written: options.ignores[options.ignores.length - 1]! }, count: items.length };

  let selected = scope;
  if (options.mark) {
    if (!known) return { kind: 'unknown' };
    const kept: TestItem[] = [];
    for (const item of selected) {
      const verdict = evaluateMarkExpression(options.mark.expression, item.marks);
      if (verdict === null) return { kind: 'unknown' };
      if (verdict) kept.push(item);
    }
    if (kept.length === 0) return { kind: 'none', why: { by: 'mark', ...options.mark, config: pytest.source }, count: scope.length };
    selected = kept;
  }
  if (options.keyword) {
    const kept: TestItem[] = [];
    for (const item of selected) {
      const verdict = evaluateKeywordExpression(options.keyword.expression, item.keywords);
      if (verdict === null || (!verdict && (item.parametrized || !known))) return { kind: 'unknown' };
      if (verdict) kept.push(item);
    }
    if (kept.length === 0) return { kind: 'none', why: { by: 'keyword', ...options.keyword, config: pytest.source }, count: scope.length };
    selected = kept;
  }
  return { kind: 'some', count: selected.length };
}
