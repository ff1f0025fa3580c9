import path from 'node:path';
import { defineRule } from '../src/rule.js';
import { definesTests, pyModule } from '../src/model/python.js';
import { analyzeModuleGate, canonicalCondition, directoryGate, firstTestName, missingGateFix, plainRunExclusion, runtimeSkipGate, shortText } from '../src/model/gate.js';
import { gateSetting } from '../src/config.js';
import { nodeRange } from '../src/source.js';
import { suiteDatabases } from '../src/readers/suite-databases.js';

export default defineRule({
  code: 'SL101',
  name: 'missing-gate',
  summary: 'Integration test module without a `RUN_INTEGRATION_TESTS` gate',
  severity: 'error',
  fix: 'safe',
  get docs() {
    return {
      whatItDoes:
        'Reports a test module of an integration suite that defines tests but has no module-level gate: no `pytestmark` skipif (alone or in a list of marks), no module-level `pytest.skip(..., allow_module_level=True)`, and no conftest that gates the directory.',
      whyItMatters:
        'Without a gate, a plain `pytest` (the unit-test run, a pre-commit hook, an IDE) collects the integration tests and runs them against whatever database answers: the dev database, or none, and the run fails for reasons that have nothing to do with the change. A suite that starts its own PostgreSQL (testcontainers, pytest-postgresql) makes every plain run start a container or server instead, and fail where there is no Docker. A `pytestmark` that only holds `pytest.mark.integration` labels the module; it skips nothing.',
      example:
        'import pytest\n\npytestmark = pytest.mark.integration\n\n\ndef test_health(client):\n    assert client.get("/health").status_code == 200',
      useInstead:
        'import os\n\nimport pytest\n\npytestmark = pytest.mark.skipif(\n    os.getenv("RUN_INTEGRATION_TESTS") != "true",\n    reason="Integration tests disabled. Set RUN_INTEGRATION_TESTS=true to run.",\n)\n\n\ndef test_health(client):\n    assert client.get("/health").status_code == 200',
      exceptions:
        'Silent for modules gated for the whole directory by a conftest (`pytest_collection_modifyitems` that skips or deselects by path or by a marker the module carries; `collect_ignore`, `collect_ignore_glob` or `pytest_ignore_collect` keyed on an environment variable or option; `pytest_runtest_setup` or an autouse fixture calling `pytest.skip`), for a module-level `pytest.skip(..., allow_module_level=True)`, for modules whose every test carries its own skip or starts by calling a helper (of the module or imported from the project) that calls `pytest.skip(...)` when an environment variable or option is off, for a `pytestmark` that cannot be read statically (imported, computed), for modules without tests and for modules outside the suites. When the pytest configuration keeps the module out of a plain run (`testpaths` not covering it, `addopts` with `-m` deselecting its module-level marks or the marks every one of its tests carries), the finding is a warning. `gate-variable` may list several variables: a gate on any of them counts.',
      fixSafety:
        'Safe: inserts the canonical `pytestmark` after the last top-level import (or adds the skipif to an existing `pytestmark` list), and adds `import os` / `import pytest` when missing. For a gate variable that carries a URL (its name ends in `_URL`, `_URI` or `_DSN`, such as `IT_DATABASE_URL`) the condition is `not os.getenv(...)`: set means on, since the runner puts a URL there and any fixed value would skip forever.',
    };
  },
  check({ suite, config, report }) {
    // A suite that starts its own PostgreSQL (testcontainers, pytest-postgresql, the Docker SDK) never
    // reaches "whatever database is up": a plain run starts a container (or a server) instead.
    const own = suiteDatabases(suite).find((db) => db.kind === 'testcontainers' || db.kind === 'pytest-postgresql' || db.kind === 'docker-sdk') ?? null;
    const plainRun = own
      ? `a plain \`pytest\` collects it and starts ${own.label} for it, which needs ${own.kind === 'pytest-postgresql' ? 'PostgreSQL\'s server binaries' : 'Docker'} and slows every unit-test run`
      : 'a plain `pytest` collects it and runs it against whatever database is up';
    for (const file of suite.testModules) {
      const module = pyModule(file);
      if (!module || !definesTests(module)) continue;
      const gate = analyzeModuleGate(module, config);
      if (gate.unanalysable || gate.gated || gate.testsGatedIndividually) continue;
      if (directoryGate(suite, file, gate, config)) continue;
      if (runtimeSkipGate(suite, module, config)) continue;

      const base = path.basename(file.path);
      const marksOnly = gate.pytestmark !== null;
      const ungating = gate.conditions.filter((condition) => condition.verdict.kind === 'not-gate');
      const labels = [...gate.markNames].filter((name) => name !== 'skipif' && name !== 'skip');
      const why = [
        ...(labels.length > 0 ? [`${labels.map((name) => `\`pytest.mark.${name}\``).join(', ')} only label${labels.length === 1 ? 's' : ''} it`] : []),
        ...ungating.map((condition) => `\`${shortText(condition.node, 50)}\` is not the ${config.gateVariable} gate`),
      ].join('; ');
      const what = marksOnly
        ? `\`${base}\` has a \`pytestmark\` but no gate (${why || 'it skips nothing'})`
        : `\`${base}\` defines tests but has no gate`;
      const exclusion = plainRunExclusion(suite, file, gate.markNames, gate.testMarks);
      const message = exclusion
        ? `${what}. The pytest configuration keeps it out of a plain run (${exclusion}), so this is a warning`
        : `${what}: ${plainRun}. Skip it unless ${gateSetting(config)}`;
      const target = marksOnly ? gate.pytestmark!.target : firstTestName(module);
      const range = target
        ? nodeRange(target)
        : { start: { line: 1, column: 1 }, end: { line: 1, column: 1 + (file.text.split(/\r?\n/, 1)[0]?.length ?? 0) } };
      report({
        file,
        range,
        message,
        hint: `Add \`pytestmark = pytest.mark.skipif(${canonicalCondition(config)}, reason="...")\` after the imports.`,
        ...(exclusion ? { severity: 'warning' as const } : {}),
        fix: missingGateFix(gate, config),
      });
    }
  },
});
