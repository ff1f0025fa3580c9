// The language server driven over stdio as an editor drives it: initialize, didOpen of an unsaved
// buffer, publishDiagnostics for every file of the suite, codeAction, didChange and didSave.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import rpc from 'vscode-jsonrpc/node';
import { repoRoot } from './helpers.js';
import { tempDir } from './temp-dir.js';

interface Position { line: number; character: number }
interface Range { start: Position; end: Position }
interface LspDiagnostic {
  range: Range;
  severity: number;
  code: string;
  codeDescription?: { href: string };
  source: string;
  message: string;
  relatedInformation?: Array<{ location: { uri: string; range: Range }; message: string }>;
}
interface TextEdit { range: Range; newText: string }
interface CodeAction { title: string; kind: string; isPreferred?: boolean; diagnostics: LspDiagnostic[]; edit: { changes: Record<string, TextEdit[]> } }

let project: string;
let child: ChildProcess;
let connection: rpc.MessageConnection;
const latest = new Map<string, LspDiagnostic[]>();
const waiters: Array<() => void> = [];

const uriOf = (relative: string) => pathToFileURL(path.join(project, relative)).href;
const SCRIPT = 'backend/tests/integration/scripts/test-db.sh';
const CONFTEST = 'backend/tests/integration/conftest.py';
const MODULE = 'backend/tests/integration/test_health.py';

/** Resolves when the last diagnostics published for each URI satisfy `check` (fails after 60 s rather than hang). */
function waitFor(check: (get: (relative: string) => LspDiagnostic[] | undefined) => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const get = (relative: string) => latest.get(uriOf(relative));
    const timer = setTimeout(() => reject(new Error(`no diagnostics where ${what}; last: ${JSON.stringify([...latest])}`)), 60_000);
    const poll = () => {
      if (check(get)) {
        clearTimeout(timer);
        resolve();
      } else {
        waiters.push(poll);
      }
    };
    poll();
  });
}

/** Applies LSP text edits (non-overlapping) to a text. */
function applyEdits(text: string, edits: TextEdit[]): string {
  const lines = text.split('\n');
  const offset = (p: Position) => lines.slice(0, p.line).reduce((sum, line) => sum + line.length + 1, 0) + p.character;
  return [...edits]
    .sort((a, b) => offset(b.range.start) - offset(a.range.start))
    .reduce((result, edit) => result.slice(0, offset(edit.range.start)) + edit.newText + result.slice(offset(edit.range.end)), text);
}

before(async () => {
  project = tempDir('smoke-lint-server-');
  cpSync(path.join(repoRoot, 'fixtures/clean/project'), project, { recursive: true });
  child = spawn(process.execPath, [path.join(repoRoot, 'bin/smoke-lint.js'), 'server', '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  connection = rpc.createMessageConnection(new rpc.StreamMessageReader(child.stdout!), new rpc.StreamMessageWriter(child.stdin!));
  connection.onNotification('textDocument/publishDiagnostics', (params: { uri: string; diagnostics: LspDiagnostic[] }) => {
    latest.set(params.uri, params.diagnostics);
    for (const waiter of waiters.splice(0)) waiter();
  });
  connection.onNotification('window/logMessage', () => {});
  connection.listen();
  const result = (await connection.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(project).href, capabilities: {} })) as {
    capabilities: { codeActionProvider?: unknown; textDocumentSync?: { openClose?: boolean; save?: unknown } };
  };
  assert.ok(result.capabilities.codeActionProvider);
  assert.equal(result.capabilities.textDocumentSync?.openClose, true);
  assert.ok(result.capabilities.textDocumentSync?.save);
  await connection.sendNotification('initialized', {});
});

after(async () => {
  try {
    await connection.sendRequest('shutdown');
    await connection.sendNotification('exit');
  } catch {
    child.kill();
  }
  rmSync(project, { recursive: true, force: true });
});

