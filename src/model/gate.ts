// The gate of a test module: what keeps a plain `pytest` run from reaching the database.
// Shared by SL101 (no gate), SL102 (weak condition) and SL103 (skipif without reason).
//
// A condition is judged by running it: the expression is evaluated, the way Python would, with the
// gate variable unset, set to the gate value and set to another value. "Skip unless VAR == VALUE"
// skips in the first and last case only; every other outcome has a name (see GateProblem). Whatever
// the evaluator cannot follow (calls it does not know, imported names) makes the verdict `unknown`,
// and the rules stay silent on it.
import path from 'node:path';
import type Parser from 'tree-sitter';
import type { Config } from '../config.js';
import type { Edit, Fix } from '../rule.js';
import { lineEnding, parseText, type SourceFile } from '../source.js';
import {
  callArguments,
  calleeName,
  fixtureDecorator,
  nodeSpan,
  pyModule,
  qualifiedName,
  stringValue,
  treeNodesOfType,
  unparenthesize,
  type FunctionInfo,
  type PyModule,
} from './python.js';
import type { Suite } from './suite.js';

type Node = Parser.SyntaxNode;

// ---------------------------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------------------------

/** How pytest reads the condition: `skipif` evaluates a string result as code; `if` takes its truth. */
export type ConditionContext = 'skipif' | 'if';

export type GateProblem =
  /** `not os.getenv(V)`, `is None`, `"V" not in os.environ`: any value, `false` too, opens the gate. */
  | 'presence-only'
  /** Skips when the variable holds the gate value, runs when it is unset. */
  | 'inverted'
  /** Raises at collection when the variable is unset (`os.environ["V"]`, `os.getenv(V).lower()`). */
  | 'raises'
  /** Opens on another value than the gate value: the suite never runs when the runner sets it. */
  | 'wrong-value'
  /** Runs when the variable is unset (a default that opens the gate). */
  | 'runs-when-unset'
  /** An opt-in gate on another variable than the configured one. */
  | 'other-variable';

export interface ConditionVerdict {
  /**
   * correct: skips unless the gate variable holds the gate value. weak: a gate with a problem.
   * not-gate: plainly not an environment gate (`sys.platform == "win32"`, `os.getenv("CI") == "true"`).
   * unknown: cannot be judged statically.
   */
  kind: 'correct' | 'weak' | 'not-gate' | 'unknown';
  /** The environment variable the condition reads, when it reads exactly one. */
  variable: string | null;
  problem: GateProblem | null;
  /** For `raises`: the exception and the expression that raises it. */
  raised: { error: 'KeyError' | 'AttributeError'; node: Node; method?: string } | null;
  /** For `wrong-value`: a value that does open the gate. */
  opensOn: string | null;
  /** Every environment read is written in the condition itself, not behind a module constant. */
  direct: boolean;
  /** The argument that names the variable in the first environment read (a literal or a constant). */
  nameNode: Node | null;
}

const UNKNOWN_VERDICT: ConditionVerdict = {
  kind: 'unknown', variable: null, problem: null, raised: null, opensOn: null, direct: false, nameNode: null,
};

const ENVIRON = Symbol('os.environ');
type PyValue = string | number | boolean | null | typeof ENVIRON | PyValue[];

class CannotEvaluate extends Error {}

class PyRaise extends Error {
  constructor(readonly error: 'KeyError' | 'AttributeError' | 'TypeError', readonly node: Node, readonly method?: string) {
    super(error);
  }
}

interface EvalState {
  module: PyModule;
  env: Map<string, string | undefined>;
  depth: number;
}

const STRING_METHODS: Record<string, (value: string) => string> = {
  lower: (value) => value.toLowerCase(),
  upper: (value) => value.toUpperCase(),
  casefold: (value) => value.toLowerCase(),
  strip: (value) => value.trim(),
  lstrip: (value) => value.replace(/^\s+/, ''),
  rstrip: (value) => value.replace(/\s+$/, ''),
};

const ENV_GETTERS = new Set(['os.getenv', 'os.environ.get']);

