// The parse floor: the least any tree-sitter linter must do. Walks the tree, reads every .py/.sh file
// and parses it once with the same tree-sitter packages smoke-lint uses; nothing else.
// Usage: node dist/src/tools/bench/floor.js <root>
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseText } from '../../source.js';

function walk(dir: string): number {
  let parsed = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) parsed += walk(full);
    else if (entry.name.endsWith('.py')) (parseText('python', readFileSync(full, 'utf8')), parsed++);
    else if (entry.name.endsWith('.sh')) (parseText('shell', readFileSync(full, 'utf8')), parsed++);
  }
  return parsed;
}

console.log(walk(path.resolve(process.argv[2] ?? '.')));
