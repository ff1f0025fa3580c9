// Clients built by a project helper the suite calls: `def make_client(): return TestClient(app)` in
// `tests/utils.py`, called by a fixture or a test. The helper's module defines no fixture, so it is not
// one of the suite's modules; the client counts all the same, where the helper builds it.
import type Parser from 'tree-sitter';
import type { SourceFile } from '../../source.js';
import { fixtureDecorator, pyModule, unparenthesize, type ImportBinding } from '../python.js';
import { nodesOfType } from '../tree-nodes.js';
import { clientOf } from './clients.js';
import { nodesInOwnScope } from './helpers.js';
import type { ClientUse, SymbolRef } from './types.js';

type Node = Parser.SyntaxNode;

/**
 * The clients built by project functions (not fixtures) that the suite's modules call through an import
 * (`from tests.utils import make_client`, `utils.make_client()`). Only the helper's own body is read,
 * one call deep: a helper of a helper is not followed.
 */
export function helperClients(suiteFiles: SourceFile[], projectTops: Set<string>, resolveName: (file: SourceFile, node: Node) => SymbolRef | null): ClientUse[] {
  const found: ClientUse[] = [];
  const suitePaths = new Set(suiteFiles.map((file) => file.path));
  const seen = new Set<string>();
  for (const file of suiteFiles) {
    const module = pyModule(file);
    if (!module || module.imports.size === 0) continue;
    const resolvedHere = new Map<string, SymbolRef | null>();
    for (const call of nodesOfType(file, 'call')) {
      // Most calls name a builtin, a local or a third-party import by their first word: told from the text
      // at the call's start before asking the tree for the callee (which then finds the same word).
      const first = nameAt(file.text, call.startIndex);
      if (first !== null && !isProjectBinding(module.imports.get(first), projectTops)) continue;
      const callee = call.childForFieldName('function');
      if (!callee) continue;
      const expression = unparenthesize(callee);
      if (expression.type !== 'identifier' && expression.type !== 'attribute') continue;
      // Only names bound by an import can lead to another module: skip builtins and local functions cheaply.
      let head: Node = expression;
      while (head.type === 'attribute') head = head.childForFieldName('object') ?? head;
      const binding = head.type === 'identifier' ? module.imports.get(head.text) : undefined;
      // Only an import of the project's own modules (`pytest.mark`, `httpx.get` lead elsewhere).
      if (!isProjectBinding(binding, projectTops)) continue;
      const text = expression.text;
      if (!resolvedHere.has(text)) resolvedHere.set(text, resolveName(file, expression));
      const symbol = resolvedHere.get(text);
      if (!symbol || symbol.kind !== 'function' || !symbol.fn || !symbol.module || !symbol.filePath) continue;
      if (suitePaths.has(symbol.filePath) || fixtureDecorator(symbol.module, symbol.fn)) continue;
      const key = `${symbol.filePath}:${symbol.fn.node.startIndex}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const body = symbol.fn.node.childForFieldName('body');
      if (!body) continue;
      for (const inner of nodesInOwnScope(body, new Set(['call']))) {
        const client = clientOf(symbol.module, inner);
        if (client) found.push({ file: symbol.module.file, module: symbol.module, call: inner, kind: client.kind, appNode: client.app, fn: symbol.fn });
      }
    }
  }
  return found;
}

function isProjectBinding(binding: ImportBinding | undefined, projectTops: Set<string>): boolean {
  return binding !== undefined && (binding.level !== 0 || projectTops.has(binding.module.split('.')[0]!));
}

const NAME_AT = /[A-Za-z_][A-Za-z0-9_]*/y;

/**
 * The ASCII name written at `at`; null when none starts there, or when a non-ASCII character follows it
 * (Python names may go on in other scripts: then only the tree can tell where the name ends).
 */
function nameAt(text: string, at: number): string | null {
  NAME_AT.lastIndex = at;
  const match = NAME_AT.exec(text);
  if (!match) return null;
  return text.charCodeAt(at + match[0].length) >= 128 ? null : match[0];
}