function truthy(value: PyValue): boolean {
  if (value === ENVIRON) throw new CannotEvaluate();
  if (value === null) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'string') return value.length > 0;
  if (typeof value === 'number') return value !== 0;
  return value;
}

function pyEquals(a: PyValue, b: PyValue): boolean {
  if (a === ENVIRON || b === ENVIRON) throw new CannotEvaluate();
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => pyEquals(item, b[index]!));
  }
  if ((typeof a === 'boolean' || typeof a === 'number') && (typeof b === 'boolean' || typeof b === 'number')) {
    return Number(a) === Number(b);
  }
  return a === b;
}

/** Named children that are not comments. */
function operands(node: Node): Node[] {
  return node.namedChildren.filter((child) => child.type !== 'comment');
}

// A condition is evaluated once per candidate value of the variable: read each comparison once.
const comparisons = new WeakMap<Node, { values: Node[]; operators: string[] }>();

function comparisonParts(node: Node): { values: Node[]; operators: string[] } {
  let parts = comparisons.get(node);
  if (!parts) {
    parts = readComparisonParts(node);
    comparisons.set(node, parts);
  }
  return { values: [...parts.values], operators: [...parts.operators] };
}

function readComparisonParts(node: Node): { values: Node[]; operators: string[] } {
  const values: Node[] = [];
  const operators: string[] = [];
  for (let index = 0; index < node.childCount; index++) {
    const child = node.child(index)!;
    if (node.fieldNameForChild(index) === 'operators') operators.push(child.type.replace(/\s+/g, ' '));
    else if (child.isNamed && child.type !== 'comment') values.push(child);
  }
  return { values, operators };
}

function evaluate(state: EvalState, raw: Node): PyValue {
  if (state.depth > 12) throw new CannotEvaluate();
  const node = unparenthesize(raw);
  const { module } = state;
  switch (node.type) {
    case 'string':
    case 'concatenated_string': {
      const value = stringValue(module, node);
      if (value === null) throw new CannotEvaluate();
      return value;
    }
    case 'integer':
      if (/^\d+$/.test(node.text)) return Number(node.text);
      throw new CannotEvaluate();
    case 'true':
      return true;
    case 'false':
      return false;
    case 'none':
      return null;
    case 'identifier': {
      if (qualifiedName(module, node) === 'os.environ') return ENVIRON;
      const assigned = module.assignments.get(node.text);
      if (!assigned || module.imports.has(node.text)) throw new CannotEvaluate();
      return evaluate({ ...state, depth: state.depth + 1 }, assigned.value);
    }
    case 'not_operator': {
      const argument = node.childForFieldName('argument');
      if (!argument) throw new CannotEvaluate();
      return !truthy(evaluate(state, argument));
    }
    case 'boolean_operator': {
      const left = node.childForFieldName('left');
      const right = node.childForFieldName('right');
      const operator = node.childForFieldName('operator')?.type;
      if (!left || !right) throw new CannotEvaluate();
      const leftValue = evaluate(state, left);
      if (operator === 'and') return truthy(leftValue) ? evaluate(state, right) : leftValue;
      if (operator === 'or') return truthy(leftValue) ? leftValue : evaluate(state, right);
      throw new CannotEvaluate();
    }
    case 'comparison_operator':
      return evaluateComparison(state, node);
    case 'call':
      return evaluateCall(state, node);
    case 'subscript': {
      const value = node.childForFieldName('value');
      const key = node.childForFieldName('subscript');
      if (qualifiedName(module, value) !== 'os.environ' || !key) throw new CannotEvaluate();
      const name = stringValue(module, key);
      if (name === null) throw new CannotEvaluate();
      const found = state.env.get(name);
      if (found === undefined) throw new PyRaise('KeyError', node);
      return found;
    }
    case 'attribute':
      if (qualifiedName(module, node) === 'os.environ') return ENVIRON;
      throw new CannotEvaluate();
    case 'tuple':
    case 'list':
    case 'set':
      return operands(node).map((element) => {
        if (element.type === 'list_splat') throw new CannotEvaluate();
        return evaluate(state, element);
      });
    case 'conditional_expression': {
      const [whenTrue, test, whenFalse] = operands(node);
      if (!whenTrue || !test || !whenFalse) throw new CannotEvaluate();
      return truthy(evaluate(state, test)) ? evaluate(state, whenTrue) : evaluate(state, whenFalse);
    }
    default:
      throw new CannotEvaluate();
  }
}

