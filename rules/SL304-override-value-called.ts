import type Parser from 'tree-sitter';
import { defineRule } from '../src/rule.js';
import { nodeRange } from '../src/source.js';
import { callArguments, functionInfo, qualifiedName, unparenthesize, type PyModule } from '../src/model/python.js';
import { appModel, handedOut, nodesInOwnScope, type OverrideSet } from '../src/model/app.js';

type Node = Parser.SyntaxNode;

interface Callee {
  kind: 'generator' | 'value' | 'class' | 'factory' | 'unknown';
  name?: string;
}

/** A `def` (nested in the functions around `at`, or at the module's top level) or a class of this file named `name`. */
function localDefinition(at: Node, name: string): Node | null {
  for (let current: Node | null = at.parent; current; current = current.parent) {
    if (current.type !== 'function_definition' && current.type !== 'module') continue;
    const body = current.type === 'module' ? current : current.childForFieldName('body');
    if (!body) continue;
    for (const statement of body.namedChildren) {
      const definition = statement.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
      if ((definition?.type === 'function_definition' || definition?.type === 'class_definition') && definition.childForFieldName('name')?.text === name) {
        return statement;
      }
    }
  }
  return null;
}

const CALLABLE_FACTORIES = /(^|\.)(partial|Mock|MagicMock|AsyncMock|create_autospec|wraps|lru_cache|cache)$/;

function classify(module: PyModule, set: OverrideSet, call: Node): Callee {
  const callee = call.childForFieldName('function');
  if (!callee) return { kind: 'unknown' };
  const qualified = qualifiedName(module, callee);
  if (qualified && CALLABLE_FACTORIES.test(qualified)) return { kind: 'factory' };
  if (callee.type !== 'identifier') return { kind: 'unknown' };
  const definition = localDefinition(set.node, callee.text);
  if (!definition) return { kind: 'unknown' };
  const inner = definition.type === 'decorated_definition' ? definition.childForFieldName('definition')! : definition;
  if (inner.type === 'class_definition') {
    const body = inner.childForFieldName('body');
    const callable = body?.namedChildren.some((member) => {
      const fn = member.type === 'decorated_definition' ? member.childForFieldName('definition') : member;
      return fn?.type === 'function_definition' && fn.childForFieldName('name')?.text === '__call__';
    });
    // A class with bases may inherit `__call__`; only a plain class is known not to be callable.
    const bases = inner.childForFieldName('superclasses');
    if (callable || (bases && bases.namedChildCount > 0)) return { kind: 'factory' };
    return { kind: 'class', name: callee.text };
  }
  const fn = functionInfo(definition);
  if (!fn) return { kind: 'unknown' };
  if (fn.decorators.length > 0) return { kind: 'unknown' };
  const body = fn.node.childForFieldName('body');
  if (!body) return { kind: 'unknown' };
  if (nodesInOwnScope(body, new Set(['yield'])).length > 0) return { kind: 'generator', name: fn.name };
  const values = handedOut(fn);
  if (values.length === 0) return { kind: 'unknown' };
  const nested = new Set(body.descendantsOfType('function_definition').map((node) => node.childForFieldName('name')?.text ?? ''));
  for (const raw of values) {
    const value = unparenthesize(raw);
    if (value.type === 'lambda') return { kind: 'factory' };
    if (value.type === 'identifier' && nested.has(value.text)) return { kind: 'factory' };
    if (value.type === 'call') {
      const name = qualifiedName(module, value.childForFieldName('function'));
      if (name && CALLABLE_FACTORIES.test(name)) return { kind: 'factory' };
    }
    // A name or attribute could hold anything, a function included.
    if (value.type === 'identifier' || value.type === 'attribute' || value.type === 'subscript') return { kind: 'unknown' };
  }
  return { kind: 'value', name: fn.name };
}

export default defineRule({
  code: 'SL304',
  name: 'override-value-called',
  summary: 'The dependency_overrides value is a call result, not a function',
  severity: 'error',
  fix: 'safe',
  get docs() {
    return {
      whatItDoes:
        'Reports `app.dependency_overrides[get_session] = override_get_session()`: the value is what the override function returns (a generator, a session) instead of the function FastAPI should call.',
      whyItMatters:
        'FastAPI calls the override for every request. A generator object or a session is not callable, so every request that needs the database fails with a 500 (`TypeError: ... object is not callable`), and a generator override opened once would share one session across the whole run anyway.',
      example: 'app.dependency_overrides[get_session] = override_get_session()',
      useInstead: 'app.dependency_overrides[get_session] = override_get_session',
      exceptions:
        'Silent on `lambda: x`, on factories that return a function (a nested `def`, a lambda, `functools.partial`), on mocks (`MagicMock()` is callable), on classes that define or may inherit `__call__`, and on callees defined elsewhere (what they return is not known).',
      fixSafety:
        'Safe when the callee is a `def` of the conftest that yields or returns a non-callable value and takes no arguments here: the parentheses are dropped.',
    };
  },
  check({ suite, report }) {
    const model = appModel(suite);
    for (const set of model.overrides) {
      const value = unparenthesize(set.value);
      if (value.type !== 'call') continue;
      const callee = classify(set.module, set, value);
      if (callee.kind === 'factory' || callee.kind === 'unknown') continue;
      const args = callArguments(value);
      const noArgs = args.positional.length === 0 && args.keywords.size === 0 && !args.hasSplat;
      const calleeText = value.childForFieldName('function')!.text;
      const what =
        callee.kind === 'generator'
          ? `a generator object (\`${callee.name ?? ''}\` yields)`
          : callee.kind === 'class'
            ? `an instance of \`${callee.name}\`, which has no \`__call__\``
            : `what \`${callee.name}\` returns, not a function`;
      report({
        file: set.file,
        range: nodeRange(value),
        message: `The override for \`${set.key.text}\` is \`${value.text}\`: ${what}. FastAPI calls the override on every request, so each request that needs \`${set.key.text}\` fails with "object is not callable"`,
        hint: `Pass the function itself: \`${set.appNode.text}.dependency_overrides[${set.key.text}] = ${calleeText}\`${callee.kind === 'class' ? ' (or a function returning the instance)' : ''}.`,
        fix:
          callee.kind !== 'class' && noArgs
            ? {
                applicability: 'safe',
                message: `Pass \`${calleeText}\` itself`,
                edits: [{ file: set.file, start: value.startIndex, end: value.endIndex, text: calleeText }],
              }
            : null,
      });
    }
  },
});
