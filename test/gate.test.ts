// Unit tests of the gate analysis: the condition classifier on many spellings, mark resolution,
// module-level skips, the marker-expression reader and the fixes' text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig, type Config } from '../src/config.js';
import { fromText } from '../src/source.js';
import { pyModule } from '../src/model/python.js';
import {
  analyzeModuleGate,
  evaluateMarkExpression,
  markExpression,
  missingGateFix,
  weakConditionFix,
  type ConditionVerdict,
  type ModuleGate,
} from '../src/model/gate.js';
import { applyFixesToText } from '../src/fix/apply.js';

let counter = 0;

function gateOf(text: string, config: Config = defaultConfig()): ModuleGate {
  const file = fromText(`/tmp/gate-unit/test_${counter++}.py`, 'python', text);
  const module = pyModule(file);
  assert.ok(module);
  return analyzeModuleGate(module, config);
}

/** The verdict on `cond` written as the module's `pytestmark` skipif condition. */
function verdict(cond: string, imports = 'import os\nimport pytest\n', config: Config = defaultConfig()): ConditionVerdict {
  const gate = gateOf(`${imports}\npytestmark = pytest.mark.skipif(${cond}, reason="r")\n\n\ndef test_a():\n    pass\n`, config);
  assert.equal(gate.conditions.length, 1, `one condition for ${cond}`);
  return gate.conditions[0]!.verdict;
}

function summary(v: ConditionVerdict): string {
  return v.kind === 'weak' ? `weak:${v.problem}` : v.kind;
}

const correct: Array<[string, string?]> = [
  ['os.getenv("RUN_INTEGRATION_TESTS") != "true"'],
  ['os.environ.get("RUN_INTEGRATION_TESTS") != "true"'],
  ['os.getenv("RUN_INTEGRATION_TESTS", "") != "true"'],
  ['os.getenv("RUN_INTEGRATION_TESTS", "false") != "true"'],
  ['os.getenv("RUN_INTEGRATION_TESTS", "false").lower() != "true"'],
  ['os.getenv("RUN_INTEGRATION_TESTS", "").strip().lower() != "true"'],
  ['"true" != os.getenv("RUN_INTEGRATION_TESTS")'],
  ['not os.getenv("RUN_INTEGRATION_TESTS") == "true"'],
  ['not (os.getenv("RUN_INTEGRATION_TESTS") == "true")'],
  ['os.getenv(key="RUN_INTEGRATION_TESTS", default="") != "true"'],
  ['os.getenv("RUN_INTEGRATION_TESTS", "").lower() not in ("1", "true", "yes")'],
  ['os.getenv("RUN_INTEGRATION_TESTS") not in ["true"]'],
  ['os.getenv(GATE) != "true"', 'import os\nimport pytest\nGATE = "RUN_INTEGRATION_TESTS"\n'],
  ['os.getenv(PREFIX + "_TESTS") != "true"', 'import os\nimport pytest\nPREFIX = "RUN_INTEGRATION"\n'],
  ['not RUN', 'import os\nimport pytest\nRUN = os.getenv("RUN_INTEGRATION_TESTS") == "true"\n'],
  ['getenv("RUN_INTEGRATION_TESTS") != "true"', 'from os import getenv\nimport pytest\n'],
  ['environ.get("RUN_INTEGRATION_TESTS") != "true"', 'from os import environ\nimport pytest\n'],
  ['env.getenv("RUN_INTEGRATION_TESTS") != "true"', 'import os as env\nimport pytest\n'],
  ['"os.getenv(\'RUN_INTEGRATION_TESTS\') != \'true\'"'],
];

for (const [cond, imports] of correct) {
  test(`correct gate: ${cond}`, () => {
    assert.equal(summary(verdict(cond, imports)), 'correct');
  });
}

