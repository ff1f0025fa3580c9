// Gate conditions judged by running them: the expression is evaluated, the way Python would, with
// the gate variable unset, set to the gate value and set to another value. "Skip unless VAR == VALUE"
// skips in the first and last case only; every other outcome has a name (see GateProblem). Whatever
// the evaluator cannot follow (calls it does not know, imported names) makes the verdict `unknown`,
// and the rules stay silent on it.
import type Parser from 'tree-sitter';
import { carriesUrl, isGateVariable, type Config } from '../../config.js';
import { callArguments, calleeName, qualifiedName, stringValue, unparenthesize, type PyModule } from '../python.js';
import { treeNodesOfType } from '../tree-nodes.js';
import { perFile, perNode } from '../../source.js';
import { lookupTable } from '../../lookup-table.js';

type Node = Parser.SyntaxNode;

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

export const UNKNOWN_VERDICT: ConditionVerdict = {
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

const STRING_METHODS = lookupTable<(value: string) => string>({
  lower: (value) => value.toLowerCase(),
  upper: (value) => value.toUpperCase(),
  casefold: (value) => value.toLowerCase(),
  strip: (value) => value.trim(),
  lstrip: (value) => value.replace(/^\s+/, ''),
  rstrip: (value) => value.replace(/\s+$/, ''),
});

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
export function operands(node: Node): Node[] {
  return node.namedChildren.filter((child) => child.type !== 'comment');
}

// A condition is evaluated once per candidate value of the variable: read each comparison once.
const comparisons = perNode<Node, { values: Node[]; operators: string[] }>();

export function comparisonParts(node: Node): { values: Node[]; operators: string[] } {
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

const MAX_SCAN_DEPTH = 12;

/** Every environment read in the condition, following module constants. */
function scanEnvReads(module: PyModule, node: Node, viaConstant: boolean, depth: number, out: EnvRead[]): void {
  if (depth > MAX_SCAN_DEPTH) return;
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
  } else if (node.type === 'comparison_operator' && /\bin\b/.test(node.text)) {
    // Only `in` / `not in` read the environment: a comparison whose text has no `in` word is not split.
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
  // A child one level too deep would return at once: do not fetch the children at all (envVariablesRead
  // scans each candidate node by itself this way).
  if (depth + 1 > MAX_SCAN_DEPTH) return;
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

  // A URL-valued gate variable is on when it holds a URL and off when unset or empty.
  const urlValued = isGateVariable(config, variable) && carriesUrl(variable);
  const gateValue = urlValued ? 'postgresql://user:secret@127.0.0.1:5433/test' : config.gateValue;
  const offValue = urlValued ? '' : gateValue === 'false' ? '0' : 'false';
  const unset = skips(undefined);
  if (unset === null) return base;
  if (unset instanceof PyRaise) {
    if (!isGateVariable(config, variable) || unset.error === 'TypeError') return base;
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

  if (!isGateVariable(config, variable)) {
    if (!unset) return { ...base, kind: 'not-gate' };
    if (opener !== null) return { ...base, kind: 'weak', problem: 'other-variable', opensOn: opener };
    return base;
  }
  // Set means on for a URL: skipping when unset and running on a URL is the whole gate (an empty value may go either way).
  if (urlValued && unset && !onGate) return { ...base, kind: 'correct' };
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

const envReadCache = perFile<Set<string>>();

/** Stands for a variable whose name cannot be read statically (`os.getenv(name)`). */
export const UNKNOWN_VARIABLE = '\u0000unknown';

/**
 * The names of the environment variables a module reads anywhere (`os.getenv`, `os.environ.get`,
 * `[...]`, `in`); UNKNOWN_VARIABLE for a read whose name cannot be known.
 */
export function envVariablesRead(module: PyModule): Set<string> {
  let names = envReadCache.get(module.file);
  if (names) return names;
  names = new Set();
  // Every read goes through `os.environ` or `os.getenv`, whose name the module itself spells (in the read or
  // in its import): a module that spells neither reads no variable, and its nodes need not be scanned.
  const nodes = /environ|getenv/.test(module.file.text) ? treeNodesOfType(module.root.tree, ['call', 'subscript', 'comparison_operator']) : [];
  for (const node of nodes) {
    const reads: EnvRead[] = [];
    // Each candidate node is looked at by itself (its children are candidates of their own).
    scanEnvReads(module, node, false, MAX_SCAN_DEPTH, reads);
    for (const read of reads) names.add(read.name ?? UNKNOWN_VARIABLE);
  }
  envReadCache.set(module.file, names);
  return names;
}
