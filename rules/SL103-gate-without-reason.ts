import type Parser from 'tree-sitter';
import { defineRule, type Fix } from '../src/rule.js';
import { callArguments, calleeName, pyModule, stringValue, unparenthesize, type PyModule } from '../src/model/python.js';
import { addKeywordEdit, canonicalReason, classifyCondition, pyString, shortText, skipifCalls } from '../src/model/gate.js';
import { nodeRange } from '../src/source.js';
import { isGateVariable } from '../src/config.js';

type Node = Parser.SyntaxNode;

const BOOL_BUILTINS = new Set(['bool', 'isinstance', 'issubclass', 'hasattr', 'callable', 'any', 'all']);
const BOOL_FUNCTIONS = new Set(['os.path.exists', 'os.path.isfile', 'os.path.isdir', 'os.path.islink', 'os.access']);
const BOOL_METHODS = new Set(['startswith', 'endswith', 'isdigit', 'isalpha', 'isalnum', 'isnumeric', 'isspace', 'islower', 'isupper', 'exists', 'is_file', 'is_dir']);

/** Is the expression known to produce a non-string value (a bool, a number)? Unknown values are not. */
function isNonStringValue(module: PyModule, raw: Node, depth = 0): boolean {
  if (depth > 12) return false;
  const node = unparenthesize(raw);
  switch (node.type) {
    case 'comparison_operator':
    case 'not_operator':
    case 'true':
    case 'false':
    case 'integer':
      return true;
    case 'boolean_operator': {
      const left = node.childForFieldName('left');
      const right = node.childForFieldName('right');
      return !!left && !!right && isNonStringValue(module, left, depth + 1) && isNonStringValue(module, right, depth + 1);
    }
    case 'identifier': {
      const assigned = module.assignments.get(node.text);
      return !!assigned && !module.imports.has(node.text) && isNonStringValue(module, assigned.value, depth + 1);
    }
    case 'call': {
      const name = calleeName(module, node);
      if (name && BOOL_BUILTINS.has(name) && !module.imports.has(name) && !module.assignments.has(name)) return true;
      if (name && BOOL_FUNCTIONS.has(name)) return true;
      const callee = node.childForFieldName('function');
      return callee?.type === 'attribute' && BOOL_METHODS.has(callee.childForFieldName('attribute')?.text ?? '');
    }
    default:
      return false;
  }
}

export default defineRule({
  code: 'SL103',
  name: 'gate-without-reason',
  summary: '`skipif(<boolean>)` without `reason=`',
  severity: 'error',
  fix: 'safe',
  get docs() {
    return {
      whatItDoes:
        'Reports `pytest.mark.skipif(...)` with a boolean condition and no `reason=` keyword, in the test modules and conftests of an integration suite (module `pytestmark`, decorators on tests and classes, marks added by hooks). A reason passed as a second positional argument is reported too.',
      whyItMatters:
        'pytest refuses a boolean skipif condition without a reason: collection fails with "you need to specify reason=STRING when using booleans as conditions", whether the condition is true or false. A second positional argument is not the reason: pytest takes it as another condition and evaluates the text as Python.',
      example:
        'pytestmark = pytest.mark.skipif(os.getenv("RUN_INTEGRATION_TESTS") != "true")\n\n@pytest.mark.skipif(sys.platform == "win32", "no docker on Windows")\ndef test_db(client): ...',
      useInstead:
        'pytestmark = pytest.mark.skipif(\n    os.getenv("RUN_INTEGRATION_TESTS") != "true",\n    reason="Integration tests disabled. Set RUN_INTEGRATION_TESTS=true to run.",\n)\n\n@pytest.mark.skipif(sys.platform == "win32", reason="no docker on Windows")\ndef test_db(client): ...',
      exceptions:
        'Silent on string conditions (`skipif("sys.platform == \'win32\'")`, where pytest makes the reason from the condition), on conditions whose type cannot be known statically, and on a conftest `pytestmark` (pytest never applies it; SL104 reports it).',
      fixSafety:
        'Safe: a positional reason string becomes `reason=`; a missing reason on the gate condition gets the canonical "Integration tests disabled. Set RUN_INTEGRATION_TESTS=true to run."; other conditions get no fix (only the author knows their reason).',
    };
  },
  check({ suite, config, report }) {
    const conftests = new Set(suite.conftests.map((file) => file.path));
    for (const file of [...suite.testModules, ...suite.conftests]) {
      const module = pyModule(file);
      if (!module) continue;
      const deadMark = conftests.has(file.path) ? module.assignments.get('pytestmark')?.statement ?? null : null;
      for (const call of skipifCalls(module)) {
        if (deadMark && call.startIndex >= deadMark.startIndex && call.endIndex <= deadMark.endIndex) continue;
        const args = callArguments(call);
        if (args.hasSplat || args.keywords.has('reason')) continue;
        const condition = args.keywords.get('condition') ?? args.positional[0];
        if (!condition || !isNonStringValue(module, condition)) continue;
        const extra = args.keywords.has('condition') ? args.positional : args.positional.slice(1);
        const positionalReason = extra.length === 1 ? extra[0]! : null;
        const reasonText = positionalReason ? stringValue(module, positionalReason) : null;

        let fix: Fix | null = null;
        if (positionalReason && reasonText !== null) {
          fix = {
            applicability: 'safe',
            message: 'Pass the reason as `reason=`',
            edits: [{ file, start: positionalReason.startIndex, end: positionalReason.startIndex, text: 'reason=' }],
          };
        } else if (extra.length === 0) {
          const verdict = classifyCondition(module, condition, config, 'skipif');
          const isGate = isGateVariable(config, verdict.variable) && (verdict.kind === 'correct' || verdict.kind === 'weak');
          const edit = isGate ? addKeywordEdit(file, call, `reason=${pyString(canonicalReason(config))}`) : null;
          if (edit) fix = { applicability: 'safe', message: 'Add the canonical `reason=`', edits: [edit] };
        }

        const message = positionalReason
          ? `\`skipif\` gets its reason as a second positional argument: pytest takes \`${shortText(positionalReason, 50)}\` as another condition, evaluates it as code, and fails collection because the boolean condition has no \`reason=\``
          : `\`skipif\` has a boolean condition but no \`reason=\`: pytest fails collection ("you need to specify reason=STRING when using booleans as conditions"), even when the condition is false`;
        report({
          file,
          range: nodeRange(call),
          message,
          hint: positionalReason ? 'Write `reason="..."` as a keyword argument.' : 'Add `reason="..."` saying how to enable the tests.',
          fix,
        });
      }
    }
  },
});
