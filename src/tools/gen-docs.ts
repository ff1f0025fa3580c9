// Writes docs/rules/<CODE>-<name>.md from each rule's own documentation (`npm run docs`).
// test/docs.test.ts fails when a page is missing or stale, so the docs cannot drift from the rules.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { allRules } from '../../rules/index.js';
import { formatRuleDocs } from '../report/docs.js';

export const docsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'rules');

export async function renderedDocs(): Promise<Map<string, string>> {
  const pages = new Map<string, string>();
  for (const rule of await allRules()) pages.set(`${rule.code}-${rule.name}.md`, formatRuleDocs(rule));
  return pages;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const pages = await renderedDocs();
  mkdirSync(docsDir, { recursive: true });
  for (const name of readdirSync(docsDir)) if (!pages.has(name)) rmSync(path.join(docsDir, name));
  for (const [name, text] of pages) writeFileSync(path.join(docsDir, name), text);
  console.log(`wrote ${pages.size} pages to ${path.relative(process.cwd(), docsDir)}`);
}
