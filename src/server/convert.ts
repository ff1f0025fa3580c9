// From the engine's diagnostics and fixes to LSP's: 0-based positions, code descriptions linking to the
// rule's page, related locations, and fixes as quick-fix code actions.
import { pathToFileURL } from 'node:url';
import type * as Lsp from 'vscode-languageserver';
import type { Diagnostic, Fix, Range, RuleDefinition } from '../rule.js';
import { positionAt, type SourceFile } from '../source.js';
import { ruleHelpUri } from '../report/common.js';

// The numeric values of LSP's DiagnosticSeverity and CodeActionKind.QuickFix (the protocol's constants).
const SEVERITY: Record<Diagnostic['severity'], Lsp.DiagnosticSeverity> = { error: 1, warning: 2, info: 3 };
const QUICK_FIX = 'quickfix';

export function fileUri(file: string): string {
  return pathToFileURL(file).href;
}

/** The engine's 1-based lines and columns (UTF-16 code units, as LSP's) to LSP's 0-based ones. */
export function lspRange(range: Range): Lsp.Range {
  return {
    start: { line: range.start.line - 1, character: range.start.column - 1 },
    end: { line: range.end.line - 1, character: range.end.column - 1 },
  };
}

export function toLspDiagnostic(diagnostic: Diagnostic, rules: Map<string, RuleDefinition>): Lsp.Diagnostic {
  const rule = rules.get(diagnostic.code);
  return {
    range: lspRange(diagnostic.range),
    severity: SEVERITY[diagnostic.severity],
    code: diagnostic.code,
    ...(rule ? { codeDescription: { href: ruleHelpUri(rule) } } : {}),
    source: 'smoke-lint',
    message: diagnostic.hint ? `${diagnostic.message}\n${diagnostic.hint}` : diagnostic.message,
    relatedInformation: diagnostic.related.map((related) => ({
      location: { uri: fileUri(related.file.path), range: lspRange(related.range) },
      message: related.message,
    })),
  };
}

function offsetRange(file: SourceFile, start: number, end: number): Lsp.Range {
  return lspRange({ start: positionAt(file, start), end: positionAt(file, end) });
}

/**
 * A fix as a workspace edit, or null when part of it cannot be one: a change of a file's mode (SL701)
 * is not a text edit, and is left to `smoke-lint --fix`. New files (SL704) are created, never over
 * an existing one.
 */
export function workspaceEdit(fix: Fix): Lsp.WorkspaceEdit | null {
  if (fix.modes && fix.modes.length > 0) return null;
  const byFile = new Map<string, Lsp.TextEdit[]>();
  for (const edit of fix.edits) {
    const uri = fileUri(edit.file.path);
    byFile.set(uri, [...(byFile.get(uri) ?? []), { range: offsetRange(edit.file, edit.start, edit.end), newText: edit.text }]);
  }
  const creates = fix.creates ?? [];
  if (creates.length === 0) return { changes: Object.fromEntries(byFile) };
  const documentChanges: Lsp.WorkspaceEdit['documentChanges'] = [];
  for (const created of creates) {
    const uri = fileUri(created.path);
    documentChanges.push({ kind: 'create', uri, options: { overwrite: false, ignoreIfExists: true } });
    documentChanges.push({ textDocument: { uri, version: null }, edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: created.text }] });
  }
  for (const [uri, edits] of byFile) documentChanges.push({ textDocument: { uri, version: null }, edits });
  return { documentChanges };
}

export function codeActionFor(diagnostic: Diagnostic, lspDiagnostic: Lsp.Diagnostic): Lsp.CodeAction | null {
  if (!diagnostic.fix) return null;
  const edit = workspaceEdit(diagnostic.fix);
  if (!edit) return null;
  const unsafe = diagnostic.fix.applicability === 'unsafe';
  return {
    title: `${diagnostic.fix.message} (${diagnostic.code}${unsafe ? ', unsafe: check the result' : ''})`,
    kind: QUICK_FIX,
    diagnostics: [lspDiagnostic],
    isPreferred: !unsafe,
    edit,
  };
}

export function overlaps(a: Lsp.Range, b: Lsp.Range): boolean {
  const before = (x: Lsp.Position, y: Lsp.Position) => x.line < y.line || (x.line === y.line && x.character < y.character);
  return !before(a.end, b.start) && !before(b.end, a.start);
}
