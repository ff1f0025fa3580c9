import type Parser from 'tree-sitter';
import path from 'node:path';
import { defineRule } from '../src/rule.js';
import { nodeRange } from '../src/source.js';
import { callArguments, pyModule, qualifiedName, unparenthesize, type PyModule } from '../src/model/python.js';
import { FunctionScope, nodesInScope } from '../src/model/function-scope.js';

type Node = Parser.SyntaxNode;

const SKIP_MARKS = new Set(['pytest.mark.skip', 'pytest.mark.skipif', '_pytest.mark.skip', '_pytest.mark.skipif']);

/** Is this expression (or the name it is bound to) `pytest.mark.skip(...)`, `pytest.mark.skipif(...)` or `pytest.mark.skip`? */
function isSkipMarker(module: PyModule, scope: FunctionScope, node: Node): boolean {
  const expression = scope.resolve(node);
  const target = expression.type === 'call' ? expression.childForFieldName('function') : expression;
  return SKIP_MARKS.has(qualifiedName(module, target) ?? '');
}

/** The innermost `for <name> in ...` around `node`, below `stop`. */
function enclosingLoopOver(node: Node, name: string, stop: Node): Node | null {
  for (let current = node.parent; current && current.id !== stop.id; current = current.parent) {
    if (current.type === 'for_statement') {
      const left = current.childForFieldName('left');
      if (left?.type === 'identifier' && left.text === name) return current;
    }
  }
  return null;
}

/** `item` in `item.add_marker(...)`: using the item only to mark it is no filter. */
function isAddMarkerReceiver(identifier: Node): boolean {
  const parent = identifier.parent;
  return parent?.type === 'attribute' && parent.childForFieldName('object')?.id === identifier.id && parent.childForFieldName('attribute')?.text === 'add_marker';
}

export default defineRule({
  code: 'SL105',
  name: 'collection-hook-unfiltered',
  summary: 'A suite conftest\'s collection hook skips every item of the session',
  severity: 'warning',
  fix: 'none',
  get docs() {
    return {
      whatItDoes:
        'Reports a `pytest_collection_modifyitems` hook in a conftest of an integration suite that adds a skip marker (`item.add_marker(pytest.mark.skip(...))`) to every item it loops over, without looking at the item\'s path, node id or markers.',
      whyItMatters:
        'pytest calls `pytest_collection_modifyitems` once for the whole session, with every collected item, whichever conftest defines it. A hook meant to gate the integration directory therefore also skips the unit tests whenever the gate variable is unset: `pytest` reports everything skipped and CI goes green with nothing tested.',
      example:
        'def pytest_collection_modifyitems(config, items):\n    if os.getenv("RUN_INTEGRATION_TESTS") == "true":\n        return\n    skip = pytest.mark.skip(reason="Set RUN_INTEGRATION_TESTS=true to run.")\n    for item in items:\n        item.add_marker(skip)',
      useInstead:
        'def pytest_collection_modifyitems(config, items):\n    if os.getenv("RUN_INTEGRATION_TESTS") == "true":\n        return\n    skip = pytest.mark.skip(reason="Set RUN_INTEGRATION_TESTS=true to run.")\n    for item in items:\n        if "integration" in item.path.parts:\n            item.add_marker(skip)',
      exceptions:
        'Silent when the loop looks at the item before skipping it (`item.path`, `item.fspath`, `item.nodeid`, `item.location`, `str(item...)`, `item.get_closest_marker(...)`, `"integration" in item.keywords`, or any other use of the item), when it loops over an already filtered list, and on hooks that skip nothing.',
    };
  },
  check({ suite, report }) {
    for (const conftest of suite.conftests) {
      const module = pyModule(conftest);
      if (!module) continue;
      for (const hook of module.functions) {
        if (hook.className || hook.name !== 'pytest_collection_modifyitems' || !hook.parameters.includes('items')) continue;
        const body = hook.node.childForFieldName('body');
        if (!body) continue;
        const scope = new FunctionScope(module, hook);
        for (const call of nodesInScope(body, new Set(['call']))) {
          const callee = call.childForFieldName('function');
          if (callee?.type !== 'attribute' || callee.childForFieldName('attribute')?.text !== 'add_marker') continue;
          const receiver = callee.childForFieldName('object');
          const marker = callArguments(call).positional[0] ?? callArguments(call).keywords.get('marker');
          if (receiver?.type !== 'identifier' || !marker || !isSkipMarker(module, scope, marker)) continue;
          const loop = enclosingLoopOver(call, receiver.text, hook.node);
          const iterable = loop?.childForFieldName('right');
          if (!loop || !iterable || unparenthesize(iterable).type !== 'identifier' || unparenthesize(iterable).text !== 'items') continue;
          // Any other look at the item (its path, node id, markers, keywords...) is a filter: stay silent.
          const loopBody = loop.childForFieldName('body');
          const looksAtItem = (loopBody?.descendantsOfType('identifier') ?? []).some(
            (identifier) => identifier.text === receiver.text && !isAddMarkerReceiver(identifier),
          );
          if (looksAtItem) continue;
          const suiteDir = path.relative(suite.project.root, suite.dir).split(path.sep).join('/');
          report({
            file: conftest,
            range: nodeRange(call),
            message: `\`pytest_collection_modifyitems\` skips every item it is given, but pytest gives it all the items of the session, not only those under ${suiteDir}/: a plain \`pytest\` run skips the unit tests too`,
            hint: `Skip only the suite's items, e.g. \`if "${path.basename(suite.dir)}" in ${receiver.text}.path.parts:\` before \`${receiver.text}.add_marker(...)\`.`,
            related: [{ file: conftest, range: nodeRange(hook.node.childForFieldName('name') ?? hook.node), message: 'the hook, called once for the whole session' }],
          });
        }
      }
    }
  },
});
