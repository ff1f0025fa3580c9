// The bench's tree: N copies of the bundled example project (fixtures/clean/project), each with unit
// tests and app modules added, so that most files are not part of any suite (as in real repositories).
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The bundled fixture every copy starts from. */
export const FIXTURE = fileURLToPath(new URL('../../../../fixtures/clean/project', import.meta.url));

const UNIT_TESTS = 6;
const APP_MODULES = 5;

function unitTest(index: number): string {
  const cases = Array.from({ length: 8 }, (_, t) => `\n\ndef test_case_${t}():\n    assert compute_${index % APP_MODULES}(${t}) == ${t} * 2\n`).join('');
  return `"""Unit tests: no database, no app."""\nfrom backend.services.service_${index % APP_MODULES} import compute_${index % APP_MODULES}\n${cases}`;
}

function appModule(index: number): string {
  const helpers = Array.from({ length: 6 }, (_, h) => `\n\ndef helper_${h}(value: int) -> int:\n    total = 0\n    for step in range(value):\n        total += step * ${h + 1}\n    return total\n`).join('');
  return `"""Service ${index}."""\nfrom typing import Any\n\n\ndef compute_${index}(value: int) -> int:\n    return value * 2\n${helpers}`;
}

/** Writes `copies` copies under `root/copies/` (root gets its own pyproject.toml: linting `root` is one project). */
export function buildTree(root: string, copies: number): string[] {
  mkdirSync(root, { recursive: true });
  writeFileSync(path.join(root, 'pyproject.toml'), '[project]\nname = "bench-monorepo"\nversion = "0.1.0"\n');
  const dirs: string[] = [];
  for (let copy = 0; copy < copies; copy++) {
    const dir = path.join(root, 'copies', `c${copy}`);
    cpSync(FIXTURE, dir, { recursive: true });
    mkdirSync(path.join(dir, 'backend/tests/unit'), { recursive: true });
    mkdirSync(path.join(dir, 'backend/services'), { recursive: true });
    writeFileSync(path.join(dir, 'backend/services/__init__.py'), '');
    for (let u = 0; u < UNIT_TESTS; u++) writeFileSync(path.join(dir, `backend/tests/unit/test_unit_${u}.py`), unitTest(u));
    for (let m = 0; m < APP_MODULES; m++) writeFileSync(path.join(dir, `backend/services/service_${m}.py`), appModule(m));
    dirs.push(dir);
  }
  return dirs;
}

/** The ast-grep pack: six single-pattern checks comparable to smoke-lint's simplest rules. */
export function writeAstGrepPack(dir: string): string {
  const rules: Array<[string, string, string]> = [
    ['testclient-call', 'python', 'TestClient($$$ARGS)'],
    ['fixture-decorator', 'python', 'pytest.fixture($$$ARGS)'],
    ['override-set', 'python', '$APP.dependency_overrides[$KEY] = $VALUE'],
    ['skipif-gate', 'python', 'pytestmark = pytest.mark.skipif($$$ARGS)'],
    ['create-engine', 'python', 'create_engine($$$ARGS)'],
    ['docker-run', 'bash', 'docker run $$$ARGS'],
  ];
  mkdirSync(path.join(dir, 'rules'), { recursive: true });
  writeFileSync(path.join(dir, 'sgconfig.yml'), 'ruleDirs:\n  - rules\n');
  for (const [id, language, pattern] of rules) {
    writeFileSync(path.join(dir, 'rules', `${id}.yml`), `id: ${id}\nlanguage: ${language}\nseverity: warning\nmessage: ${id}\nrule:\n  pattern: ${JSON.stringify(pattern)}\n`);
  }
  return path.join(dir, 'sgconfig.yml');
}