const weak: Array<[string, string, string?]> = [
  ['not os.getenv("RUN_INTEGRATION_TESTS")', 'presence-only'],
  ['not os.environ.get("RUN_INTEGRATION_TESTS")', 'presence-only'],
  ['os.getenv("RUN_INTEGRATION_TESTS") is None', 'presence-only'],
  ['os.environ.get("RUN_INTEGRATION_TESTS") is None', 'presence-only'],
  ['"RUN_INTEGRATION_TESTS" not in os.environ', 'presence-only'],
  ['not bool(os.getenv("RUN_INTEGRATION_TESTS"))', 'presence-only'],
  ['os.getenv("RUN_INTEGRATION_TESTS") == "true"', 'inverted'],
  ['os.getenv("RUN_INTEGRATION_TESTS") is not None', 'inverted'],
  ['"RUN_INTEGRATION_TESTS" in os.environ', 'inverted'],
  ['os.environ["RUN_INTEGRATION_TESTS"] != "true"', 'raises'],
  ['os.getenv("RUN_INTEGRATION_TESTS").lower() != "true"', 'raises'],
  ['os.getenv("RUN_INTEGRATION_TESTS") != "1"', 'wrong-value'],
  ['os.getenv("RUN_INTEGRATION_TESTS", "true") != "true"', 'runs-when-unset'],
  ['os.getenv("RUN_E2E") != "true"', 'other-variable'],
  ['not os.getenv("INTEGRATION")', 'other-variable'],
  ['not ENABLED', 'presence-only', 'import os\nimport pytest\nENABLED = os.getenv("RUN_INTEGRATION_TESTS")\n'],
  ['"not os.getenv(\'RUN_INTEGRATION_TESTS\')"', 'presence-only'],
];

for (const [cond, problem, imports] of weak) {
  test(`weak gate (${problem}): ${cond}`, () => {
    assert.equal(summary(verdict(cond, imports)), `weak:${problem}`);
  });
}

const unknown: string[] = [
  'os.getenv("RUN_INTEGRATION_TESTS")', // a string result: pytest evaluates it as code
  'os.getenv("RUN_INTEGRATION_TESTS") != "true" or not os.getenv("DATABASE_URL")',
  'settings.run_integration is False',
  'helpers.integration_disabled()',
  'os.getenv(NAME) != "true"', // NAME is not a constant of this module
  'not is_enabled("RUN_INTEGRATION_TESTS")',
];

for (const cond of unknown) {
  test(`unknown condition: ${cond}`, () => {
    assert.equal(summary(verdict(cond)), 'unknown');
  });
}

const notGate: string[] = ['sys.platform == "win32"', 'os.getenv("CI") == "true"', 'shutil.which("docker") is None'];
for (const cond of notGate) {
  test(`not a gate: ${cond}`, () => {
    assert.equal(summary(verdict(cond, 'import os\nimport sys\nimport shutil\nimport pytest\n')), 'not-gate');
  });
}

test('the configured variable and value are used', () => {
  const config = { ...defaultConfig(), gateVariable: 'RUN_E2E', gateVariables: ['RUN_E2E'], gateValue: '1' };
  assert.equal(summary(verdict('os.getenv("RUN_E2E") != "1"', undefined, config)), 'correct');
  assert.equal(summary(verdict('os.getenv("RUN_E2E") != "true"', undefined, config)), 'weak:wrong-value');
  assert.equal(summary(verdict('os.getenv("RUN_INTEGRATION_TESTS") != "true"', undefined, config)), 'weak:other-variable');
});

