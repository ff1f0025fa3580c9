import { defineRule } from '../src/rule.js';
import { pyModule } from '../src/model/python.js';
import { nodeRange } from '../src/source.js';

const COLLECTION_HOOKS = new Set(['pytest_collection_modifyitems', 'pytest_ignore_collect', 'pytest_collect_file']);

export default defineRule({
  code: 'SL104',
  name: 'conftest-pytestmark-ignored',
  summary: '`pytestmark` in a conftest.py gates nothing',
  severity: 'warning',
  fix: 'none',
  docs: {
    whatItDoes: 'Reports a module-level `pytestmark` assignment in a `conftest.py` of an integration suite.',
    whyItMatters:
      'pytest applies `pytestmark` only from test modules and test classes. In a conftest it is an ordinary variable: it looks like it gates the whole directory, but a test module without its own gate runs against whatever database is there when `RUN_INTEGRATION_TESTS` is unset.',
    example:
      '# tests/integration/conftest.py\npytestmark = pytest.mark.skipif(\n    os.getenv("RUN_INTEGRATION_TESTS") != "true",\n    reason="Integration tests disabled. Set RUN_INTEGRATION_TESTS=true to run.",\n)',
    useInstead:
      'Put the `pytestmark` in every test module of the suite, or gate the directory in the conftest with a hook:\n\ndef pytest_collection_modifyitems(config, items):\n    if os.getenv("RUN_INTEGRATION_TESTS") == "true":\n        return\n    skip = pytest.mark.skip(reason="Set RUN_INTEGRATION_TESTS=true to run.")\n    for item in items:\n        if "integration" in item.path.parts:\n            item.add_marker(skip)',
    exceptions: 'Silent when the same conftest also gates through `pytest_collection_modifyitems`, `pytest_ignore_collect` or `collect_ignore`.',
  },
  check({ suite, report }) {
    for (const conftest of suite.conftests) {
      const module = pyModule(conftest);
      if (!module) continue;
      const assignment = module.assignments.get('pytestmark');
      if (!assignment) continue;
      const gatedByHook =
        module.functions.some((fn) => !fn.className && COLLECTION_HOOKS.has(fn.name)) ||
        module.assignments.has('collect_ignore') ||
        module.assignments.has('collect_ignore_glob');
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
