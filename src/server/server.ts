// `smoke-lint server`: a language server over stdio. Diagnostics for the Python and shell files of a
// suite on open, change (debounced) and save; the whole project's suites are re-linted with the editor's
// unsaved buffers as the engine's overlay, so that a change to a DB script refreshes the conftest's
// findings too. Fixes are offered as quick-fix code actions (safe ones preferred).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import lspNode from 'vscode-languageserver/node';
import type * as Lsp from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { allRules } from '../../rules/index.js';
import { findProjectRoot } from '../discover.js';
import { lint } from '../engine.js';
import type { Diagnostic, RuleDefinition } from '../rule.js';
import { codeActionFor, fileUri, overlaps, toLspDiagnostic } from './convert.js';

const { createConnection, ProposedFeatures, TextDocuments, TextDocumentSyncKind } = lspNode;

/** How long typing must pause before a re-lint. */
const CHANGE_DELAY_MS = 250;

interface Published {
  engine: Diagnostic;
  lsp: Lsp.Diagnostic;
}

export async function runServer(): Promise<void> {
  const rules = new Map<string, RuleDefinition>((await allRules()).map((rule) => [rule.code, rule]));
  const connection = createConnection(ProposedFeatures.all, process.stdin, process.stdout);
  const documents = new TextDocuments(TextDocument);
  /** What was last published, by project root and then by file URI. */
  const published = new Map<string, Map<string, Published[]>>();
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Map<string, Promise<void>>();

  const filePath = (uri: string): string | null => (uri.startsWith('file:') ? fileURLToPath(uri) : null);

  const overlay = (): Map<string, string> => {
    const texts = new Map<string, string>();
    for (const document of documents.all()) {
      const file = filePath(document.uri);
      if (file) texts.set(file, document.getText());
    }
    return texts;
  };

  async function lintProject(root: string): Promise<void> {
    let report;
    try {
      report = await lint({ paths: [root], cwd: root, overlay: overlay() });
    } catch (error) {
      connection.console.error(`smoke-lint: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    for (const error of report.errors) connection.console.warn(`smoke-lint: ${error}`);
    const next = new Map<string, Published[]>();
    for (const diagnostic of report.diagnostics) {
      const uri = fileUri(diagnostic.file.path);
      next.set(uri, [...(next.get(uri) ?? []), { engine: diagnostic, lsp: toLspDiagnostic(diagnostic, rules) }]);
    }
    const previous = published.get(root) ?? new Map<string, Published[]>();
    published.set(root, next);
    for (const uri of previous.keys()) if (!next.has(uri)) await connection.sendDiagnostics({ uri, diagnostics: [] });
    for (const [uri, items] of next) await connection.sendDiagnostics({ uri, diagnostics: items.map((item) => item.lsp) });
  }

  /** One lint per project at a time; a request during a run runs once more after it. */
  function schedule(uri: string, delay: number): void {
    const file = filePath(uri);
    if (!file) return;
    const root = findProjectRoot(path.dirname(file));
    clearTimeout(timers.get(root));
    timers.set(
      root,
      setTimeout(() => {
        timers.delete(root);
        const run = (running.get(root) ?? Promise.resolve()).then(() => lintProject(root));
        running.set(root, run);
        void run.finally(() => {
          if (running.get(root) === run) running.delete(root);
        });
      }, delay),
    );
  }

  connection.onInitialize(() => ({
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
      codeActionProvider: { codeActionKinds: ['quickfix'] },
    },
    serverInfo: { name: 'smoke-lint' },
  }));

  documents.onDidOpen((event) => schedule(event.document.uri, 0));
  documents.onDidChangeContent((event) => schedule(event.document.uri, CHANGE_DELAY_MS));
  documents.onDidSave((event) => schedule(event.document.uri, 0));
  // A closed buffer falls back to the disk's text, which may differ from what was shown.
  documents.onDidClose((event) => schedule(event.document.uri, 0));

  connection.onCodeAction((params) => {
    const actions: Lsp.CodeAction[] = [];
    for (const perFile of published.values()) {
      for (const item of perFile.get(params.textDocument.uri) ?? []) {
        if (!overlaps(item.lsp.range, params.range)) continue;
        const action = codeActionFor(item.engine, item.lsp);
        if (action) actions.push(action);
      }
    }
    return actions;
  });

  documents.listen(connection);
  connection.listen();
}
