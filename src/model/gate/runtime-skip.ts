// Tests that gate themselves at run time: each test starts by calling a helper (in the module or
// imported from a project module) that calls `pytest.skip(...)` when a switch is off, or starts with
// `if not os.getenv(...): pytest.skip(...)` itself. A plain `pytest` skips every such test, so the
// module is gated even without a module-level `pytestmark`.
import type Parser from 'tree-sitter';
import type { Config } from '../../config.js';
import { appModel } from '../app.js';
import { calleeName, isTestFunction, type FunctionInfo, type PyModule } from '../python.js';
import type { Suite } from '../suite.js';
import { readsSwitch } from './directory.js';

type Node = Parser.SyntaxNode;

const SCOPE_BOUNDARIES = new Set(['function_definition', 'class_definition', 'lambda']);
/** Statements that only bind or call: a gate call may come after these and still be "at the start". */
const SIMPLE_STATEMENTS = new Set(['expression_statement', 'pass_statement']);

/** Calls in a function's own body, nested functions and classes excluded. */
function ownCalls(fn: FunctionInfo): Node[] {
  const found: Node[] = [];
  const visit = (node: Node): void => {
    if (node.type === 'call') found.push(node);
    for (const child of node.namedChildren) if (!SCOPE_BOUNDARIES.has(child.type)) visit(child);
  };
  const body = fn.node.childForFieldName('body');
  if (body) visit(body);
  return found;
}

function isSkipCall(module: PyModule, call: Node): boolean {
  return calleeName(module, call) === 'pytest.skip';
}

/**
 * Does this helper skip the test when a switch is off: it calls `pytest.skip`, and it (or a function
 * of its own module that it calls) reads an environment variable or a pytest option?
 */
function helperSkipsOnSwitch(module: PyModule, fn: FunctionInfo, config: Config): boolean {
  const calls = ownCalls(fn);
  if (!calls.some((call) => isSkipCall(module, call))) return false;
  if (readsSwitch(fn.node.text, config)) return true;
  for (const call of calls) {
    const callee = call.childForFieldName('function');
    if (callee?.type !== 'identifier') continue;
    const local = module.functions.find((other) => !other.className && other.name === callee.text);
    if (local && local !== fn && readsSwitch(local.node.text, config)) return true;
  }
  return false;
}

/** The call a statement makes at its top: `f()`, `x = f()`, `await f()`, `x = await f()`. */
function statementCall(statement: Node): Node | null {
  if (statement.type !== 'expression_statement') return null;
  let expression = statement.namedChild(0);
  if (expression?.type === 'assignment') expression = expression.childForFieldName('right');
  if (expression?.type === 'await') expression = expression.namedChild(0);
  return expression?.type === 'call' ? expression : null;
}

/** `if <reads a switch>: pytest.skip(...)` as a statement of the test itself. */
function inlineSkip(module: PyModule, statement: Node, config: Config): boolean {
  if (statement.type !== 'if_statement') return false;
  const condition = statement.childForFieldName('condition');
  const consequence = statement.childForFieldName('consequence');
  if (!condition || !consequence || !readsSwitch(condition.text, config)) return false;
  return consequence.namedChildren.some((child) => {
    const call = statementCall(child);
    return call !== null && isSkipCall(module, call);
  });
}

/** The name of the gate a test starts with (a helper's name, or `pytest.skip`); null when it has none. */
function startingGate(suite: Suite, module: PyModule, test: FunctionInfo, config: Config): string | null {
  const body = test.node.childForFieldName('body');
  if (!body) return null;
  for (const statement of body.namedChildren) {
    if (statement.type === 'comment' || statement.type === 'import_statement' || statement.type === 'import_from_statement') continue;
    if (inlineSkip(module, statement, config)) return 'pytest.skip';
    if (!SIMPLE_STATEMENTS.has(statement.type)) return null;
    const call = statementCall(statement);
    if (!call) continue; // a docstring or a plain binding
    const callee = call.childForFieldName('function');
    if (callee?.type !== 'identifier') continue;
    const local = module.functions.find((fn) => !fn.className && fn.name === callee.text);
    if (local) {
      if (helperSkipsOnSwitch(module, local, config)) return callee.text;
      continue;
    }
    if (!module.imports.has(callee.text)) continue;
    const symbol = appModel(suite).resolveName(module.file, callee);
    if (symbol?.kind === 'function' && symbol.fn && symbol.module && helperSkipsOnSwitch(symbol.module, symbol.fn, config)) return callee.text;
  }
  return null;
}

/**
 * When every test of the module starts by skipping itself unless a switch is on, the helper's name
 * (or `pytest.skip` for inline skips); null otherwise or when the module has no test functions.
 */
export function runtimeSkipGate(suite: Suite, module: PyModule, config: Config): string | null {
  const tests = module.functions.filter(isTestFunction);
  if (tests.length === 0) return null;
  let gate: string | null = null;
  for (const test of tests) {
    const found = startingGate(suite, module, test, config);
    if (!found) return null;
    gate ??= found;
  }
  return gate;
}
