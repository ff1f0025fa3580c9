// The gate of one test module: its pytestmark, skipif marks and module-level skips, and where
// each condition sits.
import type Parser from 'tree-sitter';
import type { Config } from '../../config.js';
import { perFile, parseText } from '../../source.js';
import { callArguments, calleeName, isTestFunction, qualifiedName, stringValue, unparenthesize, type PyModule } from '../python.js';
import { treeNodesOfType } from '../tree-nodes.js';
import { UNKNOWN_VERDICT, classifyCondition, operands, type ConditionVerdict } from './condition.js';

type Node = Parser.SyntaxNode;

export interface MarkRef {
  /** `skipif`, `skip`, `integration`, `usefixtures`... */
  name: string;
  /** The `pytest.mark.X(...)` call when the mark is called. */
  call: Node | null;
}

/**
 * The marks an expression stands for: a mark, a list or tuple of marks, names bound to marks at
 * module level, `+` of lists. Null when it cannot be read (imported, computed, splatted).
 */
export function resolveMarks(module: PyModule, raw: Node, depth = 0): MarkRef[] | null {
  if (depth > 12) return null;
  const node = unparenthesize(raw);
  switch (node.type) {
    case 'list':
    case 'tuple': {
      const marks: MarkRef[] = [];
      for (const element of operands(node)) {
        const inner = resolveMarks(module, element, depth + 1);
        if (!inner) return null;
        marks.push(...inner);
      }
      return marks;
    }
    case 'binary_operator': {
      if (node.childForFieldName('operator')?.text !== '+') return null;
      const left = resolveMarks(module, node.childForFieldName('left')!, depth + 1);
      const right = resolveMarks(module, node.childForFieldName('right')!, depth + 1);
      return left && right ? [...left, ...right] : null;
    }
    case 'identifier': {
      const assigned = module.assignments.get(node.text);
      if (!assigned || module.imports.has(node.text)) return null;
      return resolveMarks(module, assigned.value, depth + 1);
    }
    case 'attribute': {
      const name = markName(module, node);
      return name ? [{ name, call: null }] : null;
    }
    case 'call': {
      const callee = node.childForFieldName('function');
      let name = markName(module, callee);
      if (!name && callee?.type === 'attribute' && callee.childForFieldName('attribute')?.text === 'with_args') {
        name = markName(module, callee.childForFieldName('object'));
      }
      return name ? [{ name, call: node }] : null;
    }
    default:
      return null;
  }
}

function markName(module: PyModule, node: Node | null): string | null {
  const name = qualifiedName(module, node);
  const match = name ? /^pytest\.mark\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(name) : null;
  return match ? match[1]! : null;
}

export interface SkipifCondition {
  /** The condition as written; for a string condition, the string node. */
  node: Node;
  /** The expression judged: the condition itself, or the parsed code of a string condition. */
  expression: Node | null;
  isString: boolean;
}

/** The condition of a `skipif(...)` call: null when it has none (unconditional) or cannot be read. */
export function skipifCondition(module: PyModule, call: Node): SkipifCondition | null {
  const args = callArguments(call);
  if (args.hasSplat) return null;
  const condition = args.keywords.get('condition') ?? args.positional[0];
  if (!condition) return null;
  const extra = args.keywords.has('condition') ? args.positional : args.positional.slice(1);
  // Further positional conditions: only a positional reason string (SL103) still lets the first be judged.
  if (extra.length > 1 || (extra.length === 1 && stringValue(module, extra[0]!) === null)) {
    return { node: condition, expression: null, isString: isStringExpression(module, condition) };
  }
  if (isStringExpression(module, condition)) {
    return { node: condition, expression: parseStringCondition(stringValue(module, condition)), isString: true };
  }
  return { node: condition, expression: condition, isString: false };
}

function isStringExpression(module: PyModule, node: Node): boolean {
  const inner = unparenthesize(node);
  return inner.type === 'string' || inner.type === 'concatenated_string' || stringValue(module, inner) !== null;
}

/** pytest evaluates a string condition as Python code; parse it so it can be judged too. */
function parseStringCondition(code: string | null): Node | null {
  if (code === null || code.length > 2000) return null;
  const tree = parseText('python', code.trim());
  if (tree.rootNode.hasError) return null;
  const statements = operands(tree.rootNode);
  if (statements.length !== 1 || statements[0]!.type !== 'expression_statement') return null;
  const expression = operands(statements[0]!);
  return expression.length === 1 ? expression[0]! : null;
}

export interface GateCondition {
  origin: 'pytestmark' | 'module-skip' | 'item' | 'conftest';
  /** The skipif call, or the `if` statement of a module-level `pytest.skip`. */
  holder: Node;
  /** The condition as written. */
  node: Node;
  isString: boolean;
  verdict: ConditionVerdict;
}

