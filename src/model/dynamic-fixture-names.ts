// Which fixtures a `request.getfixturevalue(name)` with a computed name can request, read from what
// the name is drawn from:
//   - a loop over literal names, `for name in ("pg_session", "sqlite_session")` (or a constant list);
//   - a test parameter that `@pytest.mark.parametrize("name", ["a", "b"])` gives literal values;
//   - `request.param` in a fixture with `params=["a", "b"]`;
//   - the fixture names pytest already resolved (`fixturedef.argnames`, `request.fixturenames`): these
//     are requested anyway, so the call adds no fixture.
// Anything else cannot be known statically. Such a name is taken to request no fixture: the fixture-use
// model serves rules that report on what runs, and a claim that some fixture runs has to rest on code
// that names it (a dynamic name that names nothing readable is no evidence for any one fixture).
import type Parser from 'tree-sitter';
import { callArguments, calleeName, fixtureDecorator, functionInfo, stringValue, unparenthesize, type PyModule } from './python.js';
import { localValue } from './app/paths.js';

type Node = Parser.SyntaxNode;

const MAX_DEPTH = 6;

/** Names pytest resolved before the code runs: a loop over them requests nothing new. */
const RESOLVED_NAMES = new Set(['argnames', 'fixturenames']);

/** The literal strings of a list, tuple or set; null when any element is not one. */
function literalNames(module: PyModule, node: Node, depth: number): string[] | null {
  const expression = unparenthesize(node);
  if (depth > MAX_DEPTH) return null;
  if (expression.type === 'list' || expression.type === 'tuple' || expression.type === 'set') {
    const names: string[] = [];
    for (const element of expression.namedChildren) {
      if (element.type === 'comment') continue;
      const value = stringValue(module, element);
      if (value === null) return null;
      names.push(value);
    }
    return names;
  }
  // `argnames = fixturedef.argnames or ()`: either side.
  if (expression.type === 'boolean_operator') {
    const left = expression.childForFieldName('left');
    const right = expression.childForFieldName('right');
    const a = left ? literalNames(module, left, depth + 1) : null;
    const b = right ? literalNames(module, right, depth + 1) : null;
    return a && b ? [...a, ...b] : null;
  }
  if (expression.type === 'attribute' && RESOLVED_NAMES.has(expression.childForFieldName('attribute')?.text ?? '')) return [];
  if (expression.type === 'call') {
    // `list(...)`, `tuple(...)`, `sorted(...)` of something readable.
    const name = calleeName(module, expression);
    const args = callArguments(expression);
    if ((name === 'list' || name === 'tuple' || name === 'sorted' || name === 'set') && args.positional.length === 1 && !args.hasSplat) {
      return literalNames(module, args.positional[0]!, depth + 1);
    }
    return null;
  }
  if (expression.type === 'identifier') {
    const local = localValue(expression, expression.text);
    if (local === null) return null;
    if (local) return literalNames(module, local, depth + 1);
    const assigned = module.assignments.get(expression.text);
    return assigned ? literalNames(module, assigned.value, depth + 1) : null;
  }
  return null;
}

/** The innermost `for` loop or comprehension clause around `at` that binds `name`: its iterable. */
function loopIterable(at: Node, name: string): Node | null {
  for (let node = at.parent; node; node = node.parent) {
    if (node.type === 'function_definition' || node.type === 'lambda') return null;
    const clauses = node.type === 'for_statement' ? [node] : /comprehension$|^generator_expression$/.test(node.type) ? node.namedChildren.filter((child) => child.type === 'for_in_clause') : [];
    for (const clause of clauses) {
      const left = clause.childForFieldName('left');
      if (left?.type === 'identifier' && left.text === name) return clause.childForFieldName('right');
    }
  }
  return null;
}

/** What is known of a function definition, decorators included. */
function infoOf(fnNode: Node) {
  return functionInfo(fnNode.parent?.type === 'decorated_definition' ? fnNode.parent : fnNode);
}

/** The function definition around a node (not crossing a class). */
function enclosingFunctionNode(at: Node): Node | null {
  for (let node = at.parent; node; node = node.parent) {
    if (node.type === 'function_definition') return node;
    if (node.type === 'class_definition') return null;
  }
  return null;
}

/** `@pytest.mark.parametrize("a, name", [(.., "x"), ...])` on the function: the literal values of `name`. */
function parametrizedNames(module: PyModule, fnNode: Node, name: string): string[] | null {
  const fn = infoOf(fnNode);
  if (!fn) return null;
  for (const decorator of fn.decorators) {
    if (decorator.type !== 'call' || !/(^|\.)mark\.parametrize$/.test(calleeName(module, decorator) ?? '')) continue;
    const args = callArguments(decorator);
    const namesNode = args.positional[0] ?? args.keywords.get('argnames');
    const valuesNode = args.positional[1] ?? args.keywords.get('argvalues');
    if (!namesNode || !valuesNode) continue;
    let argnames: string[] | null;
    const text = stringValue(module, namesNode);
    if (text !== null) argnames = text.split(',').map((part) => part.trim());
    else argnames = literalNames(module, namesNode, 0);
    const index = argnames?.indexOf(name) ?? -1;
    if (index < 0) continue;
    const values = unparenthesize(valuesNode);
    if (values.type !== 'list' && values.type !== 'tuple') return null;
    const found: string[] = [];
    for (const element of values.namedChildren) {
      if (element.type === 'comment') continue;
      let item = unparenthesize(element);
      if (argnames!.length > 1) {
        if (item.type === 'call' && /(^|\.)param$/.test(calleeName(module, item) ?? '')) item = callArguments(item).positional[index] ?? item;
        else if (item.type === 'tuple' || item.type === 'list') item = item.namedChildren.filter((child) => child.type !== 'comment')[index] ?? item;
        else return null;
      } else if (item.type === 'call' && /(^|\.)param$/.test(calleeName(module, item) ?? '')) {
        item = callArguments(item).positional[0] ?? item;
      }
      const value = stringValue(module, item);
      if (value === null) return null;
      found.push(value);
    }
    return found;
  }
  return null;
}

/** `request.param` in a fixture declared with literal `params=[...]`: those values. */
function fixtureParams(module: PyModule, fnNode: Node): string[] | null {
  const fn = infoOf(fnNode);
  if (!fn) return null;
  const decorator = fixtureDecorator(module, fn);
  const params = decorator?.call ? callArguments(decorator.call).keywords.get('params') : null;
  return params ? literalNames(module, params, 0) : null;
}

/**
 * The fixture names a `getfixturevalue(argument)` with a computed argument can request; null when
 * they cannot be read (the caller then counts none).
 */
export function dynamicFixtureNames(module: PyModule, argument: Node): string[] | null {
  const expression = unparenthesize(argument);
  const fnNode = enclosingFunctionNode(expression);
  if (expression.type === 'attribute' && expression.childForFieldName('attribute')?.text === 'param') {
    return fnNode ? fixtureParams(module, fnNode) : null;
  }
  if (expression.type !== 'identifier') return null;
  const name = expression.text;
  const iterable = loopIterable(expression, name);
  if (iterable) return literalNames(module, iterable, 0);
  if (fnNode && infoOf(fnNode)?.parameters.includes(name)) return parametrizedNames(module, fnNode, name);
  const local = localValue(expression, name);
  if (local) {
    const value = stringValue(module, local);
    return value === null ? null : [value];
  }
  return null;
}