test('an unsaved DB script on the dev port: findings in the script and in the conftest, with related locations and rule links', async () => {
  const onDisk = readFileSync(path.join(project, SCRIPT), 'utf8');
  const edited = onDisk.replace('DB_PORT="5433"', 'DB_PORT="5432"');
  assert.notEqual(edited, onDisk);
  await connection.sendNotification('textDocument/didOpen', { textDocument: { uri: uriOf(SCRIPT), languageId: 'shellscript', version: 1, text: edited } });
  await waitFor((get) => Boolean(get(SCRIPT)?.some((d) => d.code === 'SL501') && get(CONFTEST)?.some((d) => d.code === 'SL201')), 'SL501 and SL201 appear');

  const sl501 = latest.get(uriOf(SCRIPT))!.find((d) => d.code === 'SL501')!;
  assert.equal(sl501.severity, 1);
  assert.equal(sl501.source, 'smoke-lint');
  assert.match(sl501.codeDescription!.href, /\/docs\/rules\/SL501-dev-port\.md$/);
  const line = edited.split('\n')[sl501.range.start.line]!;
  assert.match(line, /5432|DB_PORT/, 'the range is 0-based, on the publishing line');

  // The conftest was not opened: it is refreshed because its suite's script changed.
  const sl201 = latest.get(uriOf(CONFTEST))!.find((d) => d.code === 'SL201')!;
  assert.ok(sl201.relatedInformation!.some((related) => related.location.uri === uriOf(SCRIPT) && /5432/.test(related.message)));

  // The quick fix for SL501, applied as the editor would, then typed back into the buffer.
  const actions = (await connection.sendRequest('textDocument/codeAction', {
    textDocument: { uri: uriOf(SCRIPT) },
    range: sl501.range,
    context: { diagnostics: [sl501] },
  })) as CodeAction[];
  const fix = actions.find((action) => action.diagnostics.some((d) => d.code === 'SL501'));
  assert.ok(fix, `a quick fix for SL501 among ${JSON.stringify(actions.map((a) => a.title))}`);
  assert.equal(fix.kind, 'quickfix');
  assert.equal(fix.isPreferred, true);
  const fixed = applyEdits(edited, fix.edit.changes[uriOf(SCRIPT)]!);
  assert.doesNotMatch(fixed, /DB_PORT="5432"/);
  await connection.sendNotification('textDocument/didChange', {
    textDocument: { uri: uriOf(SCRIPT), version: 2 },
    contentChanges: [{ text: fixed }],
  });
  await waitFor((get) => get(SCRIPT)?.length === 0 && get(CONFTEST)?.length === 0, 'both files are clean again');
  await connection.sendNotification('textDocument/didClose', { textDocument: { uri: uriOf(SCRIPT) } });
});

test('a saved test module without its gate gets SL101, with the gate as a safe quick fix', async () => {
  const original = readFileSync(path.join(project, MODULE), 'utf8');
  await connection.sendNotification('textDocument/didOpen', { textDocument: { uri: uriOf(MODULE), languageId: 'python', version: 1, text: original } });
  const ungated = original.replace(/pytestmark = pytest\.mark\.skipif\([\s\S]*?\n\)\n/, '');
  assert.notEqual(ungated, original);
  writeFileSync(path.join(project, MODULE), ungated);
  await connection.sendNotification('textDocument/didChange', { textDocument: { uri: uriOf(MODULE), version: 2 }, contentChanges: [{ text: ungated }] });
  await connection.sendNotification('textDocument/didSave', { textDocument: { uri: uriOf(MODULE) } });
  await waitFor((get) => Boolean(get(MODULE)?.some((d) => d.code === 'SL101')), 'SL101 appears');
  const sl101 = latest.get(uriOf(MODULE))!.find((d) => d.code === 'SL101')!;
  const actions = (await connection.sendRequest('textDocument/codeAction', {
    textDocument: { uri: uriOf(MODULE) },
    range: sl101.range,
    context: { diagnostics: [sl101] },
  })) as CodeAction[];
  const fix = actions.find((action) => action.diagnostics.some((d) => d.code === 'SL101'));
  assert.ok(fix);
  const gated = applyEdits(ungated, fix.edit.changes[uriOf(MODULE)]!);
  assert.match(gated, /RUN_INTEGRATION_TESTS/);
  // Nothing is offered where there is no finding.
  const none = (await connection.sendRequest('textDocument/codeAction', {
    textDocument: { uri: uriOf(CONFTEST) },
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    context: { diagnostics: [] },
  })) as CodeAction[];
  assert.deepEqual(none, []);
});