export interface ModuleGate {
  module: PyModule;
  /** The module-level `pytestmark = ...` statement, when there is exactly one plain one. */
  pytestmark: { statement: Node; target: Node; value: Node } | null;
  /** `pytestmark` is there but cannot be read (imported, computed, changed after assignment). */
  unanalysable: boolean;
  marks: MarkRef[];
  markNames: Set<string>;
  /** Module-level gate conditions: skipif marks of `pytestmark`, `if ...: pytest.skip(...)`. */
  conditions: GateCondition[];
  /** Something at module level skips the module (a gate of any quality, or an unconditional skip). */
  gated: boolean;
  /** Conditions of skipif decorators on tests and classes, and of class-level `pytestmark`. */
  itemConditions: GateCondition[];
  /** Every test function and test class carries its own skip. */
  testsGatedIndividually: boolean;
  /** The mark names each test carries itself (its decorators, its class's decorators and `pytestmark`). */
  testMarks: Array<Set<string>>;
}

const cache = perFile<Map<string, ModuleGate>>();

export function analyzeModuleGate(module: PyModule, config: Config): ModuleGate {
  const key = `${[config.gateVariable, ...config.gateVariables].join(',')}\u0000${config.gateValue}`;
  let byConfig = cache.get(module.file);
  if (!byConfig) {
    byConfig = new Map();
    cache.set(module.file, byConfig);
  }
  const cached = byConfig.get(key);
  if (cached) return cached;
  const gate = computeModuleGate(module, config);
  byConfig.set(key, gate);
  return gate;
}

export function isPytestSkipCall(module: PyModule, node: Node): boolean {
  return node.type === 'call' && calleeName(module, node) === 'pytest.skip';
}

/** Top-level statements of a block that call `pytest.skip(...)`. */
function blockSkips(module: PyModule, block: Node | null): boolean {
  if (!block) return false;
  return operands(block).some((statement) => {
    if (statement.type !== 'expression_statement') return false;
    const expression = statement.namedChild(0);
    return expression !== null && isPytestSkipCall(module, expression);
  });
}