function evaluateComparison(state: EvalState, node: Node): PyValue {
  const { values, operators } = comparisonParts(node);
  if (values.length !== operators.length + 1) throw new CannotEvaluate();
  let left = evaluate(state, values[0]!);
  for (let index = 0; index < operators.length; index++) {
    const right = evaluate(state, values[index + 1]!);
    if (!compare(state, operators[index]!, left, right, node)) return false;
    left = right;
  }
  return true;
}

function compare(state: EvalState, operator: string, left: PyValue, right: PyValue, node: Node): boolean {
  switch (operator) {
    case '==':
      return pyEquals(left, right);
    case '!=':
      return !pyEquals(left, right);
    case 'is':
    case 'is not': {
      let same: boolean;
      if (left === null || right === null) same = left === right;
      else if (typeof left === 'boolean' && typeof right === 'boolean') same = left === right;
      else throw new CannotEvaluate();
      return operator === 'is' ? same : !same;
    }
    case 'in':
    case 'not in': {
      let found: boolean;
      if (right === ENVIRON) {
        if (typeof left !== 'string') throw new CannotEvaluate();
        found = state.env.get(left) !== undefined;
      } else if (Array.isArray(right)) {
        found = right.some((item) => pyEquals(left, item));
      } else if (typeof right === 'string') {
        if (typeof left !== 'string') throw new PyRaise('TypeError', node);
        found = right.includes(left);
      } else {
        throw new CannotEvaluate();
      }
      return operator === 'in' ? found : !found;
    }
    default:
      throw new CannotEvaluate();
  }
}

function evaluateCall(state: EvalState, node: Node): PyValue {
  const { module } = state;
  const name = calleeName(module, node);
  const args = callArguments(node);
  if (args.hasSplat) throw new CannotEvaluate();
  if (name && ENV_GETTERS.has(name)) {
    const keyNode = args.positional[0] ?? args.keywords.get('key') ?? null;
    const key = stringValue(module, keyNode);
    if (key === null) throw new CannotEvaluate();
    const defaultNode = args.positional[1] ?? (name === 'os.getenv' ? args.keywords.get('default') : undefined);
    const found = state.env.get(key);
    if (found !== undefined) return found;
    return defaultNode ? evaluate(state, defaultNode) : null;
  }
  if (name === 'bool' && !module.imports.has('bool') && args.positional.length === 1 && args.keywords.size === 0) {
    return truthy(evaluate(state, args.positional[0]!));
  }
  const callee = node.childForFieldName('function');
  if (callee?.type === 'attribute' && args.positional.length === 0 && args.keywords.size === 0) {
    const method = callee.childForFieldName('attribute')?.text ?? '';
    const transform = STRING_METHODS[method];
    const object = callee.childForFieldName('object');
    if (transform && object) {
      const value = evaluate(state, object);
      if (typeof value === 'string') return transform(value);
      if (value === null) throw new PyRaise('AttributeError', unparenthesize(object), method);
    }
  }
  throw new CannotEvaluate();
}

interface EnvRead {
  name: string | null;
  nameNode: Node | null;
  node: Node;
  viaConstant: boolean;
}

