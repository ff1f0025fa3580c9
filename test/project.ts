// Throw-away projects and an in-process command line, for tests that need real files on disk.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { main, type Io } from '../src/cli.js';
import { defaultConfig } from '../src/config.js';
import { walkProject } from '../src/discover.js';
import { Project } from '../src/model/project.js';
import { readPytestConfig } from '../src/model/pytest-config.js';
import type { RuleDefinition } from '../src/rule.js';
import { tempDir } from './temp-dir.js';

/** A project root (with a pyproject.toml that turns SL704 off unless `files` brings its own) holding `files`. */
export function makeTempProject(files: Record<string, string | Buffer>, prefix = 'smoke-lint-test-'): string {
  const root = tempDir(prefix);
  writeFileSync(path.join(root, 'pyproject.toml'), files['pyproject.toml'] ?? '[project]\nname = "demo"\nversion = "0.1.0"\n\n[tool.smoke-lint]\nignore = ["SL704"]\n');
  for (const [relative, content] of Object.entries(files)) {
    if (relative === 'pyproject.toml') continue;
    mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    writeFileSync(path.join(root, relative), content);
  }
  return root;
}

/** The project model of a folder on disk, with the default configuration, as the models' tests read it. */
export function projectModel(root: string, peekedBudget?: number): Project {
  return new Project(root, defaultConfig(), readPytestConfig(root), walkProject(root), undefined, peekedBudget);
}

/**
 * The files the project loads (reads and parses) from now on, by path relative to its root, whether or not
 * it lets them go afterwards: for tests that a model leaves a file unparsed.
 */
export function recordLoads(project: Project): ReadonlySet<string> {
  const loaded = new Set<string>();
  const load = project.load.bind(project);
  project.load = (file) => {
    loaded.add(project.relative(file.path));
    return load(file);
  };
  return loaded;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], cwd: string, rules?: RuleDefinition[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), cwd, env: {}, isTTY: false };
  const code = await main(args, io, rules ? { rules } : {});
  return { code, stdout, stderr };
}

export const GATED_MODULE = `import os

import pytest

pytestmark = pytest.mark.skipif(
    os.getenv("RUN_INTEGRATION_TESTS") != "true",
    reason="Integration tests disabled. Set RUN_INTEGRATION_TESTS=true to run.",
)


def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200
`;
