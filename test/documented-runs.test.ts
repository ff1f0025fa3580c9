// The document lines that run a script (src/model/documents.ts): counted over every document, and the one
// a message cites is the nearest to the script, not merely the first in the project's order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { clearDocumentCache, documentedDirectRuns, documentedInterpreterRuns } from '../src/model/documents.js';
import { makeTempProject } from './project.js';

const README = (intro: string) => `# ${intro}\n\nRun the suite:\n\n    ./scripts/run.sh\n\nor through bash:\n\n    bash scripts/run.sh\n`;

test('a script named by the README of its own folder and by another copy\'s is cited from its own', () => {
  const root = makeTempProject({
    'README.md': '# Copies\n\nEach copy runs `./scripts/run.sh` from its folder.\n',
    'copies/a/README.md': README('copy a'),
    'copies/a/scripts/run.sh': '#!/bin/sh\necho a\n',
    'copies/b/README.md': README('copy b'),
    'copies/b/scripts/run.sh': '#!/bin/sh\necho b\n',
    'copies/b/docs/setup.md': 'Then `./scripts/run.sh`.\n',
  });
  clearDocumentCache();
  for (const copy of ['a', 'b']) {
    const script = path.join(root, 'copies', copy, 'scripts', 'run.sh');
    const direct = documentedDirectRuns(root, script);
    // Every line that names it by a tail of its path counts: the root README's, both copies'.
    assert.equal(direct.count, 4, `${copy}: count`);
    assert.equal(direct.first?.file, path.join(root, 'copies', copy, 'README.md'), `${copy}: the README of its own copy`);
    assert.equal(direct.first?.line, 5);
    const throughShell = documentedInterpreterRuns(root, script);
    assert.equal(throughShell.count, 2, `${copy}: bash runs, both copies' READMEs`);
    assert.equal(throughShell.first?.file, path.join(root, 'copies', copy, 'README.md'), `${copy}: bash, from its own copy`);
    assert.equal(throughShell.first?.line, 9);
  }
});

test('with no document in the folders above it, the first naming line in document order is cited', () => {
  const root = makeTempProject({
    'docs/a.md': 'Start with `./tools/check.sh`.\n',
    'docs/b.md': 'Or `./tools/check.sh --fast`.\n',
    'tools/check.sh': '#!/bin/sh\n',
  });
  clearDocumentCache();
  const direct = documentedDirectRuns(root, path.join(root, 'tools', 'check.sh'));
  assert.equal(direct.count, 2);
  assert.equal(direct.first?.file, path.join(root, 'docs', 'a.md'));
});