test('pytestmark lists, names bound to marks, and mark-only pytestmark', () => {
  const listed = gateOf('import os\nimport pytest\n\nintegration = pytest.mark.skipif(os.getenv("RUN_INTEGRATION_TESTS") != "true", reason="r")\npytestmark = [pytest.mark.integration, integration]\n\ndef test_a():\n    pass\n');
  assert.equal(listed.gated, true);
  assert.deepEqual([...listed.markNames].sort(), ['integration', 'skipif']);
  assert.equal(summary(listed.conditions[0]!.verdict), 'correct');

  const fromMark = gateOf('import os\nfrom pytest import mark\n\npytestmark = (mark.skipif(os.getenv("RUN_INTEGRATION_TESTS") != "true", reason="r"),)\n\ndef test_a():\n    pass\n');
  assert.equal(summary(fromMark.conditions[0]!.verdict), 'correct');

  const marksOnly = gateOf('import pytest\n\npytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db")]\n\ndef test_a():\n    pass\n');
  assert.equal(marksOnly.gated, false);
  assert.equal(marksOnly.unanalysable, false);

  const imported = gateOf('from tests.marks import integration_gate\n\npytestmark = integration_gate\n\ndef test_a():\n    pass\n');
  assert.equal(imported.unanalysable, true);

  const extended = gateOf('import pytest\n\npytestmark = [pytest.mark.integration]\npytestmark += extra_marks()\n\ndef test_a():\n    pass\n');
  assert.equal(extended.unanalysable, true);

  const platformOnly = gateOf('import sys\nimport pytest\n\npytestmark = pytest.mark.skipif(sys.platform == "win32", reason="r")\n\ndef test_a():\n    pass\n');
  assert.equal(platformOnly.gated, false);
});

test('module-level pytest.skip under the gate condition', () => {
  const skip = gateOf('import os\nimport pytest\n\nif os.getenv("RUN_INTEGRATION_TESTS") != "true":\n    pytest.skip("disabled", allow_module_level=True)\n\ndef test_a():\n    pass\n');
  assert.equal(skip.gated, true);
  assert.equal(summary(skip.conditions[0]!.verdict), 'correct');
  const truthy = gateOf('import os\nimport pytest\n\nif not os.getenv("RUN_INTEGRATION_TESTS"):\n    pytest.skip("disabled", allow_module_level=True)\n\ndef test_a():\n    pass\n');
  assert.equal(summary(truthy.conditions[0]!.verdict), 'weak:presence-only');
  const inverted = gateOf('import os\nimport pytest\n\nif os.getenv("RUN_INTEGRATION_TESTS"):\n    pytest.skip("disabled", allow_module_level=True)\n\ndef test_a():\n    pass\n');
  assert.equal(summary(inverted.conditions[0]!.verdict), 'weak:inverted');
});

test('tests gated one by one', () => {
  const each = gateOf('import os\nimport pytest\n\ngate = pytest.mark.skipif(os.getenv("RUN_INTEGRATION_TESTS") != "true", reason="r")\n\n@gate\ndef test_a():\n    pass\n\n@pytest.mark.skipif(os.getenv("RUN_INTEGRATION_TESTS") != "true", reason="r")\nclass TestB:\n    def test_b(self):\n        pass\n');
  assert.equal(each.gated, false);
  assert.equal(each.testsGatedIndividually, true);
  const some = gateOf('import os\nimport pytest\n\n@pytest.mark.skipif(os.getenv("RUN_INTEGRATION_TESTS") != "true", reason="r")\ndef test_a():\n    pass\n\ndef test_b():\n    pass\n');
  assert.equal(some.testsGatedIndividually, false);
});

test('marker expressions in addopts', () => {
  assert.equal(markExpression('-ra -m "not integration"'), 'not integration');
  assert.equal(markExpression("-m 'not integration and not slow' --strict-markers"), 'not integration and not slow');
  assert.equal(markExpression('-m not integration --strict-markers'), 'not integration');
  assert.equal(markExpression('-m"not e2e"'), 'not e2e');
  assert.equal(markExpression('-q'), null);
  const marks = new Set(['integration']);
  assert.equal(evaluateMarkExpression('not integration', marks), false);
  assert.equal(evaluateMarkExpression('not (slow or integration)', marks), false);
  assert.equal(evaluateMarkExpression('not slow', marks), true);
  assert.equal(evaluateMarkExpression('integration', marks), true);
  assert.equal(evaluateMarkExpression('not (integration', marks), null);
});

function fixed(text: string, fix: ReturnType<typeof missingGateFix>, path: string): string {
  assert.ok(fix);
  return applyFixesToText(text, path, [fix]).text;
}

