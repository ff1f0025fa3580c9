import { defineRule, type Fix } from '../src/rule.js';
import { effectiveCommand, type ShellCommand, type ShellRun, type ShellScript } from '../src/model/shell.js';
import { suiteRunners } from '../src/model/runners.js';
import { gateVariablesRead } from '../src/model/gate.js';
import { carriesUrl } from '../src/config.js';
import { runPytestConfig } from '../src/model/suite-pytest-config.js';

/** The gate's value on the way to a run: a prefix assignment on a call (innermost first), else an export in force at the top-level call; null when unknown, undefined when unset. */
function gateOnPath(script: ShellScript, run: ShellRun, variable: string): string | null | undefined {
  for (let i = run.via.length - 1; i >= 0; i--) {
    const word = run.via[i]!.prefixEnv.get(variable);
    if (word) return word.value;
  }
  const top = run.via[0];
  if (!top || top.name === 'trap') return undefined;
  const state = script.exportStateAt(variable, top.start);
  if (state === 'maybe') return null;
  return state === 'yes' ? script.valueOf(variable, top.start) : undefined;
}

export default defineRule({
  code: 'SL601',
  name: 'gate-not-enabled',
  summary: 'The runner runs pytest on the suite without setting the gate variable',
  severity: 'error',
  fix: 'safe',
  get docs() {
    return {
      whatItDoes:
        'Reports a pytest run of the integration suite whose environment does not set the gate variable (`RUN_INTEGRATION_TESTS` by default) to the gate value (`true`): no prefix assignment, no `env X=...`, no `export` in force, no pytest-env entry in the pytest configuration the run reads (`env`, or pytest-env\'s own `[tool.pytest_env]` / `[pytest_env]` table). Also reports a run whose pytest-env entry sets the variable to another value (a TOML `true` is set as `True`): pytest-env overwrites what the run sets, unless the entry is `D:` or `skip_if_set`; that finding has no fix. Runners read: shell scripts; Makefile targets (each recipe line, with the variables the Makefile `export`s); GitHub Actions steps (`run:`, with `env:` at workflow, job and step level and variables an earlier step writes to `$GITHUB_ENV`, in the step\'s `working-directory`), and the project scripts a step calls (`poetry run ./scripts/test`, `bash scripts/ci.sh`: the script\'s pytest run, reported in the script, with the step\'s `env:` and directory); tox environments (`tox.ini` in the project root or a folder down to the suite: `[testenv]` and `[testenv:NAME]` `commands_pre`/`commands`/`commands_post`, each command with the variables `setenv` sets and `passenv` lets through, in `changedir`).',
      whyItMatters:
        'Every test module of the suite skips unless the variable equals the gate value. A runner that forgets it starts the database, collects the suite, skips every test and exits 0: CI goes green with nothing tested.',
      example: '#!/usr/bin/env bash\nset -euo pipefail\n./backend/tests/integration/scripts/test-db.sh start\npytest backend/tests/integration -v',
      useInstead: 'RUN_INTEGRATION_TESTS=true pytest backend/tests/integration -v',
      exceptions:
        'Silent when the variable is exported with the gate value earlier in the script (`export RUN_INTEGRATION_TESTS=true`, or an assignment followed by `export`, or `set -a`), set by `env RUN_INTEGRATION_TESTS=true pytest ...`, set by a pytest-env `env` entry in the pytest configuration the run reads (the file its `-c` names, else the nearest pytest.toml, pytest.ini, pyproject.toml, tox.ini or setup.cfg at or above the folder of the paths it runs, or of its working directory, as pytest picks it), handed to the script by every caller known to run it (a CI step\'s `env:`, a Makefile `export`, a calling script\'s `export` or `X=... bash script.sh`), or set to a value that cannot be known statically (`RUN_INTEGRATION_TESTS="$1"`), or set to any value when the variable carries a URL (`IT_DATABASE_URL`); silent when a value comes from a `${{ ... }}` expression; silent when no module of the suite (test modules, conftests, fixture modules) reads a gate variable, since nothing then skips; also on runs of a whole test tree (`pytest backend/tests`, or `pytest` from above the suite) by a runner that starts no database (no DB script, no `docker compose up`, no postgres job service), where the suite skips by design; and on pytest run inside a container (`docker compose run app pytest`), whose environment comes from the compose service or image.',
      fixSafety:
        'Safe: no fix for a variable that carries a URL (the URL cannot be guessed), nor in tox.ini (tox runs a command without a shell, so the gate belongs in `setenv`). Otherwise the fix puts `RUN_INTEGRATION_TESTS=true ` before the command (before `python -m pytest` or `uv run pytest` as well), or corrects the value of an existing assignment; it changes only the environment of that one command.',
    };
  },
  check({ suite, config, report }) {
    // A suite that never reads a gate variable skips nothing: its runner has nothing to set.
    const read = gateVariablesRead(suite, config);
    if (read.length === 0) return;
    const variable = read[0]!;
    const wanted = config.gateValue;
    // A URL-valued variable is on with any value; only a run that leaves it unset skips everything.
    const urlValued = carriesUrl(variable);
    const root = suite.project.pytest;
    for (const { runner, shell, run, relation } of suiteRunners(suite).runs) {
      // A pytest-env entry in the configuration this run reads sets it.
      const pytest = runPytestConfig(suite, run);
      const fromPlugin = pytest.env.get(variable);
      // An entry that only fills an unset variable (`D:`, `skip_if_set`) gives way to what the run sets.
      const pluginOn = fromPlugin !== undefined && (fromPlugin === wanted || (urlValued && fromPlugin !== ''));
      if (pluginOn && !(pytest.envDefaults.has(variable) && run.env.has(variable))) continue;
      // The project's entry does not reach a run that reads a configuration of its own (`backend/pytest.ini`).
      const shadowed =
        pytest !== root && root.source && pytest.source && root.env.get(variable) === wanted
          ? ` (the \`env\` entry in ${suite.project.relative(root.source)} does not reach it: pytest reads ${suite.project.relative(pytest.source)} instead, the configuration nearest the paths it runs)`
          : '';
      const script = shell.script;
      const command = run.command;
      // In a container the environment is the compose service's or image's, which this rule does not read.
      if (run.container) continue;
      // \`pytest backend/tests\` from a runner that starts no database is a unit run in which the suite skips by design.
      if (relation !== 'inside' && !runner.startsDatabase) continue;
      // pytest-env sets it to another value, over whatever the run sets (unless the entry only fills an unset variable).
      if (fromPlugin !== undefined && !pytest.envDefaults.has(variable) && pytest.envSource) {
        const where = suite.project.relative(pytest.envSource);
        const tomlBoolean = /^(True|False)$/.test(fromPlugin) && fromPlugin.toLowerCase() === wanted;
        report({
          file: shell.file,
          range: shell.range(command.node),
          message: `${runner.label} runs pytest on \`${suite.name}\`, but pytest-env sets \`${variable}=${fromPlugin}\` (${where}) over whatever the run sets, and the suite only runs when it is \`${wanted}\`: every test skips and the run passes with nothing tested`,
          hint: tomlBoolean
            ? `A TOML \`${fromPlugin.toLowerCase()}\` is set as the string \`${fromPlugin}\` (Python's str): write \`${variable} = "${wanted}"\` in pytest-env's table.`
            : `Set it to \`${wanted}\` in pytest-env's entry, or remove the entry and let the runner set it.`,
          fix: null,
        });
        continue;
      }
      if (!run.env.has(variable)) {
        // Inside a function: every path that runs it may set it on the way (`RUN_INTEGRATION_TESTS=true run_tests`,
        // an export before the top-level call); a function nothing calls runs no pytest.
        if (command.functionName) {
          const paths = script.runsOf(command);
          const values = paths.map((path) => gateOnPath(script, path, variable));
          if (paths.length === 0 || values.some((value) => value === null)) continue;
          if (values.every((value) => value === wanted)) continue;
        }
      }
      const value = run.env.has(variable) ? run.env.get(variable)! : undefined;
      if (value === null) continue; // set to something unknown
      if (value === wanted || (urlValued && value)) continue;
      const label = runner.label;
      const at = (node: ShellCommand['node'], text: string): Fix['edits'] | null => {
        const offsets = shell.offsets(node);
        return offsets ? [{ file: shell.file, start: offsets[0], end: offsets[1], text }] : null;
      };
      const effective = effectiveCommand(command);
      const direct = effective.env.get(variable);
      let fix: Fix | null;
      let message: string;
      if (direct && direct.value !== null) {
        const node = direct.node;
        const whole = node.text.startsWith(`${variable}=`);
        const edits = at(node, whole ? `${variable}=${wanted}` : wanted);
        fix = edits && { applicability: 'safe', message: `Set \`${variable}=${wanted}\``, edits };
        message = `${label} runs pytest on \`${suite.name}\` with \`${variable}=${direct.value}\`, but the suite only runs when it is \`${wanted}\`: every test skips and the run passes with nothing tested`;
      } else {
        const edits = at(command.node, '');
        fix = edits && {
          applicability: 'safe',
          message: `Prefix the command with \`${variable}=${wanted}\``,
          edits: edits.map((edit) => ({ ...edit, end: edit.start, text: `${variable}=${wanted} ` })),
        };
        message =
          value === undefined
            ? `${label} runs pytest on \`${suite.name}\` without setting \`${variable}=${wanted}\`: every test skips and the run passes with nothing tested`
            : `${label} runs pytest on \`${suite.name}\` with \`${variable}\` exported as \`${value}\`, but the suite only runs when it is \`${wanted}\`: every test skips and the run passes with nothing tested`;
      }
      // tox runs a command without a shell: a prefix assignment there would be taken for the program.
      if (runner.kind === 'tox') fix = null;
      if (urlValued) {
        // The URL the suite needs cannot be guessed: no fix.
        fix = null;
        message = `${label} runs pytest on \`${suite.name}\` without setting \`${variable}\` to the test database URL: every test skips and the run passes with nothing tested`;
      }
      const setting = urlValued ? `${variable}=<test database URL>` : `${variable}=${wanted}`;
      report({
        file: shell.file,
        range: shell.range(command.node),
        message: message + shadowed,
        hint:
          runner.kind === 'ci'
            ? `Set it in the step's \`env:\` (\`${setting.replace('=', ': "')}"\`), or run it as \`${setting} ${run.launcher} ...\`.`
            : runner.kind === 'make'
              ? `Run it as \`${setting} ${run.launcher} ...\` in the recipe, or \`export ${setting}\` in the Makefile.`
              : runner.kind === 'tox'
                ? `Set it in the environment's \`setenv\` (\`${setting.replace('=', ' = ')}\`): tox hands its commands only the variables \`setenv\` and \`passenv\` name.`
              : `Run it as \`${setting} ${run.launcher} ...\`, or \`export ${setting}\` before it.`,
        fix,
      });
    }
  },
});
