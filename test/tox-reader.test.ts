// tox.ini as runner shells (src/readers/tox.ts): which environments run, what each command's shell sees
// (the directory, setenv, passenv), substitutions, continuation rows, and positions mapped back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromText } from '../src/source.js';
import { readTox } from '../src/readers/tox.js';
import { pytestRuns } from '../src/model/scripts.js';

const GATE = 'RUN_INTEGRATION_TESTS';

function read(text: string) {
  const config = readTox(fromText('/proj/tox.ini', 'shell', text), [GATE]);
  assert.ok(config, 'the file has test environments');
  return config;
}

test('a named environment inherits commands from [testenv], with its own setenv; [testenv] is only a template when every listed env has a section', () => {
  const text = `[tox]
envlist = integration

[testenv]
changedir = backend
commands =
    {envpython} -m pytest tests/integration \\
        -q {posargs}

[testenv:integration]
setenv =
    ${GATE} = true
    DB_URL = {env:DB_URL:postgresql://localhost:5433/orchard}
`;
  const config = read(text);
  assert.deepEqual(config.envs.map((env) => env.name), ['integration']);
  const [command] = config.envs[0]!.commands;
  assert.ok(command);
  const [run] = pytestRuns(command.script);
  assert.ok(!config.envs.some((env) => env.name === null));
  assert.ok(run);
  assert.equal(run.launcher, 'python -m pytest');
  assert.equal(run.cwd, '/proj/backend');
  assert.deepEqual(run.targets, ['/proj/backend/tests/integration']);
  assert.equal(run.env.get(GATE), 'true');
  assert.equal(run.env.get('DB_URL'), null, 'a value read from the caller is unknown');
  // The pytest word maps back to its column in tox.ini, after the substituted `{envpython}`.
  const offset = text.indexOf('-m pytest');
  const at = run.command.node.startIndex;
  assert.equal(command.toTox(at), text.indexOf('{envpython}'));
  const pytestWord = run.command.args.find((word) => word.value === 'pytest');
  assert.ok(pytestWord);
  assert.equal(command.toTox(pytestWord.node.startIndex), offset + 3);
});

test('[testenv] runs when an environment tox runs has no section; passenv patterns make the gate unknown, not unset', () => {
  const config = read(`[tox]
envlist = py312, lint

[testenv]
passenv = RUN_*
commands = pytest tests

[testenv:lint]
commands =
    - ruff check .
    pytest tests/unit
`);
  assert.deepEqual(config.envs.map((env) => env.name), [null, 'lint']);
  const base = pytestRuns(config.envs[0]!.commands[0]!.script)[0]!;
  assert.ok(base.env.has(GATE));
  assert.equal(base.env.get(GATE), null);
  const lint = config.envs[1]!;
  assert.equal(lint.commands[0]!.ignoreErrors, true);
  assert.equal(lint.commands[1]!.ignoreErrors, false);
  // lint sets no passenv of its own: it takes [testenv]'s, so the gate may come from the caller there too.
  assert.equal(pytestRuns(lint.commands[1]!.script)[0]!.env.get(GATE), null);
});

test('without setenv or passenv the gate is unset: tox hands commands no variable of the caller', () => {
  const config = read(`[testenv:it]
commands = pytest tests/integration
`);
  const run = pytestRuns(config.envs[0]!.commands[0]!.script)[0]!;
  assert.equal(run.env.has(GATE), false);
  assert.equal(read(`[testenv:it]\nsetenv = file|.env\ncommands = pytest tests/integration\n`).envs[0]!.commands.length, 1);
  const fromFile = pytestRuns(read(`[testenv:it]\nsetenv = file|.env\ncommands = pytest tests/integration\n`).envs[0]!.commands[0]!.script)[0]!;
  assert.equal(fromFile.env.get(GATE), null, 'a dotenv file may set it');
});

test('factor-conditional lines apply to the environments whose name has the factors; for [testenv] they are unknown', () => {
  const config = read(`[tox]
envlist = py312, py312-integration

[testenv]
setenv =
    integration: ${GATE} = true
commands =
    unit,integration: pytest tests/integration
    pytest tests/unit

[testenv:py312-integration]
`);
  const [base, integration] = config.envs;
  assert.equal(base?.name, null);
  assert.equal(integration?.name, 'py312-integration');
  // [testenv] runs for py312 and others: whether `integration:` holds cannot be told there.
  assert.deepEqual(base!.commands.map((command) => pytestRuns(command.script)[0]!.rawTargets), [['tests/unit']]);
  assert.equal(pytestRuns(base!.commands[0]!.script)[0]!.env.get(GATE), null);
  // py312-integration has the factor: the command and the setting hold, written without their condition.
  assert.deepEqual(integration!.commands.map((command) => pytestRuns(command.script)[0]!.rawTargets), [['tests/integration'], ['tests/unit']]);
  assert.equal(pytestRuns(integration!.commands[0]!.script)[0]!.env.get(GATE), 'true');
});