test('missing-gate fix: canonical block after imports, imports added, CRLF kept', () => {
  const text = '"""Doc."""\r\nfrom app import thing\r\n\r\n\r\ndef test_a():\r\n    pass\r\n';
  const gate = gateOf(text);
  const fix = missingGateFix(gate, defaultConfig());
  const result = fixed(text, fix, gate.module.file.path);
  assert.equal(
    result,
    '"""Doc."""\r\nfrom app import thing\r\nimport os\r\nimport pytest\r\n\r\npytestmark = pytest.mark.skipif(\r\n    os.getenv("RUN_INTEGRATION_TESTS") != "true",\r\n    reason="Integration tests disabled. Set RUN_INTEGRATION_TESTS=true to run.",\r\n)\r\n\r\n\r\ndef test_a():\r\n    pass\r\n',
  );
});

test('missing-gate fix: docstring only, no blank lines after it', () => {
  const text = '"""Doc."""\ndef test_a():\n    pass\n';
  const gate = gateOf(text);
  const result = fixed(text, missingGateFix(gate, defaultConfig()), gate.module.file.path);
  assert.equal(
    result,
    '"""Doc."""\n\nimport os\nimport pytest\n\npytestmark = pytest.mark.skipif(\n    os.getenv("RUN_INTEGRATION_TESTS") != "true",\n    reason="Integration tests disabled. Set RUN_INTEGRATION_TESTS=true to run.",\n)\n\n\ndef test_a():\n    pass\n',
  );
});

test('missing-gate fix: no fix when `os` is bound to something else', () => {
  const gate = gateOf('from fakes import os\n\ndef test_a():\n    pass\n');
  assert.equal(missingGateFix(gate, defaultConfig()), null);
});

test('weak-condition fix rewrites to the canonical comparison, in the module\'s spelling', () => {
  const text = 'from os import getenv, environ\nimport pytest\n\npytestmark = pytest.mark.skipif("RUN_INTEGRATION_TESTS" not in environ, reason="r")\n';
  const gate = gateOf(text);
  const fix = weakConditionFix(gate.module, gate.conditions[0]!, defaultConfig());
  assert.ok(fix);
  assert.equal(
    applyFixesToText(text, gate.module.file.path, [fix]).text,
    'from os import getenv, environ\nimport pytest\n\npytestmark = pytest.mark.skipif(getenv("RUN_INTEGRATION_TESTS") != "true", reason="r")\n',
  );
});

test('weak-condition fix: `.lower()` without a default gets `""`, another variable gets none', () => {
  const text = 'import os\nimport pytest\n\npytestmark = pytest.mark.skipif(os.getenv("RUN_INTEGRATION_TESTS").lower() != "true", reason="r")\n';
  const gate = gateOf(text);
  const fix = weakConditionFix(gate.module, gate.conditions[0]!, defaultConfig());
  assert.ok(fix);
  assert.match(applyFixesToText(text, gate.module.file.path, [fix]).text, /os\.getenv\("RUN_INTEGRATION_TESTS", ""\)\.lower\(\) != "true"/);
  const other = gateOf('import os\nimport pytest\n\npytestmark = pytest.mark.skipif(os.getenv("RUN_E2E") != "true", reason="r")\n');
  assert.equal(weakConditionFix(other.module, other.conditions[0]!, defaultConfig()), null);
});

test('SL101 is a warning when the pytest configuration keeps the module out of a plain run', async () => {
  const { lint } = await import('../src/engine.js');
  const { repoRoot } = await import('./helpers.js');
  const severities: Record<string, string> = {
    'fires-testpaths-downgrade': 'warning',
    'fires-addopts-downgrade': 'warning',
    'fires-docstring-only': 'error',
    'fires-addopts-deselects-every-test-mark': 'warning',
    'fires-addopts-misses-one-unmarked-test': 'error',
  };
  for (const [name, severity] of Object.entries(severities)) {
    const project = `${repoRoot}/fixtures/rules/SL101/${name}/project`;
    const report = await lint({ paths: [project], cwd: project, select: ['SL101'] });
    assert.deepEqual(report.diagnostics.map((d) => d.severity), [severity], name);
  }
});

