import { defineRule } from '../src/rule.js';
import { nodeRange } from '../src/source.js';
import { runSelection, type NoneReason } from '../src/model/selection.js';
import { runsOutsideSuite } from '../src/model/suite-runs.js';
import { suiteRunners } from '../src/model/runners.js';
import type { Project } from '../src/model/suite.js';

function describe(why: NoneReason, count: number, project: Project): string {
  const tests = count === 1 ? 'the suite\'s only test' : `all ${count} tests of the suite`;
  // The file is named: a run on a suite below a `backend/pytest.ini` reads that one, not the root's.
  const addopts = (config: string | null) => (config ? `the \`addopts\` of ${project.relative(config)}` : 'the pytest configuration\'s `addopts`');
  switch (why.by) {
    case 'mark':
      return why.source === 'command'
        ? `its \`-m "${why.expression}"\` deselects ${tests}`
        : `the \`-m "${why.expression}"\` of ${why.source === 'addopts' ? addopts(why.config) : '`PYTEST_ADDOPTS`'}, which the run never overrides, deselects ${tests}`;
    case 'keyword': {
      const option = `\`-k "${why.expression}"\``;
      const whose = why.source === 'command' ? `its ${option}` : `the ${option} of ${why.source === 'addopts' ? addopts(why.config) : '`PYTEST_ADDOPTS`'}`;
      return `${whose} matches none of the suite's ${count === 1 ? 'test' : `${count} tests`}`;
    }
    case 'ignore':
      return `\`--ignore=${why.written}\` leaves out ${tests}`;
    case 'testpaths':
      return `it names no path, and \`testpaths = ${why.testpaths.join(' ')}\` does not include the suite`;
  }
}

export default defineRule({
  code: 'SL606',
  name: 'runner-selects-no-tests',
  summary: "The runner's pytest run selects none of the suite's tests",
  severity: 'error',
  fix: 'none',
  get docs() {
    return {
      whatItDoes:
        "Reports a pytest run of the runner that collects the integration suite but selects none of its tests: a `-m` expression (from `addopts`, `PYTEST_ADDOPTS` or the command line; the last one wins, as in pytest) that no test's marks satisfy, a `-k` expression that matches none of the tests' names, an `--ignore` of the suite, no path with `testpaths` that leave the suite out; and, in a runner tied to the suite (it lives in the suite, or starts the suite's database), pytest runs whose paths all lie outside the suite. Runners read: shell scripts, GitHub Actions `run:` steps (in their `working-directory`), and Makefile targets (each recipe line expanded as make does, in the Makefile's folder; pytest run through `docker compose run SERVICE pytest ...` counts, its paths read as if the container mounted that folder). Marks are read from `pytestmark` (module and class) and mark decorators.",
      whyItMatters:
        'pytest exits 0 when it deselects everything (exit code 5 only when nothing is collected at all, and `-m` deselection still counts as collected). The database starts, the run is green, and not one integration test ran: the most common form is an `addopts = -m "not integration"` meant for the fast local run, which the integration runner forgets to override.',
      example:
        '# pytest.ini: addopts = -m "not integration"\n#!/usr/bin/env bash\n./tests/integration/scripts/test-db.sh start\nRUN_INTEGRATION_TESTS=true pytest tests',
      useInstead: 'RUN_INTEGRATION_TESTS=true pytest tests -m integration',
      exceptions:
        'Silent on a run of a whole test tree (a folder above the suite, or no path) by a runner that starts no database: that is a unit run that leaves the suite out by design. Silent when the run overrides `addopts` (`-m integration`, `-o addopts=""`), when the tests carry the marks the expression asks for, when the path is the suite or a folder above it, and whenever a piece cannot be read statically: a relative path in a script whose start directory neither its callers nor its layout tell (see the README\'s runner section), a `$VAR` in the options, a `-c FILE` whose file cannot be told or read (one that can is read in place of the configuration pytest would find), `--deselect`/`--ignore-glob`, a conftest hook that changes marks or the collection (`pytest_collection_modifyitems`...), a `pytestmark` or mark decorator that cannot be resolved, a parametrized test for `-k`.',
    };
  },
  check({ suite, config, report }) {
    for (const { runner, shell, run, relation } of suiteRunners(suite).runs) {
      // A run of a whole test tree by a runner that starts no database is a unit run: the suite is left out by design.
      if (relation !== 'inside' && !runner.startsDatabase) continue;
      const selection = runSelection(suite, config, run, relation);
      if (selection.kind !== 'none') continue;
      const passes = runner.kind === 'make' ? '`make` passes' : runner.kind === 'tox' ? '`tox` passes' : 'the run passes';
      const where = runner.kind === 'script' ? 'on the runner\'s command line' : runner.kind === 'make' ? 'in the recipe' : runner.kind === 'tox' ? 'in the command' : 'in the step';
      report({
        file: shell.file,
        range: shell.range(run.command.node),
        message: `${runner.label} runs pytest on \`${suite.name}\`, but ${describe(selection.why, selection.count, suite.project)}: ${passes} with no integration test run`,
        hint: selection.why.by === 'mark' && selection.why.source !== 'command' ? `Select the suite explicitly ${where} (\`-m integration\`, or \`-m ""\` to clear the filter).` : `Make the ${runner.kind === 'script' ? 'runner' : runner.kind === 'make' ? 'recipe' : runner.kind === 'tox' ? 'command' : 'step'} select the suite's tests.`,
      });
    }
    for (const { script, run, suiteTie } of runsOutsideSuite(suite)) {
      const relative = suite.project.relative(script.file.path);
      const paths = run.rawTargets.map((target) => `\`${target}\``).join(', ');
      report({
        file: script.file,
        range: nodeRange(run.command.node),
        message: `\`${relative}\` ${suiteTie} but runs pytest only on ${paths}, outside \`${suite.name}\`: the run passes with no integration test run`,
        hint: `Point pytest at \`${suite.name}\` (or a folder above it).`,
      });
    }
  },
});
