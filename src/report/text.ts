// Human formats: `pretty` (a code frame per finding, grouped by file, like Ruff's `full` and rustc)
// and `concise` (one line per finding).
import type { Diagnostic } from '../rule.js';
import { lineText } from '../source.js';
import { countBySeverity, displayPath, plural, type ReportInput } from './common.js';

const CONTEXT_LINES = 1;

export function formatConcise(input: ReportInput): string {
  const lines = input.diagnostics.map((d) => {
    const where = `${displayPath(d.file.path, input.cwd)}:${d.range.start.line}:${d.range.start.column}`;
    return `${where}: ${d.code} ${d.message}`;
  });
  lines.push(summary(input));
  return lines.join('\n') + '\n';
}

export function formatPretty(input: ReportInput): string {
  const { color } = input;
  const out: string[] = [];
  let currentFile: string | null = null;
  for (const diagnostic of input.diagnostics) {
    const file = displayPath(diagnostic.file.path, input.cwd);
    if (file !== currentFile) {
      // Each frame ends with a blank line, which also separates the file groups.
      out.push(color.bold.underline(file));
      currentFile = file;
    }
    out.push(...frame(diagnostic, input));
  }
  if (out.length > 0) out.push('');
  out.push(summary(input));
  return out.join('\n') + '\n';
}

function severityLabel(diagnostic: Diagnostic, input: ReportInput): string {
  const { color } = input;
  switch (diagnostic.severity) {
    case 'error': return color.red.bold('error');
    case 'warning': return color.yellow.bold('warning');
    default: return color.blue.bold('info');
  }
}

function frame(diagnostic: Diagnostic, input: ReportInput): string[] {
  const { color } = input;
  const { start, end } = diagnostic.range;
  const lastLine = Math.min(end.line, diagnostic.file.lineStarts.length);
  const firstShown = Math.max(1, start.line - CONTEXT_LINES);
  const lastShown = Math.min(diagnostic.file.lineStarts.length, Math.max(start.line, Math.min(lastLine, start.line + 3)) + CONTEXT_LINES);
  const gutterWidth = String(lastShown).length;
  const gutter = (label: string) => color.blue(`${label.padStart(gutterWidth)} |`);
  const lines: string[] = [];
  lines.push(`${severityLabel(diagnostic, input)}${color.bold(`[${diagnostic.code}]`)}: ${color.bold(diagnostic.message)}`);
  lines.push(`${' '.repeat(gutterWidth)}${color.blue('-->')} ${displayPath(diagnostic.file.path, input.cwd)}:${start.line}:${start.column}`);
  if (!diagnostic.file.unreadable) {
    lines.push(gutter(''));
    for (let line = firstShown; line <= lastShown; line++) {
      const text = lineText(diagnostic.file, line).replace(/\t/g, '    ');
      lines.push(`${gutter(String(line))} ${text}`.trimEnd());
      if (line === start.line) {
        const rawLine = lineText(diagnostic.file, line);
        const from = start.column - 1;
        const to = end.line === start.line ? Math.max(end.column - 1, from + 1) : Math.max(rawLine.length, from + 1);
        const before = rawLine.slice(0, from).replace(/\t/g, '    ').length;
        const width = Math.max(1, rawLine.slice(from, to).replace(/\t/g, '    ').length);
        lines.push(`${gutter('')} ${' '.repeat(before)}${color.red('^'.repeat(width))} ${color.red(diagnostic.code)}`);
      }
    }
    lines.push(gutter(''));
  }
  const pad = ' '.repeat(gutterWidth);
  if (diagnostic.hint) lines.push(`${pad} ${color.blue('=')} ${color.bold('help')}: ${diagnostic.hint}`);
  for (const related of diagnostic.related) {
    const where = `${displayPath(related.file.path, input.cwd)}:${related.range.start.line}:${related.range.start.column}`;
    lines.push(`${pad} ${color.blue('=')} ${color.bold('note')}: ${where}: ${related.message}`);
  }
  if (diagnostic.fix) {
    const kind = diagnostic.fix.applicability === 'safe' ? 'fix' : 'suggestion (unsafe fix)';
    lines.push(`${pad} ${color.blue('=')} ${color.bold(kind)}: ${diagnostic.fix.message}`);
  }
  lines.push('');
  return lines;
}

export function summary(input: ReportInput): string {
  const { color } = input;
  const scope = checkedScope(input);
  if (input.diagnostics.length === 0) return `${color.green('All checks passed!')} (${scope})`;
  const counts = countBySeverity(input.diagnostics);
  const parts = [
    counts.error ? color.red(plural(counts.error, 'error')) : null,
    counts.warning ? color.yellow(plural(counts.warning, 'warning')) : null,
    counts.info ? color.blue(`${counts.info} info`) : null,
  ].filter(Boolean);
  const fixable = input.diagnostics.filter((d) => d.fix?.applicability === 'safe').length;
  const files = new Set(input.diagnostics.map((d) => d.file.path)).size;
  // Unsafe fixes are counted by the CLI's hint line (`unsafeHint`), with or without --fix.
  const fixNote = fixable ? ` ${fixable} fixable with \`--fix\`.` : '';
  return `Found ${plural(input.diagnostics.length, 'problem')} (${parts.join(', ')}) in ${plural(files, 'file')}; ${scope}.${fixNote}`;
}

/** What the run looked at, on every summary: `1 suite, 6 files checked`, or that no suite was found. */
export function checkedScope(input: Pick<ReportInput, 'suitesChecked' | 'filesChecked'>): string {
  return input.suitesChecked === 0 ? 'no integration suite found' : `${plural(input.suitesChecked, 'suite')}, ${plural(input.filesChecked, 'file')} checked`;
}