test('reason keyword is added after a trailing comma, on its own line, with the argument indent', async () => {
  const { addKeywordEdit, skipifCalls } = await import('../src/model/gate.js');
  const cases: Array<[string, string]> = [
    ['m = pytest.mark.skipif(\n    cond,\n)\n', 'm = pytest.mark.skipif(\n    cond,\n    reason="r",\n)\n'],
    ['m = pytest.mark.skipif(\n        cond\n)\n', 'm = pytest.mark.skipif(\n        cond,\n        reason="r"\n)\n'],
    ['m = pytest.mark.skipif(cond,)\n', 'm = pytest.mark.skipif(cond, reason="r")\n'],
    ['m = pytest.mark.skipif(cond)\n', 'm = pytest.mark.skipif(cond, reason="r")\n'],
  ];
  for (const [before, after] of cases) {
    const file = fromText(`/tmp/gate-unit/test_${counter++}.py`, 'python', `import pytest\n${before}`);
    const module = pyModule(file)!;
    const call = skipifCalls(module)[0]!;
    const edit = addKeywordEdit(file, call, 'reason="r"');
    assert.ok(edit);
    const text = file.text.slice(0, edit.start) + edit.text + file.text.slice(edit.end);
    assert.equal(text, `import pytest\n${after}`);
  }
});

test('conditions behind module constants are judged but not rewritten', () => {
  const gate = gateOf('import os\nimport pytest\n\nRUN = os.getenv("RUN_INTEGRATION_TESTS")\npytestmark = pytest.mark.skipif(not RUN, reason="r")\n');
  const condition = gate.conditions[0]!;
  assert.equal(summary(condition.verdict), 'weak:presence-only');
  assert.equal(condition.verdict.direct, false);
  assert.equal(weakConditionFix(gate.module, condition, defaultConfig()), null);
});

test('gate-variable takes a list: a gate on any listed variable is correct, the first one is named and inserted', async () => {
  const { configFromTable } = await import('../src/config.js');
  const config = configFromTable({ 'gate-variable': ['RUN_STOCK_IT', 'RUN_BILLING_IT'], 'gate-value': '1' }, 'test.toml');
  assert.deepEqual(config.gateVariables, ['RUN_STOCK_IT', 'RUN_BILLING_IT']);
  assert.equal(config.gateVariable, 'RUN_STOCK_IT');
  assert.equal(summary(verdict('os.getenv("RUN_BILLING_IT") != "1"', undefined, config)), 'correct');
  assert.equal(summary(verdict('os.getenv("RUN_BILLING_IT") is None', undefined, config)), 'weak:presence-only');
  assert.equal(summary(verdict('os.getenv("RUN_OTHER_IT") != "1"', undefined, config)), 'weak:other-variable');
  assert.throws(() => configFromTable({ 'gate-variable': [] }, 'test.toml'), /gate-variable/);
  assert.throws(() => configFromTable({ 'gate-variable': 3 }, 'test.toml'), /gate-variable/);
});

test('a URL-valued gate variable is on when set: presence checks are correct, a fixed value is not required', async () => {
  const { configFromTable } = await import('../src/config.js');
  const config = configFromTable({ 'gate-variable': 'IT_DATABASE_URL' }, 'test.toml');
  assert.equal(summary(verdict('not os.getenv("IT_DATABASE_URL")', undefined, config)), 'correct');
  assert.equal(summary(verdict('os.environ.get("IT_DATABASE_URL") is None', undefined, config)), 'correct');
  assert.equal(summary(verdict('bool(os.getenv("IT_DATABASE_URL"))', undefined, config)), 'weak:inverted');
  assert.equal(summary(verdict('os.getenv("IT_DATABASE_URL") != "true"', undefined, config)), 'weak:wrong-value');
  // A variable that only looks like a URL by name elsewhere keeps the exact-value rule.
  assert.equal(summary(verdict('not os.getenv("RUN_INTEGRATION_TESTS")')), 'weak:presence-only');
});
