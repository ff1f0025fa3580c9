// Gates that sit outside the module: collection hooks and autouse fixtures in conftests, and what
// the pytest configuration (testpaths, addopts -m) leaves out of a plain run.
import path from 'node:path';
import type { Config } from '../../config.js';
import type { SourceFile } from '../../source.js';
import {
  callArguments,
  calleeName,
  fixtureDecorator,
  pyModule,
  stringValue,
  type FunctionInfo,
  type PyModule,
} from '../python.js';
import type { Suite } from '../suite.js';
import { evaluateSelectionExpression } from '../pytest-args.js';
import { comparisonParts, operands } from './condition.js';
import { isPytestSkipCall, resolveMarks, type ModuleGate } from './module-gate.js';
import { suitePytest } from '../suite-pytest-config.js';
import { pytestRootdir } from '../pytest-config.js';

export interface DirectoryGate {
  conftest: SourceFile;
  how: string;
}

const READS_SWITCH = /\b(getenv|environ)\b|getoption\s*\(|\bconfig\.option\.|\boption\.\w+/;

/** Does code read a switch a gate can hang on: an environment variable, a pytest option, the gate variable? */
export function readsSwitch(text: string, config: Config): boolean {
  return READS_SWITCH.test(text) || config.gateVariables.some((variable) => text.includes(variable)) || text.includes(config.gateVariable);
}

function isAncestorDir(dir: string, file: string): boolean {
  const relative = path.relative(dir, path.dirname(file));
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

interface HookShape {
  skips: boolean;
  filtersOnPath: boolean;
  /** Marker names the hook filters on; null when some name cannot be read. */
  markers: string[] | null;
}

const PATH_ATTRIBUTES = new Set(['path', 'fspath', 'nodeid', 'location', 'module', 'parent', 'name', 'originalname', 'cls', 'reportinfo']);
const MARKER_METHODS = new Set(['get_closest_marker', 'iter_markers', 'get_marker']);

function collectionHookShape(module: PyModule, fn: FunctionInfo): HookShape {
  const shape: HookShape = { skips: false, filtersOnPath: false, markers: [] };
  const body = fn.node;
  for (const call of body.descendantsOfType('call')) {
    const name = calleeName(module, call);
    const callee = call.childForFieldName('function');
    const method = callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text : undefined;
    if (name === 'pytest.mark.skip' || name === 'pytest.mark.skipif' || name === 'pytest.skip') shape.skips = true;
    if (method === 'add_marker') {
      const argument = callArguments(call).positional[0];
      const marks = argument ? resolveMarks(module, argument) : null;
      if (!marks || marks.some((mark) => mark.name === 'skip' || mark.name === 'skipif')) shape.skips = true;
    }
    if (method && /deselect/.test(method)) shape.skips = true;
    if ((method === 'remove' || method === 'clear' || method === 'pop') && callee?.childForFieldName('object')?.text === 'items') shape.skips = true;
    if (name === 'str' || name === 'os.fspath') shape.filtersOnPath = true;
    if (method && MARKER_METHODS.has(method)) {
      const args = callArguments(call);
      const argument = args.positional[0] ?? args.keywords.get('name');
      const marker = argument ? stringValue(module, argument) : null;
      if (marker === null) shape.markers = null;
      else shape.markers?.push(marker);
    }
  }
  for (const node of body.descendantsOfType(['assignment', 'delete_statement'])) {
    if (/^(del\s+)?items\s*\[/.test(node.text)) shape.skips = true;
  }
  for (const attribute of body.descendantsOfType('attribute')) {
    const name = attribute.childForFieldName('attribute')?.text ?? '';
    if (PATH_ATTRIBUTES.has(name)) shape.filtersOnPath = true;
    if (name === 'keywords' || name === 'own_markers') {
      const comparison = attribute.parent;
      if (comparison?.type === 'comparison_operator') {
        const { values, operators } = comparisonParts(comparison);
        const index = values.findIndex((value) => value.id === attribute.id);
        const marker = index > 0 && /in$/.test(operators[index - 1] ?? '') ? stringValue(module, values[index - 1]!) : null;
        if (marker === null) shape.markers = null;
        else shape.markers?.push(marker);
      } else {
        shape.markers = null;
      }
    }
  }
  return shape;
}

function hasAutouseSkipFixture(module: PyModule, fn: FunctionInfo): boolean {
  const fixture = fixtureDecorator(module, fn);
  if (!fixture?.call) return false;
  const autouse = callArguments(fixture.call).keywords.get('autouse');
  if (autouse?.type !== 'true') return false;
  return fn.node.descendantsOfType('call').some((call) => isPytestSkipCall(module, call));
}

/**
 * The conftest that gates this test module for its whole directory, if any: a collection hook that
 * skips or deselects (filtering on the path, or on a marker the module carries), `collect_ignore`
 * or `pytest_ignore_collect` keyed on an environment variable or option, a `pytest_runtest_setup`
 * or autouse fixture that calls `pytest.skip`.
 */
export function directoryGate(suite: Suite, file: SourceFile, gate: ModuleGate, config: Config): DirectoryGate | null {
  const conftests = [...suite.outerConftests, ...suite.conftests];
  const markerAdders = conftests.map((conftest) => conftest.text).join('\n');
  for (const conftest of conftests) {
    const applies = isAncestorDir(path.dirname(conftest.path), file.path);
    const module = pyModule(conftest);
    // A conftest that does not parse cannot be read: assume it gates rather than cry wolf.
    if (!module || conftest.tree?.rootNode.hasError) return { conftest, how: 'an unreadable conftest' };
    for (const fn of module.functions) {
      if (fn.className) continue;
      if (fn.name === 'pytest_collection_modifyitems') {
        const shape = collectionHookShape(module, fn);
        if (!shape.skips) continue;
        if (shape.filtersOnPath || shape.markers === null || shape.markers.length === 0) {
          return { conftest, how: '`pytest_collection_modifyitems`' };
        }
        const carried = shape.markers.some((marker) => {
          const pattern = new RegExp(`\\bmark\\.${marker.replace(/[^A-Za-z0-9_]/g, '')}\\b`);
          return gate.markNames.has(marker) || pattern.test(gate.module.file.text) || pattern.test(markerAdders);
        });
        if (carried) return { conftest, how: '`pytest_collection_modifyitems` (by marker)' };
        continue;
      }
      if (!applies) continue;
      if ((fn.name === 'pytest_ignore_collect' || fn.name === 'pytest_collect_file' || fn.name === 'pytest_collect_directory') && readsSwitch(fn.node.text, config)) {
        return { conftest, how: `\`${fn.name}\`` };
      }
      if ((fn.name === 'pytest_runtest_setup' || fn.name === 'pytest_runtest_call') && fn.node.descendantsOfType('call').some((call) => isPytestSkipCall(module, call))) {
        return { conftest, how: `\`${fn.name}\`` };
      }
      if (hasAutouseSkipFixture(module, fn)) return { conftest, how: `the autouse fixture \`${fn.name}\`` };
    }
    if (!applies) continue;
    for (const statement of operands(module.root)) {
      if (/\bcollect_ignore(_glob)?\b/.test(statement.text) && readsSwitch(statement.text, config)) {
        return { conftest, how: '`collect_ignore`' };
      }
    }
  }
  return null;
}

/**
 * Why a plain `pytest` run leaves this module out, from the project's pytest configuration; null when
 * it does not. `testMarks` are the marks of each test: `addopts -m` that deselects every one of them
 * leaves the module out as surely as a deselected module-level mark.
 */
export function plainRunExclusion(suite: Suite, file: SourceFile, markNames: Set<string>, testMarks: Array<Set<string>> = []): string | null {
  const pytest = suitePytest(suite);
  const base = pytestRootdir(pytest, suite.project.root);
  const relative = path.relative(base, file.path).split(path.sep).join('/');
  const testpaths = (pytest.testpaths ?? []).map((entry) => entry.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, ''));
  if (testpaths.length > 0 && !testpaths.some((entry) => testpathCovers(entry, relative))) {
    const listed = testpaths.map((entry) => `"${entry}"`).join(', ');
    return `\`testpaths = [${listed}]\` does not include ${suite.name}, so a plain \`pytest\` does not collect it; \`pytest ${suite.name}\` still runs it ungated`;
  }
  const expression = markExpression(pytest.addopts);
  if (expression !== null) {
    const selected = evaluateMarkExpression(expression, markNames);
    if (selected === false) {
      return `\`addopts\` has \`-m "${expression}"\`, which deselects this module's marks, so a plain \`pytest\` skips it; a run with another \`-m\` still runs it ungated`;
    }
    const everyTest = testMarks.length > 0 && testMarks.every((marks) => evaluateMarkExpression(expression, new Set([...markNames, ...marks])) === false);
    if (everyTest) {
      return `\`addopts\` has \`-m "${expression}"\`, which deselects the marks every test of this module carries, so a plain \`pytest\` skips them; a run with another \`-m\` still runs them ungated`;
    }
  }
  return null;
}

function testpathCovers(entry: string, relative: string): boolean {
  if (entry === '' || entry === '.') return true;
  if (path.isAbsolute(entry)) return true; // cannot relate it cheaply: do not claim it excludes the suite
  if (/[*?[]/.test(entry)) {
    const source = entry.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*\*/g, '\u0000').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]').replace(/\u0000/g, '.*');
    const regexp = new RegExp(`^${source}$`);
    const parts = relative.split('/');
    for (let length = 1; length <= parts.length; length++) if (regexp.test(parts.slice(0, length).join('/'))) return true;
    return false;
  }
  return relative === entry || relative.startsWith(`${entry}/`);
}

/** The last `-m` expression of an `addopts` string, or null. */
export function markExpression(addopts: string): string | null {
  const tokens: Array<{ text: string; quoted: boolean }> = [];
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let match = pattern.exec(addopts); match; match = pattern.exec(addopts)) {
    if (match[3] !== undefined) {
      // `-m"not x"` and `-m=not x` glue the option to its value.
      const glued = /^-m=?(["'])(.*)$/.exec(match[3]);
      if (glued) {
        const close = addopts.indexOf(glued[1]!, match.index + match[3].indexOf(glued[1]!) + 1);
        if (close === -1) return null;
        tokens.push({ text: '-m', quoted: false }, { text: addopts.slice(match.index + match[3].indexOf(glued[1]!) + 1, close), quoted: true });
        pattern.lastIndex = close + 1;
        continue;
      }
      tokens.push({ text: match[3], quoted: false });
    } else {
      tokens.push({ text: match[1] ?? match[2] ?? '', quoted: true });
    }
  }
  let expression: string | null = null;
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index]!;
    if (token.quoted) continue;
    if (token.text === '-m') {
      const next = tokens[index + 1];
      if (!next) return null;
      if (next.quoted) {
        expression = next.text;
        index++;
      } else {
        // A list-valued addopts loses its quotes: take words up to the next option.
        const words: string[] = [];
        let cursor = index + 1;
        while (cursor < tokens.length && !tokens[cursor]!.text.startsWith('-')) words.push(tokens[cursor++]!.text);
        expression = words.join(' ');
        index = cursor - 1;
      }
    } else if (/^-m[^=]/.test(token.text) && !token.text.startsWith('--')) {
      expression = token.text.slice(2);
    } else if (token.text.startsWith('-m=')) {
      expression = token.text.slice(3);
    }
  }
  return expression && expression.trim() ? expression.trim() : null;
}

/** pytest's `-m`: each name is true when the item carries that mark; null when the expression cannot be read. */
export function evaluateMarkExpression(expression: string, marks: Set<string>): boolean | null {
  return evaluateSelectionExpression(expression, (name) => marks.has(name));
}
