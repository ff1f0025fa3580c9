// The script index reads no model of a script that can neither run pytest nor call another project
// script (src/model/script-index.ts, `runOrCallTest`): these tests hold it to never leaving out a script
// whose model has either, on every fixture project and on scripts written to trip the text test.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { scriptIndex } from '../src/model/script-index.js';
import { pytestRuns, scriptCalls } from '../src/model/scripts.js';
import { caseProject, findCases } from './fixture-case.js';
import { makeTempProject, projectModel, recordLoads } from './project.js';

/**
 * Builds the project's script index, then reads the model of every script the index did not load and
 * checks that it has no pytest run and no call of another of the project's scripts (a call of a file
 * with the name of another script counts, wherever its relative path would lead). Returns the scripts
 * the index did not load, relative to the root.
 */
function unreadScripts(root: string): string[] {
  const project = projectModel(root);
  const loads = recordLoads(project);
  const index = scriptIndex(project);
  const names = new Map<string, number>();
  for (const file of project.files.ofLanguage('shell')) names.set(path.basename(file.path), (names.get(path.basename(file.path)) ?? 0) + 1);
  const unread: string[] = [];
  for (const scriptPath of index.paths) {
    const relative = project.relative(scriptPath);
    if (loads.has(relative)) continue;
    unread.push(relative);
    const script = index.byPath.get(scriptPath);
    assert.ok(script, `${relative} has a model`);
    assert.deepEqual(pytestRuns(script).map((run) => run.launcher), [], `${relative} runs pytest, and the index did not read it`);
    const own = path.basename(scriptPath);
    const calls = scriptCalls(script).filter((call) => {
      if (call.written === null) return false;
      const name = path.posix.basename(call.written);
      return (names.get(name) ?? 0) > (name === own ? 1 : 0);
    });
    assert.deepEqual(calls.map((call) => call.written), [], `${relative} calls another project script, and the index did not read it`);
  }
  return unread;
}

describe('the script index and the scripts it does not read', () => {
  it('leaves out no script with a pytest run or a call, on every fixture project, and leaves some out', () => {
    let unread = 0;
    let scripts = 0;
    for (const fixture of findCases()) {
      const { project, dispose } = caseProject(fixture);
      try {
        scripts += scriptIndex(projectModel(project)).paths.length;
        unread += unreadScripts(project).length;
      } finally {
        dispose();
      }
    }
    assert.ok(scripts > 100, `the fixtures hold scripts (${scripts})`);
    assert.ok(unread > 20 && unread < scripts, `some scripts were not read, and not all (${unread} of ${scripts})`);
  });

  it('reads the scripts whose words name pytest or another script only through quotes, escapes, variables and defaults', () => {
    const root = makeTempProject({
      'tests/integration/test_it.py': 'def test_it():\n    pass\n',
      // A DB script whose usage note names itself, and a script that calls itself: neither calls another.
      'scripts/db-up.sh': '#!/bin/bash\n# Usage: db-up.sh [--fresh]\ndocker run -d --name pg -p 5433:5432 postgres:16\n',
      'scripts/again.sh': '#!/bin/bash\n[ "$1" = --again ] || exec "$(dirname "$0")/again.sh" --again\necho done\n',
      // pytest, split by quotes.
      'scripts/quoted.sh': '#!/bin/bash\npy"test" tests/integration\n',
      // The DB script by its stem, the rest from a variable.
      'scripts/by-stem.sh': '#!/bin/bash\nNAME=db-up\nbash "$(dirname "$0")/$NAME.sh"\n',
      // ... from a default value.
      'scripts/by-default.sh': '#!/bin/bash\nbash "$(dirname "$0")/${DB_SCRIPT:-db-up}.sh"\n',
      // ... with an escaped character in its name.
      'scripts/escaped.sh': '#!/bin/bash\ncd "$(dirname "$0")"\n./db\\-up.sh\n',
    });
    assert.deepEqual(unreadScripts(root).sort(), ['scripts/again.sh', 'scripts/db-up.sh']);
    const project = projectModel(root);
    const index = scriptIndex(project);
    const callers = index.callsTo(path.join(root, 'scripts/db-up.sh')).map(({ script }) => project.relative(script.file.path));
    assert.deepEqual(callers, ['scripts/by-default.sh', 'scripts/by-stem.sh', 'scripts/escaped.sh']);
    const quoted = index.byPath.get(path.join(root, 'scripts/quoted.sh'))!;
    assert.equal(index.runsOf(quoted).length, 1);
  });

  it('fits the start of a script it did not read when a suite reads it, as it fitted every start before', () => {
    const root = makeTempProject({
      'tests/integration/test_it.py': 'def test_it():\n    pass\n',
      'docker/compose.test.yml': 'services:\n  db:\n    image: postgres:16\n',
      // Run from the project root: `docker/` exists there and not beside the script.
      'scripts/db.sh': '#!/bin/bash\ncd docker\ndocker compose -f compose.test.yml up -d\n',
      'scripts/test.sh': '#!/bin/bash\ncd "$(dirname "$0")/.."\npytest tests/integration\n',
    });
    const project = projectModel(root);
    const loads = recordLoads(project);
    const index = scriptIndex(project);
    assert.deepEqual([...loads], ['scripts/test.sh'], 'the index read the runner only');
    const db = index.byPath.get(path.join(root, 'scripts/db.sh'))!;
    assert.deepEqual({ ...index.startOf(db), env: null }, { dir: root, how: 'candidates', env: null });
  });
});