/** Every environment read in the condition, following module constants. */
function scanEnvReads(module: PyModule, node: Node, viaConstant: boolean, depth: number, out: EnvRead[]): void {
  if (depth > 12) return;
  if (node.type === 'call') {
    const name = calleeName(module, node);
    if (name && ENV_GETTERS.has(name)) {
      const args = callArguments(node);
      const keyNode = args.positional[0] ?? args.keywords.get('key') ?? null;
      out.push({ name: stringValue(module, keyNode), nameNode: keyNode, node, viaConstant });
    }
  } else if (node.type === 'subscript') {
    if (qualifiedName(module, node.childForFieldName('value')) === 'os.environ') {
      const key = node.childForFieldName('subscript');
      out.push({ name: stringValue(module, key), nameNode: key, node, viaConstant });
    }
  } else if (node.type === 'comparison_operator') {
    const { values, operators } = comparisonParts(node);
    operators.forEach((operator, index) => {
      if ((operator === 'in' || operator === 'not in') && qualifiedName(module, values[index + 1] ?? null) === 'os.environ') {
        const key = values[index] ?? null;
        out.push({ name: stringValue(module, key), nameNode: key, node, viaConstant });
      }
    });
  } else if (node.type === 'identifier') {
    const parent = node.parent;
    const isAttributeField = parent?.type === 'attribute' && parent.childForFieldName('attribute')?.id === node.id;
    const isKeywordName = parent?.type === 'keyword_argument' && parent.childForFieldName('name')?.id === node.id;
    const assigned = module.assignments.get(node.text);
    if (!isAttributeField && !isKeywordName && assigned && !module.imports.has(node.text)) {
      scanEnvReads(module, assigned.value, true, depth + 1, out);
    }
    return;
  }
  for (const child of node.namedChildren) scanEnvReads(module, child, viaConstant, depth + 1, out);
}

const NOT_GATE_MODULES = new Set(['sys', 'platform', 'shutil', 'importlib', 'importlib.util', 'socket', 'os.path']);
const NOT_GATE_BUILTINS = new Set(['len', 'bool', 'isinstance', 'hasattr', 'callable', 'int', 'str', 'tuple', 'any', 'all']);

/** A condition made only of platform and interpreter facts: plainly not the integration gate. */
function isPlainlyNotGate(module: PyModule, node: Node, depth = 0): boolean {
  if (depth > 12) return false;
  let rooted = false;
  const heads = node.descendantsOfType('identifier').filter((identifier) => {
    const parent = identifier.parent;
    if (parent?.type === 'attribute' && parent.childForFieldName('attribute')?.id === identifier.id) return false;
    if (parent?.type === 'keyword_argument' && parent.childForFieldName('name')?.id === identifier.id) return false;
    return true;
  });
  for (const head of heads) {
    const binding = module.imports.get(head.text);
    if (binding) {
      const full = binding.name ? `${binding.module}.${binding.name}` : binding.module;
      if (!NOT_GATE_MODULES.has(full) && !NOT_GATE_MODULES.has(binding.module)) {
        // `os.name`, `os.sep`: the os module itself, as long as nothing reads the environment.
        const chain = head.parent?.type === 'attribute' ? head.parent.text : '';
        if (!(full === 'os' && /^os\.(name|sep|path\.\w+)$/.test(chain))) return false;
      }
      rooted = true;
      continue;
    }
    if (NOT_GATE_BUILTINS.has(head.text)) continue;
    const assigned = module.assignments.get(head.text);
    if (assigned && isPlainlyNotGate(module, assigned.value, depth + 1)) {
      rooted = true;
      continue;
    }
    return false;
  }
  return rooted;
}

