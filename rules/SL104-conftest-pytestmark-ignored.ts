import { defineRule } from '../src/rule.js';
import type Parser from 'tree-sitter';
import { pyModule, stringValue, type PyModule } from '../src/model/python.js';
import { nodesOfType } from '../src/model/tree-nodes.js';
import { readsSwitch } from '../src/model/gate.js';
import { isGateVariable, type Config } from '../src/config.js';
import { nodeRange } from '../src/source.js';

const COLLECTION_HOOKS = new Set(['pytest_collection_modifyitems', 'pytest_ignore_collect', 'pytest_collect_file']);
const COLLECT_IGNORE = /^collect_ignore(_glob)?$/;

/** Does this text read the gate variable, directly or through a module constant holding its name? */
function mentionsGate(module: PyModule, text: string, config: Config): boolean {
  // The same switches that make a conftest hook a directory gate for SL101.
  if (readsSwitch(text, config)) return true;
  for (const [name, { value }] of module.assignments) {
    if (isGateVariable(config, stringValue(module, value)) && new RegExp(`\\b${name}\\b`).test(text)) return true;
  }
  return false;
}

/**
 * The conftest also gates the directory: a collection hook that reads the gate variable, or a
 * `collect_ignore`/`collect_ignore_glob` set under a condition on it (at any depth, `=`, `+=`,
 * `.append`/`.extend`). A hook or ignore list that has nothing to do with the gate does not count.
 */
function gatesThroughCollection(module: PyModule, config: Config): boolean {
  for (const fn of module.functions) {
    if (!fn.className && COLLECTION_HOOKS.has(fn.name) && mentionsGate(module, fn.node.text, config)) return true;
  }
  const file = module.file;
  const targets = [
    ...nodesOfType(file, 'assignment').map((node) => node.childForFieldName('left')),
    ...nodesOfType(file, 'augmented_assignment').map((node) => node.childForFieldName('left')),
    ...nodesOfType(file, 'call').map((node) => node.childForFieldName('function')?.childForFieldName('object') ?? null),
  ];
  for (const target of targets) {
    if (!target || target.type !== 'identifier' || !COLLECT_IGNORE.test(target.text)) continue;
    // The statement itself (a conditional expression) or an enclosing `if` must test the gate.
    for (let node: Parser.SyntaxNode | null = target.parent; node; node = node.parent) {
      const tested = node.type === 'if_statement' ? node.childForFieldName('condition')?.text ?? '' : node.type === 'expression_statement' ? node.text : '';
      if (tested && mentionsGate(module, tested, config)) return true;
      if (node.type === 'function_definition') break;
    }
  }
  return false;
}

export default defineRule({
  code: 'SL104',
  name: 'conftest-pytestmark-ignored',
  summary: '`pytestmark` in a conftest.py gates nothing',
  severity: 'warning',
  fix: 'none',
  get docs() {
    return {
      whatItDoes: 'Reports a module-level `pytestmark` assignment in a `conftest.py` of an integration suite.',
      whyItMatters:
        'pytest applies `pytestmark` only from test modules and test classes. In a conftest it is an ordinary variable: it looks like it gates the whole directory, but a test module without its own gate runs against whatever database is there when `RUN_INTEGRATION_TESTS` is unset.',
      example:
        '# tests/integration/conftest.py\npytestmark = pytest.mark.skipif(\n    os.getenv("RUN_INTEGRATION_TESTS") != "true",\n    reason="Integration tests disabled. Set RUN_INTEGRATION_TESTS=true to run.",\n)',
      useInstead:
        'Put the `pytestmark` in every test module of the suite, or gate the directory in the conftest with a hook:\n\ndef pytest_collection_modifyitems(config, items):\n    if os.getenv("RUN_INTEGRATION_TESTS") == "true":\n        return\n    skip = pytest.mark.skip(reason="Set RUN_INTEGRATION_TESTS=true to run.")\n    for item in items:\n        if "integration" in item.path.parts:\n            item.add_marker(skip)',
      exceptions: 'Silent when the same conftest also gates through `pytest_collection_modifyitems`, `pytest_ignore_collect` or `collect_ignore`.',
    };
  },
  check({ suite, config, report }) {
    for (const conftest of suite.conftests) {
      const module = pyModule(conftest);
      if (!module) continue;
      const assignment = module.assignments.get('pytestmark');
      if (!assignment) continue;
      const gatedByHook = gatesThroughCollection(module, config);
      if (gatedByHook) continue;
      const target = assignment.statement.namedChild(0)?.childForFieldName('left') ?? assignment.statement;
      report({
        file: conftest,
        range: nodeRange(target),
        message: '`pytestmark` in a conftest.py is ignored by pytest: it gates no test',
        hint: 'Give each test module its own `pytestmark`, or skip the suite from a `pytest_collection_modifyitems` hook that checks the item path.',
      });
    }
  },
});
