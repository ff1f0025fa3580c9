// The test items of a suite as pytest would collect them by default, with the marks and keywords that
// `-m` and `-k` select on: test functions at module level, `test*` methods of `Test*` classes; marks from
// the module's `pytestmark`, the class (decorators and its own `pytestmark`) and the function's decorators.
import path from 'node:path';
import type Parser from 'tree-sitter';
import type { Config } from '../config.js';
import type { SourceFile } from '../source.js';
import { analyzeModuleGate, resolveMarks } from './gate.js';
import { pyModule, type PyModule } from './python.js';
import type { Suite } from './suite.js';
import { perSuite } from './suite-caches.js';

type Node = Parser.SyntaxNode;

export interface TestItem {
  file: SourceFile;
  /** The function's name. */
  name: string;
  className: string | null;
  /** Names of the marks applied to it (module, class and function level). */
  marks: Set<string>;
  /** The names `-k` matches against: the function, its class, its module's file name, the folders above it, its marks. */
  keywords: string[];
  /** Parametrized: pytest adds the parameter ids to its name, which `-k` also matches. */
  parametrized: boolean;
}

export interface SuiteItems {
  items: TestItem[];
  /** False when marks may be added or read in ways this model does not follow (a collection hook, an unreadable `pytestmark`). */
  known: boolean;
}

const cache = perSuite<SuiteItems>();

/** Hooks and calls through which a conftest changes the marks or the selection of collected items. */
const SELECTION_HOOKS = new Set(['pytest_collection_modifyitems', 'pytest_itemcollected', 'pytest_deselected', 'pytest_ignore_collect', 'pytest_pycollect_makeitem']);

export function suiteItems(suite: Suite, config: Config): SuiteItems {
  const cached = cache.get(suite);
  if (cached) return cached;
  const result: SuiteItems = { items: [], known: true };
  for (const conftest of [...suite.outerConftests, ...suite.conftests]) {
    const module = pyModule(conftest);
    if (!module) continue;
    if (module.functions.some((fn) => !fn.className && SELECTION_HOOKS.has(fn.name))) result.known = false;
  }
  for (const file of suite.testModules) {
    const module = pyModule(file);
    if (!module) {
      result.known = false;
      continue;
    }
    if (!collectModule(suite, module, config, result.items)) result.known = false;
  }
  cache.set(suite, result);
  return result;
}

/** Adds the module's items; false when some marks could not be read. */
function collectModule(suite: Suite, module: PyModule, config: Config, items: TestItem[]): boolean {
  const gate = analyzeModuleGate(module, config);
  if (gate.unanalysable) return false;
  let known = true;
  const moduleMarks = new Set(gate.markNames);
  const relative = path.relative(suite.project.root, module.file.path).split(path.sep);
  const folders = relative.slice(0, -1);
  const fileName = relative[relative.length - 1]!;
  const classMarks = new Map<string, Set<string> | null>();
  for (const [name, node] of module.classes) classMarks.set(name, marksOfClass(module, node));
  for (const fn of module.functions) {
    if (!fn.name.startsWith('test')) continue;
    if (fn.className && !fn.className.startsWith('Test')) continue;
    const marks = new Set(moduleMarks);
    if (fn.className) {
      const own = classMarks.get(fn.className);
      if (own === null || own === undefined) {
        known = false;
        continue;
      }
      for (const mark of own) marks.add(mark);
    }
    const fnMarks = marksOfDecorators(module, fn.decorators);
    if (fnMarks === null) {
      known = false;
      continue;
    }
    for (const mark of fnMarks) marks.add(mark);
    const keywords = [fn.name, fileName, ...folders, ...marks];
    if (fn.className) keywords.push(fn.className);
    items.push({ file: module.file, name: fn.name, className: fn.className ?? null, marks, keywords, parametrized: marks.has('parametrize') });
  }
  return known;
}

/** The marks of decorators that are marks; decorators that are not marks are skipped. Null when one cannot be read. */
function marksOfDecorators(module: PyModule, decorators: Node[]): Set<string> | null {
  const marks = new Set<string>();
  for (const decorator of decorators) {
    if (!looksLikeMark(module, decorator)) continue;
    const resolved = resolveMarks(module, decorator);
    if (!resolved) return null;
    for (const mark of resolved) marks.add(mark.name);
  }
  return marks;
}

/** `pytest.mark.x`, `pytest.mark.x(...)`, `mark.x`, or a module-level name bound to a mark (`integration = pytest.mark.integration`). */
function looksLikeMark(module: PyModule, decorator: Node): boolean {
  const target = decorator.type === 'call' ? decorator.childForFieldName('function') : decorator;
  if (!target) return false;
  if (target.type === 'attribute') return /(^|\.)mark\./.test(target.text);
  if (target.type === 'identifier' && !module.imports.has(target.text)) {
    const assigned = module.assignments.get(target.text);
    return assigned !== undefined && resolveMarks(module, assigned.value) !== null;
  }
  return false;
}

function marksOfClass(module: PyModule, node: Node): Set<string> | null {
  const marks = new Set<string>();
  const parent = node.parent;
  if (parent?.type === 'decorated_definition') {
    const decorators = parent.namedChildren.filter((child) => child.type === 'decorator').map((child) => child.namedChild(0)).filter((child): child is Node => child !== null);
    const own = marksOfDecorators(module, decorators);
    if (own === null) return null;
    for (const mark of own) marks.add(mark);
  }
  for (const statement of node.childForFieldName('body')?.namedChildren ?? []) {
    if (statement.type !== 'expression_statement') continue;
    const assignment = statement.namedChild(0);
    if (assignment?.type !== 'assignment' || assignment.childForFieldName('left')?.text !== 'pytestmark') continue;
    const value = assignment.childForFieldName('right');
    const resolved = value ? resolveMarks(module, value) : null;
    if (!resolved) return null;
    for (const mark of resolved) marks.add(mark.name);
  }
  return marks;
}
