import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { docsDir, renderedDocs } from '../src/tools/gen-docs.js';

test('docs/rules has an up-to-date page for every rule (run `npm run docs` after changing a rule)', async () => {
  const pages = await renderedDocs();
  const onDisk = existsSync(docsDir) ? readdirSync(docsDir).sort() : [];
  assert.deepEqual(onDisk, [...pages.keys()].sort());
  for (const [name, text] of pages) assert.equal(readFileSync(path.join(docsDir, name), 'utf8'), text, `${name} is stale`);
});
