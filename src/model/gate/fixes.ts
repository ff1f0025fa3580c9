// Messages about gates and the edits that insert or repair one (SL101, SL102, SL103, SL403).
import type Parser from 'tree-sitter';
import { carriesUrl, gateSetting, isGateVariable, type Config } from '../../config.js';
import type { Edit, Fix } from '../../rule.js';
import { lineEnding, type SourceFile } from '../../source.js';
import {
  callArguments,
  unparenthesize,
  type PyModule,
} from '../python.js';
import { operands, type ConditionVerdict } from './condition.js';
import type { GateCondition, ModuleGate } from './module-gate.js';

type Node = Parser.SyntaxNode;

export function canonicalReason(config: Config): string {
  if (carriesUrl(config.gateVariable)) return `Integration tests disabled. Set ${config.gateVariable} to the test database URL to run.`;
  return `Integration tests disabled. Set ${config.gateVariable}=${config.gateValue} to run.`;
}

/**
 * The canonical gate condition for the first gate variable: `os.getenv(X) != "true"`, or, for a
 * URL-valued variable, `not os.getenv(X)` (any fixed value would break the URL the runner sets).
 */
export function canonicalCondition(config: Config, getenv = 'os.getenv'): string {
  const name = pyString(config.gateVariable);
  return carriesUrl(config.gateVariable) ? `not ${getenv}(${name})` : `${getenv}(${name}) != ${pyString(config.gateValue)}`;
}

