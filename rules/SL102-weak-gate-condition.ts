import { defineRule } from '../src/rule.js';
import { pyModule } from '../src/model/python.js';
import {
  analyzeModuleGate,
  canonicalCondition,
  classifyCondition,
  describeWeakness,
  skipifCalls,
  skipifCondition,
  weakConditionFix,
  type GateCondition,
} from '../src/model/gate.js';
import { nodeRange } from '../src/source.js';
import { isGateVariable } from '../src/config.js';

export default defineRule({
  code: 'SL102',
  name: 'weak-gate-condition',
  summary: 'Gate condition that does not mean "skip unless RUN_INTEGRATION_TESTS=true"',
  severity: 'error',
  fix: 'safe',
  get docs() {
    return {
      whatItDoes:
        'Reports a gate whose condition is not "skip unless the gate variable is exactly the gate value": a presence check (`not os.getenv(...)`, `os.getenv(...) is None`, `"X" not in os.environ`), an inverted comparison (`== "true"` in `skipif`), `os.environ["X"]` or `os.getenv("X").lower()` (which raise at collection when the variable is unset), a comparison with another value than the gate value, a default that opens the gate, or another variable than the configured one.',
      whyItMatters:
        'With a presence check, `RUN_INTEGRATION_TESTS=false` runs the suite; an inverted condition runs it exactly when it should not; `os.environ["X"]` turns every plain `pytest` run into a collection error. The gate then protects nothing, or blocks everything.',
      example:
        'pytestmark = pytest.mark.skipif(\n    not os.getenv("RUN_INTEGRATION_TESTS"),\n    reason="Integration tests disabled. Set RUN_INTEGRATION_TESTS=true to run.",\n)',
      useInstead:
        'pytestmark = pytest.mark.skipif(\n    os.getenv("RUN_INTEGRATION_TESTS") != "true",\n    reason="Integration tests disabled. Set RUN_INTEGRATION_TESTS=true to run.",\n)',
      exceptions:
        'Silent on `os.environ.get("X") != "true"`, `os.getenv("X", "") != "true"`, `.lower()`/`.strip()` variants with a default, `not os.getenv("X") == "true"`, reversed operands, a module constant holding the variable name or the whole condition, and on conditions that cannot be evaluated statically. On tests and classes, only conditions reading the gate variable are checked (a skip on another variable there is a different condition, not the gate).',
      fixSafety:
        'Safe where the intent is plain: a presence check, an inverted comparison or `os.environ[...]` is rewritten to `os.getenv("X") != "true"`; `os.getenv("X").lower()` gets the default `""`. No fix for another variable name, another value or an opening default: the author may mean them.',
    };
  },
  check({ suite, config, report }) {
    const seen = new Set<string>();
    const emit = (condition: GateCondition, module: NonNullable<ReturnType<typeof pyModule>>) => {
      const key = `${module.file.path}:${condition.node.startIndex}`;
      if (seen.has(key)) return;
      seen.add(key);
      report({
        file: module.file,
        range: nodeRange(condition.node),
        message: describeWeakness(condition.verdict, condition.node, config),
        hint:
          condition.verdict.problem === 'other-variable'
            ? `Gate on \`${canonicalCondition(config)}\`, or add \`${condition.verdict.variable}\` to \`gate-variable\` in [tool.smoke-lint] if that is a suite's variable.`
            : `Use \`${canonicalCondition(config)}\`.`,
        fix: weakConditionFix(module, condition, config),
      });
    };

    for (const file of suite.testModules) {
      const module = pyModule(file);
      if (!module) continue;
      const gate = analyzeModuleGate(module, config);
      // Another variable is reported only when nothing at module level reads the gate variable.
      const readsGateVariable = gate.conditions.some((condition) => isGateVariable(config, condition.verdict.variable));
      for (const condition of gate.conditions) {
        if (condition.verdict.kind !== 'weak') continue;
        if (condition.verdict.problem === 'other-variable' && readsGateVariable) continue;
        emit(condition, module);
      }
      for (const condition of gate.itemConditions) {
        if (condition.verdict.kind === 'weak' && isGateVariable(config, condition.verdict.variable)) emit(condition, module);
      }
    }

    // Conftest hooks can add skipif marks to items (`item.add_marker(pytest.mark.skipif(...))`).
    for (const conftest of suite.conftests) {
      const module = pyModule(conftest);
      if (!module) continue;
      const deadMark = module.assignments.get('pytestmark')?.statement ?? null;
      for (const call of skipifCalls(module)) {
        if (deadMark && call.startIndex >= deadMark.startIndex && call.endIndex <= deadMark.endIndex) continue;
        const condition = skipifCondition(module, call);
        if (!condition?.expression) continue;
        const verdict = classifyCondition(module, condition.expression, config, 'skipif');
        if (verdict.kind !== 'weak' || !isGateVariable(config, verdict.variable)) continue;
        emit({ origin: 'conftest', holder: call, node: condition.node, isString: condition.isString, verdict }, module);
      }
    }
  },
});
