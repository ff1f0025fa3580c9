import type Parser from 'tree-sitter';
import { defineRule } from '../src/rule.js';
import { lineText, offsetRange } from '../src/source.js';
import type { ShellScript } from '../src/model/shell.js';
import { invocations, modeFacts, suiteShellScripts } from '../src/model/filemode.js';

type Node = Parser.SyntaxNode;

/** Interpreters that are POSIX sh, not bash. */
const POSIX_SHELLS = new Set(['sh', 'dash', 'ash', 'posh']);

interface Bashism {
  node: Node;
  what: string;
}

/** The first bash-only constructs of the script, in document order (a handful is enough for a message). */
function bashisms(script: ShellScript): Bashism[] {
  const found: Bashism[] = [];
  const visit = (node: Node): void => {
    if (found.length >= 5) return;
    switch (node.type) {
      case 'brace_expression':
        found.push({ node, what: `the brace range \`${node.text}\`` });
        return;
      case 'test_command':
        if (node.text.startsWith('[[')) {
          found.push({ node, what: '`[[ ... ]]`' });
          return;
        }
        break;
      case 'array':
        found.push({ node, what: `the array \`${node.text.length > 30 ? `${node.text.slice(0, 27)}...` : node.text}\`` });
        return;
      case 'subscript': {
        const name = node.childForFieldName('name')?.text;
        found.push({ node, what: name === 'BASH_SOURCE' ? '`${BASH_SOURCE[0]}`' : `the array subscript \`${node.text}\`` });
        return;
      }
      case 'ansi_c_string':
        found.push({ node, what: `the \`$'...'\` string \`${node.text}\`` });
        return;
      case 'herestring_redirect':
        found.push({ node, what: 'the here-string `<<<`' });
        return;
      case 'process_substitution':
        found.push({ node, what: 'the process substitution `<(...)`' });
        return;
      case 'function_definition':
        if (node.child(0)?.type === 'function') found.push({ node, what: `\`function ${node.childForFieldName('name')?.text ?? ''}\` (the \`function\` keyword)` });
        break;
      case 'command': {
        const name = node.childForFieldName('name')?.text;
        if (name === 'source') found.push({ node, what: '`source` (POSIX sh has only `.`)' });
        break;
      }
      case 'variable_name':
        if (node.text === 'BASH_SOURCE' && node.parent?.type !== 'subscript') found.push({ node, what: '`$BASH_SOURCE`' });
        break;
      default:
        break;
    }
    for (const child of node.namedChildren) visit(child);
  };
  if (script.file.tree) visit(script.file.tree.rootNode);
  return found.sort((a, b) => a.node.startIndex - b.node.startIndex);
}

/** The shebang with bash in place of sh, keeping the style: `#!/bin/sh -e` → `#!/bin/bash -e`, `#!/usr/bin/env sh` → `#!/usr/bin/env bash`. */
function bashShebang(shebang: string): string | null {
  const env = /^(#!\s*\S*\/env\s+(?:-\S+\s+)*)(sh|dash|ash|posh)\b(.*)$/.exec(shebang);
  if (env) return `${env[1]}bash${env[3]}`;
  const direct = /^#!\s*(\S*\/)?(sh|dash|ash|posh)\b(.*)$/.exec(shebang);
  if (direct) return `#!/bin/bash${direct[3]}`;
  return null;
}

export default defineRule({
  code: 'SL703',
  name: 'bashism-under-sh',
  summary: 'A `#!/bin/sh` script uses bash-only syntax',
  severity: 'error',
  fix: 'safe',
  get docs() {
    return {
      whatItDoes:
        'Reports a DB script or runner of a suite whose shebang names POSIX sh (`#!/bin/sh`, `#!/usr/bin/env sh`, dash) while the script uses bash-only syntax: brace ranges (`{1..30}`), `[[ ]]`, arrays and subscripts (`${BASH_SOURCE[0]}`), `source`, `function f {`, `$\'...\'`, here-strings, process substitution.',
      whyItMatters:
        'On Debian, Ubuntu and in most CI images `sh` is dash. There `for i in {1..30}` loops once over the literal word `{1..30}`, so the readiness wait gives up after one second; `[[` is "not found"; `${BASH_SOURCE[0]}` is a "Bad substitution". The script works on the author\'s machine (where sh may be bash) and fails elsewhere.',
      example: '#!/bin/sh\nfor i in {1..30}; do\n    docker exec "$CONTAINER_NAME" pg_isready -h 127.0.0.1 && exit 0\n    sleep 1\ndone',
      useInstead: '#!/bin/bash\nfor i in {1..30}; do\n    docker exec "$CONTAINER_NAME" pg_isready -h 127.0.0.1 && exit 0\n    sleep 1\ndone',
      exceptions:
        'Silent on `#!/bin/bash` scripts, on POSIX-only `#!/bin/sh` scripts, and on scripts that are not executable and only ever run as `bash path` (bash ignores the shebang then).',
      fixSafety: 'Safe: the fix changes only the interpreter in the shebang, keeping its style and flags (`#!/bin/sh` → `#!/bin/bash`, `#!/usr/bin/env sh` → `#!/usr/bin/env bash`).',
    };
  },
  check({ suite, report }) {
    const project = suite.project;
    for (const script of suiteShellScripts(suite)) {
      if (!script.shebang || !script.interpreter || !POSIX_SHELLS.has(script.interpreter)) continue;
      const found = bashisms(script);
      if (found.length === 0) continue;
      const facts = modeFacts(script.file.path);
      const executable = facts.disk === true || facts.index === '100755';
      const runs = invocations(project, script);
      const direct = runs.directFromScripts.length + runs.directFromDocuments.count;
      if (!executable && direct === 0 && runs.throughInterpreter > 0) continue;
      const file = script.file;
      const relative = project.relative(file.path);
      const shebang = lineText(file, 1);
      const replacement = bashShebang(shebang);
      const first = found[0]!;
      const list = found.map((item) => `${item.what} (line ${item.node.startPosition.row + 1})`).join(', ');
      report({
        file,
        range: offsetRange(file, 0, shebang.length),
        message: `\`${relative}\` runs under \`${script.interpreter}\` (\`${shebang}\`) but uses bash-only syntax: ${list}. Under dash (sh on Debian, Ubuntu and most CI images) ${first.node.type === 'brace_expression' ? `the loop runs once, over the literal word \`${first.node.text}\`` : 'this fails'}`,
        hint: replacement ? `Change the first line to \`${replacement}\`.` : 'Run it with bash.',
        related: found.slice(0, 3).map((item) => ({ file, range: offsetRange(file, item.node.startIndex, item.node.endIndex), message: `bash-only: ${item.what}` })),
        fix: replacement ? { applicability: 'safe', message: `Change the shebang to \`${replacement}\``, edits: [{ file, start: 0, end: shebang.length, text: replacement }] } : null,
      });
    }
  },
});