/** A Python string literal in double quotes. */
export function pyString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** Source text shortened for a message. */
export function shortText(node: Node, limit = 70): string {
  const text = node.text.replace(/\s+/g, ' ').replace(/\(\s+/g, '(').replace(/,?\s+\)/g, ')');
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

/** What is wrong with a weak condition, in one sentence naming the variable and the value. */
export function describeWeakness(verdict: ConditionVerdict, node: Node, config: Config): string {
  const variable = isGateVariable(config, verdict.variable) ? verdict.variable! : config.gateVariable;
  const value = config.gateValue;
  const on = gateSetting(config, variable);
  const shown = `\`${shortText(node)}\``;
  switch (verdict.problem) {
    case 'presence-only':
      return `${shown} only checks that ${variable} is set, so it runs the suite when ${variable}=false (or any other value); the gate must skip unless ${variable} is exactly "${value}"`;
    case 'inverted':
      return `${shown} is inverted: it skips the suite when ${on} and runs it when ${variable} is unset`;
    case 'raises':
      if (verdict.raised?.error === 'AttributeError') {
        return `\`${shortText(verdict.raised.node)}\` is None when ${variable} is unset, so \`.${verdict.raised.method ?? 'lower'}()\` raises AttributeError at collection: a plain \`pytest\` run errors instead of skipping`;
      }
      return `\`${verdict.raised ? shortText(verdict.raised.node) : shortText(node)}\` raises KeyError at collection when ${variable} is unset: a plain \`pytest\` run errors instead of skipping`;
    case 'wrong-value':
      return `${shown} opens only when ${variable}="${verdict.opensOn ?? ''}", not "${value}": with ${variable}=${value}, as the runner sets it, the suite is skipped and never runs`;
    case 'runs-when-unset':
      return `${shown} runs the suite when ${variable} is unset: a plain \`pytest\` run reaches the database`;
    case 'other-variable':
      return `the gate reads ${verdict.variable ?? 'another variable'} instead of the gate variable ${variable}: a run with ${on} still skips this module, and ${verdict.variable ?? 'that variable'} alone runs it`;
    default:
      return `${shown} does not mean "skip unless ${on}"`;
  }
}

/** How the module spells `os.getenv`: `os.getenv`, `getenv` (from os import getenv) or `environ.get`; null when none is bound. */
export function getenvSpelling(module: PyModule): string | null {
  for (const [local, binding] of module.imports) {
    if (binding.level === 0 && binding.module === 'os' && !binding.name && !module.assignments.has(local)) return `${local}.getenv`;
  }
  for (const [local, binding] of module.imports) {
    if (binding.level === 0 && binding.module === 'os' && binding.name === 'getenv' && !module.assignments.has(local)) return local;
  }
  for (const [local, binding] of module.imports) {
    if (binding.level === 0 && binding.module === 'os' && binding.name === 'environ' && !module.assignments.has(local)) return `${local}.get`;
  }
  return null;
}

/** The safe rewrite of a weak condition, where its intent is plain; null otherwise. */
export function weakConditionFix(module: PyModule, condition: GateCondition, config: Config): Fix | null {
  const { verdict } = condition;
  if (verdict.kind !== 'weak' || condition.isString || !verdict.direct) return null;
  if (!isGateVariable(config, verdict.variable)) return null;
  const urlValued = carriesUrl(verdict.variable!);
  const file = module.file;
  if (verdict.problem === 'raises' && verdict.raised?.error === 'AttributeError') {
    // `os.getenv("V").lower()`: give the lookup a default, keeping the case-insensitive comparison.
    const call = verdict.raised.node;
    if (call.type !== 'call') return null;
    const args = callArguments(call);
    if (args.positional.length !== 1 || args.keywords.size > 0 || args.hasSplat) return null;
    const at = args.positional[0]!.endIndex;
    return {
      applicability: 'safe',
      message: `Default \`${shortText(call)}\` to "" so that an unset ${config.gateVariable} skips`,
      edits: [{ file, start: at, end: at, text: ', ""' }],
    };
  }
  if (verdict.problem !== 'presence-only' && verdict.problem !== 'inverted' && verdict.problem !== 'raises') return null;
  const getenv = getenvSpelling(module);
  const name = verdict.nameNode?.text;
  if (!getenv || !name || name.includes('\n')) return null;
  const replacement = urlValued ? `not ${getenv}(${name})` : `${getenv}(${name}) != ${pyString(config.gateValue)}`;
  return {
    applicability: 'safe',
    message: `Rewrite the condition to \`${replacement}\``,
    edits: [{ file, start: condition.node.startIndex, end: condition.node.endIndex, text: replacement }],
  };
}

function canonicalSkipif(config: Config, eol: string, indent: string): string {
  return [
    'pytest.mark.skipif(',
    `${indent}    ${canonicalCondition(config)},`,
    `${indent}    reason=${pyString(canonicalReason(config))},`,
    `${indent})`,
  ].join(eol);
}

/** Is `name` free to bind to module `target` (already bound to it: 'bound'; bound to something else: 'taken')? */
function moduleBinding(module: PyModule, name: string, target: string): 'bound' | 'free' | 'taken' {
  const binding = module.imports.get(name);
  if (binding) return binding.level === 0 && binding.module === target && !binding.name ? 'bound' : 'taken';
  if (module.assignments.has(name) || module.classes.has(name) || module.functions.some((fn) => !fn.className && fn.name === name)) return 'taken';
  return 'free';
}

interface InsertionPoint {
  offset: number;
  after: 'import' | 'docstring' | 'top';
}

function lineStartAfter(file: SourceFile, node: Node): number {
  const next = file.lineStarts[node.endPosition.row + 1];
  return next === undefined ? file.text.length : next;
}

/** Where new top-level code goes: after the last top-level import before `limit`, else after the docstring, else at the top. */
function insertionPoint(module: PyModule, limit: number): InsertionPoint {
  const statements = operands(module.root).filter((node) => node.startIndex < limit);
  let lastImport: Node | null = null;
  for (const statement of statements) {
    if (statement.type === 'import_statement' || statement.type === 'import_from_statement' || statement.type === 'future_import_statement') lastImport = statement;
  }
  if (lastImport) return { offset: lineStartAfter(module.file, lastImport), after: 'import' };
  const first = operands(module.root)[0];
  if (first?.type === 'expression_statement' && first.namedChildCount === 1 && first.namedChild(0)!.type === 'string') {
    return { offset: lineStartAfter(module.file, first), after: 'docstring' };
  }
  const firstCode = module.root.namedChildren.find((node) => node.type !== 'comment');
  return { offset: firstCode ? module.file.lineStarts[firstCode.startPosition.row]! : module.file.text.length, after: 'top' };
}

function blankLinesAt(file: SourceFile, offset: number): { blank: number; nextIsDefinition: boolean; atEnd: boolean } {
  const rest = file.text.slice(offset).split(/\r?\n/);
  let blank = 0;
  while (blank < rest.length && rest[blank]!.trim() === '' && blank < rest.length - 1) blank++;
  const next = rest[blank] ?? '';
  return { blank, nextIsDefinition: /^(def|class|async\s+def|@)/.test(next), atEnd: offset >= file.text.length || file.text.slice(offset).trim() === '' };
}

/**
 * The SL101 fix: the canonical `pytestmark` after the imports (or, when `pytestmark` holds only
 * other marks, the skipif appended to it), with `import os` / `import pytest` added when missing.
 */
export function missingGateFix(gate: ModuleGate, config: Config): Fix | null {
  const { module } = gate;
  const file = module.file;
  const eol = lineEnding(file);
  const osState = moduleBinding(module, 'os', 'os');
  const pytestState = moduleBinding(module, 'pytest', 'pytest');
  if (osState === 'taken' || pytestState === 'taken') return null;
  const missing = [...(osState === 'free' ? ['import os'] : []), ...(pytestState === 'free' ? ['import pytest'] : [])];
  const edits: Edit[] = [];

  if (gate.pytestmark) {
    // Keep the marks, add the gate: `pytestmark = [<marks>, pytest.mark.skipif(...)]`.
    const { statement, value } = gate.pytestmark;
    const assignment = statement.namedChild(0);
    if (!assignment || assignment.childForFieldName('type') || statement.text.includes('\n#')) return null;
    const inner = unparenthesize(value);
    const elements = inner.type === 'list' || inner.type === 'tuple' ? inner.namedChildren : [inner];
    if (elements.some((element) => element.type === 'comment')) return null;
    const lines = ['pytestmark = ['];
    for (const element of elements) lines.push(`    ${element.text},`);
    lines.push(`    ${canonicalSkipif(config, eol, '    ')},`, ']');
    edits.push({ file, start: statement.startIndex, end: statement.endIndex, text: lines.join(eol) });
    if (missing.length > 0) {
      const point = insertionPoint(module, statement.startIndex);
      const lead = point.offset === file.text.length && file.text.length > 0 && !file.text.endsWith('\n') ? eol : '';
      let text = missing.map((line) => line + eol).join('');
      if (point.after === 'docstring') text = eol + text;
      if (point.after === 'top') text += eol;
      edits.push({ file, start: point.offset, end: point.offset, text: lead + text });
    }
    return {
      applicability: 'safe',
      message: `Add the ${config.gateVariable} skipif to \`pytestmark\``,
      edits,
    };
  }

  const point = insertionPoint(module, Number.POSITIVE_INFINITY);
  const block = `pytestmark = ${canonicalSkipif(config, eol, '')}`;
  const lead = point.offset === file.text.length && file.text.length > 0 && !file.text.endsWith('\n') ? eol : '';
  const imports = missing.map((line) => line + eol).join('');
  let text: string;
  if (point.after === 'import') text = `${imports}${eol}${block}${eol}`;
  else if (point.after === 'docstring') text = `${eol}${imports}${imports ? eol : ''}${block}${eol}`;
  else text = `${imports}${imports ? eol : ''}${block}${eol}`;
  const following = blankLinesAt(file, point.offset);
  if (!following.atEnd) {
    const wanted = following.nextIsDefinition ? 2 : 1;
    if (following.blank < wanted) text += eol.repeat(wanted - following.blank);
  }
  edits.push({ file, start: point.offset, end: point.offset, text: lead + text });
  return {
    applicability: 'safe',
    message: `Add \`pytestmark = pytest.mark.skipif(${canonicalCondition(config)}, ...)\``,
    edits,
  };
}

/** Where the arguments of a call end, for adding a keyword: after the last argument (and its trailing comma). */
export function addKeywordEdit(file: SourceFile, call: Node, keyword: string): Edit | null {
  const list = call.childForFieldName('arguments');
  if (!list || list.type !== 'argument_list') return null;
  const args = operands(list);
  const last = args[args.length - 1];
  if (!last) return null;
  const eol = lineEnding(file);
  let trailingComma: Node | null = null;
  for (let index = 0; index < list.childCount; index++) {
    const child = list.child(index)!;
    if (child.startIndex >= last.endIndex && child.type === ',') trailingComma = child;
  }
  const open = list.child(0)!;
  const multiline = last.startPosition.row > open.startPosition.row;
  if (multiline) {
    const lineStart = file.lineStarts[last.startPosition.row]!;
    const indent = /^[ \t]*/.exec(file.text.slice(lineStart))![0];
    if (trailingComma) return { file, start: trailingComma.endIndex, end: trailingComma.endIndex, text: `${eol}${indent}${keyword},` };
    return { file, start: last.endIndex, end: last.endIndex, text: `,${eol}${indent}${keyword}` };
  }
  if (trailingComma) return { file, start: trailingComma.endIndex, end: trailingComma.endIndex, text: ` ${keyword}` };
  return { file, start: last.endIndex, end: last.endIndex, text: `, ${keyword}` };
}
