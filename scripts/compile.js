#!/usr/bin/env node
// `node scripts/compile.js`: what `tsc -p tsconfig.json` does (type-check, then write dist/ as the
// tsconfig says), with one transformer added to the emit: `for...of` and destructuring over arrays read
// by index (scripts/index-loops.js says why and when). Type errors are reported as tsc reports them, and nothing
// is written when there are any (exit 1); a broken tsconfig exits 2.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { indexLoops } from './index-loops.js';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const pretty = process.stdout.isTTY === true;
const formatHost = {
  getCanonicalFileName: (fileName) => fileName,
  getCurrentDirectory: () => root,
  getNewLine: () => ts.sys.newLine,
};

function report(diagnostics) {
  const text = pretty ? ts.formatDiagnosticsWithColorAndContext(diagnostics, formatHost) : ts.formatDiagnostics(diagnostics, formatHost);
  process.stdout.write(text);
  if (pretty) process.stdout.write(`\nFound ${diagnostics.length} error${diagnostics.length === 1 ? '' : 's'}.\n`);
}

const parsed = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
    report([diagnostic]);
    process.exit(2);
  },
});
if (!parsed) process.exit(2);
if (parsed.errors.length > 0) {
  report(parsed.errors);
  process.exit(2);
}

const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, projectReferences: parsed.projectReferences });
const diagnostics = ts.getPreEmitDiagnostics(program);
if (diagnostics.length > 0) {
  report(ts.sortAndDeduplicateDiagnostics(diagnostics));
  process.exit(1);
}
const emitted = program.emit(undefined, undefined, undefined, false, { before: [indexLoops(ts, program.getTypeChecker())] });
if (emitted.diagnostics.length > 0) {
  report(emitted.diagnostics);
  process.exit(1);
}