function computeModuleGate(module: PyModule, config: Config): ModuleGate {
  const gate: ModuleGate = {
    module,
    pytestmark: null,
    unanalysable: false,
    marks: [],
    markNames: new Set(),
    conditions: [],
    gated: false,
    itemConditions: [],
    testsGatedIndividually: false,
    testMarks: [],
  };

  // Every binding of `pytestmark` outside functions and classes; only one plain assignment can be read.
  // Both questions below need the text `pytestmark` where the node starts (an assignment starts with its
  // target, a call with its callee's object): other nodes are not asked about.
  const markOffsets = new Set<number>();
  for (let at = module.file.text.indexOf('pytestmark'); at >= 0; at = module.file.text.indexOf('pytestmark', at + 1)) markOffsets.add(at);
  const atMark = (node: Node): boolean => markOffsets.size > 0 && markOffsets.has(node.startIndex);
  const bindings = treeNodesOfType(module.root.tree, ['assignment', 'augmented_assignment']).filter((node) => {
    if (!atMark(node)) return false;
    if (node.childForFieldName('left')?.text !== 'pytestmark') return false;
    for (let up = node.parent; up; up = up.parent) {
      if (up.type === 'function_definition' || up.type === 'class_definition' || up.type === 'lambda') return false;
    }
    return true;
  });
  const mutated = treeNodesOfType(module.root.tree, 'call').some((call) => {
    if (!atMark(call)) return false;
    const callee = call.childForFieldName('function');
    return callee?.type === 'attribute' && callee.childForFieldName('object')?.text === 'pytestmark';
  });
  const assigned = module.assignments.get('pytestmark');
  if (bindings.length > 0 || module.imports.has('pytestmark')) {
    const plain = assigned && bindings.length === 1 && bindings[0]!.type === 'assignment' && assigned.statement.namedChild(0)?.id === bindings[0]!.id;
    if (!plain || mutated || module.imports.has('pytestmark')) {
      gate.unanalysable = true;
    } else {
      const target = bindings[0]!.childForFieldName('left')!;
      gate.pytestmark = { statement: assigned.statement, target, value: assigned.value };
      const marks = resolveMarks(module, assigned.value);
      if (!marks) gate.unanalysable = true;
      else gate.marks = marks;
    }
  }
  for (const mark of gate.marks) gate.markNames.add(mark.name);

  let skipsAtModuleLevel = false;
  for (const mark of gate.marks) {
    if (mark.name === 'skip' || (mark.name === 'skipif' && !mark.call)) {
      skipsAtModuleLevel = true;
      continue;
    }
    if (mark.name !== 'skipif' || !mark.call) continue;
    const condition = skipifCondition(module, mark.call);
    if (!condition) {
      skipsAtModuleLevel = true; // `skipif()` with no condition, or unreadable arguments
      continue;
    }
    const verdict = condition.expression ? classifyCondition(module, condition.expression, config, 'skipif') : UNKNOWN_VERDICT;
    gate.conditions.push({ origin: 'pytestmark', holder: mark.call, node: condition.node, isString: condition.isString, verdict });
  }

  for (const statement of operands(module.root)) {
    if (statement.type === 'expression_statement') {
      const expression = statement.namedChild(0);
      if (expression && isPytestSkipCall(module, expression)) skipsAtModuleLevel = true;
      continue;
    }
    if (statement.type !== 'if_statement') continue;
    const consequence = statement.childForFieldName('consequence');
    const alternatives = statement.childrenForFieldName('alternative');
    const skipsInBody = blockSkips(module, consequence);
    const skipsInElse = alternatives.some((alternative) =>
      blockSkips(module, alternative.type === 'else_clause' ? alternative.childForFieldName('body') : alternative.childForFieldName('consequence')),
    );
    if (!skipsInBody && !skipsInElse) continue;
    const condition = statement.childForFieldName('condition');
    let verdict = UNKNOWN_VERDICT;
    if (condition && skipsInBody && alternatives.length === 0) verdict = classifyCondition(module, condition, config, 'if');
    gate.conditions.push({ origin: 'module-skip', holder: statement, node: condition ?? statement, isString: false, verdict });
  }

  gate.gated = skipsAtModuleLevel || gate.conditions.some((condition) => condition.verdict.kind !== 'not-gate');

  // Tests gated one by one: skipif decorators, class-level pytestmark.
  const tests: Array<{ gated: boolean }> = [];
  const itemGated = (decorators: Node[], classBody: Node | null, names: Set<string> = new Set()): boolean => {
    let gated = false;
    const expressions = [...decorators];
    if (classBody) {
      for (const statement of operands(classBody)) {
        const assignment = statement.type === 'expression_statement' ? statement.namedChild(0) : null;
        if (assignment?.type === 'assignment' && assignment.childForFieldName('left')?.text === 'pytestmark') {
          const value = assignment.childForFieldName('right');
          if (value) expressions.push(value);
        }
      }
    }
    for (const expression of expressions) {
      const marks = resolveMarks(module, expression) ?? [];
      for (const mark of marks) {
        names.add(mark.name);
        if (mark.name === 'skip' || (mark.name === 'skipif' && !mark.call)) gated = true;
        if (mark.name !== 'skipif' || !mark.call) continue;
        const condition = skipifCondition(module, mark.call);
        if (!condition) {
          gated = true;
          continue;
        }
        const verdict = condition.expression ? classifyCondition(module, condition.expression, config, 'skipif') : UNKNOWN_VERDICT;
        gate.itemConditions.push({ origin: 'item', holder: mark.call, node: condition.node, isString: condition.isString, verdict });
        if (verdict.kind !== 'not-gate') gated = true;
      }
    }
    return gated;
  };
  const classMarks = new Map<string, Set<string>>();
  for (const [name, node] of module.classes) {
    const decorators = node.parent?.type === 'decorated_definition'
      ? node.parent.namedChildren.filter((child) => child.type === 'decorator').map((child) => child.namedChild(0)).filter((child): child is Node => child !== null)
      : [];
    const names = new Set<string>();
    const gated = itemGated(decorators, node.childForFieldName('body'), names);
    classMarks.set(name, names);
    if (name.startsWith('Test')) tests.push({ gated });
  }
  for (const fn of module.functions) {
    const names = new Set<string>(fn.className ? classMarks.get(fn.className) ?? [] : []);
    const gated = itemGated(fn.decorators, null, names);
    if (!fn.className && fn.name.startsWith('test')) tests.push({ gated });
    if (isTestFunction(fn)) gate.testMarks.push(names);
  }
  gate.testsGatedIndividually = tests.length > 0 && tests.every((test) => test.gated);
  return gate;
}

/** The first test function or test class name, where "no gate" is reported. */
export function firstTestName(module: PyModule): Node | null {
  for (const statement of operands(module.root)) {
    const definition = statement.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
    if (!definition) continue;
    const name = definition.childForFieldName('name');
    if (!name) continue;
    if (definition.type === 'function_definition' && name.text.startsWith('test')) return name;
    if (definition.type === 'class_definition' && name.text.startsWith('Test')) return name;
  }
  return null;
}

/** Every `pytest.mark.skipif(...)` call of a module, in document order. */
export function skipifCalls(module: PyModule): Node[] {
  return treeNodesOfType(module.root.tree, 'call').filter((call) => calleeName(module, call) === 'pytest.mark.skipif');
}