/** Judges a skip condition against the configured gate. */
export function classifyCondition(module: PyModule, node: Node, config: Config, context: ConditionContext): ConditionVerdict {
  const reads: EnvRead[] = [];
  scanEnvReads(module, node, false, 0, reads);
  if (reads.length === 0) return { ...UNKNOWN_VERDICT, kind: isPlainlyNotGate(module, node) ? 'not-gate' : 'unknown' };
  if (reads.some((read) => read.name === null)) return UNKNOWN_VERDICT;
  const names = new Set(reads.map((read) => read.name!));
  if (names.size !== 1) return UNKNOWN_VERDICT;
  const variable = [...names][0]!;
  const direct = reads.every((read) => !read.viaConstant);
  const nameNode = reads.find((read) => !read.viaConstant)?.nameNode ?? reads[0]!.nameNode;
  const base: ConditionVerdict = { ...UNKNOWN_VERDICT, variable, direct, nameNode };

  /** true: skips; false: runs; PyRaise: raises; null: cannot tell. */
  const skips = (value: string | undefined): boolean | PyRaise | null => {
    try {
      const result = evaluate({ module, env: new Map([[variable, value]]), depth: 0 }, node);
      if (result === ENVIRON) return null;
      // pytest evaluates a string returned by a skipif condition as code: not a gate we can judge.
      if (context === 'skipif' && typeof result === 'string') return null;
      return truthy(result);
    } catch (error) {
      if (error instanceof PyRaise) return error;
      if (error instanceof CannotEvaluate) return null;
      throw error;
    }
  };

  const gateValue = config.gateValue;
  const offValue = gateValue === 'false' ? '0' : 'false';
  const unset = skips(undefined);
  if (unset === null) return base;
  if (unset instanceof PyRaise) {
    if (variable !== config.gateVariable || unset.error === 'TypeError') return base;
    return {
      ...base,
      kind: 'weak',
      problem: 'raises',
      raised: { error: unset.error, node: unset.node, ...(unset.method ? { method: unset.method } : {}) },
    };
  }
  const onGate = skips(gateValue);
  const off = skips(offValue);
  if (typeof onGate !== 'boolean' || typeof off !== 'boolean') return base;
  const candidates = new Set<string>([gateValue, 'true', '1', 'yes', 'on', 'True', 'TRUE']);
  for (const literal of node.descendantsOfType('string')) {
    const value = stringValue(module, literal);
    if (value !== null && value !== variable) candidates.add(value);
  }
  const opener = [...candidates].find((candidate) => skips(candidate) === false) ?? null;

  if (variable !== config.gateVariable) {
    if (!unset) return { ...base, kind: 'not-gate' };
    if (opener !== null) return { ...base, kind: 'weak', problem: 'other-variable', opensOn: opener };
    return base;
  }
  if (unset && !onGate && off) return { ...base, kind: 'correct' };
  if (!unset && onGate) return { ...base, kind: 'weak', problem: 'inverted' };
  if (unset && !onGate && !off) return { ...base, kind: 'weak', problem: 'presence-only' };
  if (unset && onGate) {
    return opener === null ? base : { ...base, kind: 'weak', problem: 'wrong-value', opensOn: opener };
  }
  // Runs when unset and when set to the gate value: whether it skips on some other value (`== "skip"`)
  // or never (`== "never"`), a plain `pytest` runs the suite.
  if (!unset && !onGate) return { ...base, kind: 'weak', problem: 'runs-when-unset' };
  return base;
}

// ---------------------------------------------------------------------------------------------
// Marks and where conditions sit
// ---------------------------------------------------------------------------------------------

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
}

const cache = new WeakMap<PyModule, Map<string, ModuleGate>>();

export function analyzeModuleGate(module: PyModule, config: Config): ModuleGate {
  const key = `${config.gateVariable}\u0000${config.gateValue}`;
  let byConfig = cache.get(module);
  if (!byConfig) {
    byConfig = new Map();
    cache.set(module, byConfig);
  }
  const cached = byConfig.get(key);
  if (cached) return cached;
  const gate = computeModuleGate(module, config);
  byConfig.set(key, gate);
  return gate;
}

