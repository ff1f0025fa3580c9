// `npm run bench`: how much smoke-lint costs over the least any tree-sitter linter must do (read and
// parse every file once), both measured in this run on the same generated monorepo. Ratios, not
// seconds, so that results compare across machines.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { lint } from '../engine.js';
import { walkProject } from '../discover.js';
import { parseText } from '../source.js';

const SUITES = Number(process.env.BENCH_SUITES ?? 40);
const MODULES_PER_SUITE = Number(process.env.BENCH_MODULES ?? 25);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

function generate(root: string): void {
  writeFileSync(path.join(root, 'pyproject.toml'), '[project]\nname = "bench"\nversion = "0.1.0"\n');
  for (let s = 0; s < SUITES; s++) {
    const suite = path.join(root, `services/svc${s}/tests/integration`);
    mkdirSync(path.join(suite, 'scripts'), { recursive: true });
    writeFileSync(path.join(suite, 'conftest.py'), `import pytest\nfrom fastapi.testclient import TestClient\n\nTEST_DB_URL = "postgresql://u:p@localhost:${5433 + s}/db"\n\n\n@pytest.fixture(scope="session")\ndef client():\n    from app.main import app\n    with TestClient(app) as c:\n        yield c\n`);
    writeFileSync(path.join(suite, 'scripts/test-db.sh'), `#!/bin/bash\nPORT=${5433 + s}\ncase "$1" in\n  start)\n    docker rm -f svc${s} 2>/dev/null\n    docker run -d --name svc${s} -p "$PORT:5432" --tmpfs /var/lib/postgresql/data postgres:17\n    ;;\n  stop) docker rm -f svc${s} ;;\nesac\n`);
    for (let m = 0; m < MODULES_PER_SUITE; m++) {
      const tests = Array.from({ length: 20 }, (_, t) => `\n\ndef test_endpoint_${t}(client):\n    response = client.get("/items/${t}")\n    assert response.status_code == 200\n`).join('');
      writeFileSync(path.join(suite, `test_m${m}.py`), `import os\n\nimport pytest\n\npytestmark = pytest.mark.skipif(\n    os.getenv("RUN_INTEGRATION_TESTS") != "true",\n    reason="Integration tests disabled.",\n)\n${tests}`);
    }
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const root = mkdtempSync(path.join(tmpdir(), 'smoke-lint-bench-'));
try {
  generate(root);
  const files = walkProject(root);
  const baseline: number[] = [];
  const full: number[] = [];
  let findings = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let start = performance.now();
    for (const file of walkProject(root)) if (file.language !== 'yaml') parseText(file.language, readFileSync(file.path, 'utf8'));
    baseline.push(performance.now() - start);
    start = performance.now();
    const report = await lint({ paths: [root], cwd: root });
    full.push(performance.now() - start);
    findings = report.diagnostics.length;
  }
  const ratio = median(full) / median(baseline);
  console.log(`files: ${files.length} in ${SUITES} suites; rounds: ${ROUNDS}; findings: ${findings}`);
  console.log(`baseline (walk + read + parse each file once): 1.00`);
  console.log(`smoke-lint (everything, all rules):            ${ratio.toFixed(2)}x the baseline`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