function isPytestSkipCall(module: PyModule, node: Node): boolean {
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
  };

  // Every binding of `pytestmark` outside functions and classes; only one plain assignment can be read.
  // Both questions below need the text `pytestmark` where the node starts (an assignment starts with its
  // target, a call with its callee's object): other nodes are not asked about.
  const markOffsets = new Set<number>();
  for (let at = module.file.text.indexOf('pytestmark'); at >= 0; at = module.file.text.indexOf('pytestmark', at + 1)) markOffsets.add(at);
  const atMark = (node: Node): boolean => markOffsets.size > 0 && markOffsets.has(nodeSpan(node)[0]);
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
  const itemGated = (decorators: Node[], classBody: Node | null): boolean => {
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
  for (const fn of module.functions) {
    const gated = itemGated(fn.decorators, null);
    if (!fn.className && fn.name.startsWith('test')) tests.push({ gated });
  }
  for (const [name, node] of module.classes) {
    const decorators = node.parent?.type === 'decorated_definition'
      ? node.parent.namedChildren.filter((child) => child.type === 'decorator').map((child) => child.namedChild(0)).filter((child): child is Node => child !== null)
      : [];
    const gated = itemGated(decorators, node.childForFieldName('body'));
    if (name.startsWith('Test')) tests.push({ gated });
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

// ---------------------------------------------------------------------------------------------
// Directory gates in conftests, and what the pytest configuration leaves out of a plain run
// ---------------------------------------------------------------------------------------------

export interface DirectoryGate {
  conftest: SourceFile;
  how: string;
}

const READS_SWITCH = /\b(getenv|environ)\b|getoption\s*\(|\bconfig\.option\.|\boption\.\w+/;

/** Does code read a switch a gate can hang on: an environment variable, a pytest option, the gate variable? */
export function readsSwitch(text: string, config: Config): boolean {
  return READS_SWITCH.test(text) || text.includes(config.gateVariable);
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

/** Why a plain `pytest` run leaves this module out, from the project's pytest configuration; null when it does not. */
export function plainRunExclusion(suite: Suite, file: SourceFile, markNames: Set<string>): string | null {
  const pytest = suite.project.pytest;
  const base = pytest.source ? path.dirname(pytest.source) : suite.project.root;
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

/** pytest's marker expression language (`not`, `and`, `or`, parentheses, names); null when it cannot be read. */
export function evaluateMarkExpression(expression: string, marks: Set<string>): boolean | null {
  const tokens = expression.match(/\(|\)|[^\s()]+/g) ?? [];
  let position = 0;
  const peek = () => tokens[position];
  const parseOr = (): boolean | null => {
    let value = parseAnd();
    while (value !== null && peek() === 'or') {
      position++;
      const right = parseAnd();
      if (right === null) return null;
      value = value || right;
    }
    return value;
  };
  const parseAnd = (): boolean | null => {
    let value = parseNot();
    while (value !== null && peek() === 'and') {
      position++;
      const right = parseNot();
      if (right === null) return null;
      value = value && right;
    }
    return value;
  };
  const parseNot = (): boolean | null => {
    const token = peek();
    if (token === undefined) return null;
    if (token === 'not') {
      position++;
      const inner = parseNot();
      return inner === null ? null : !inner;
    }
    if (token === '(') {
      position++;
      const inner = parseOr();
      if (peek() !== ')') return null;
      position++;
      return inner;
    }
    if (token === ')' || token === 'and' || token === 'or' || !/^[\w.:+\-[\]\\/]+$/.test(token)) return null;
    position++;
    return marks.has(token);
  };
  const result = parseOr();
  return position === tokens.length ? result : null;
}

// ---------------------------------------------------------------------------------------------
// Messages and fixes
// ---------------------------------------------------------------------------------------------

export function canonicalReason(config: Config): string {
  return `Integration tests disabled. Set ${config.gateVariable}=${config.gateValue} to run.`;
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
  const variable = config.gateVariable;
  const value = config.gateValue;
  const shown = `\`${shortText(node)}\``;
  switch (verdict.problem) {
    case 'presence-only':
      return `${shown} only checks that ${variable} is set, so it runs the suite when ${variable}=false (or any other value); the gate must skip unless ${variable} is exactly "${value}"`;
    case 'inverted':
      return `${shown} is inverted: it skips the suite when ${variable}=${value} and runs it when ${variable} is unset`;
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
      return `the gate reads ${verdict.variable ?? 'another variable'} instead of the gate variable ${variable}: a run with ${variable}=${value} still skips this module, and ${verdict.variable ?? 'that variable'} alone runs it`;
    default:
      return `${shown} does not mean "skip unless ${variable}=${value}"`;
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
  if (verdict.variable !== config.gateVariable) return null;
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
  const replacement = `${getenv}(${name}) != ${pyString(config.gateValue)}`;
  return {
    applicability: 'safe',
    message: `Rewrite the condition to \`${replacement}\``,
    edits: [{ file, start: condition.node.startIndex, end: condition.node.endIndex, text: replacement }],
  };
}

function canonicalSkipif(config: Config, eol: string, indent: string): string {
  return [
    'pytest.mark.skipif(',
    `${indent}    os.getenv(${pyString(config.gateVariable)}) != ${pyString(config.gateValue)},`,
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
    message: `Add \`pytestmark = pytest.mark.skipif(os.getenv(${pyString(config.gateVariable)}) != ${pyString(config.gateValue)}, ...)\``,
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
