// `rdjson`: reviewdog's Diagnostic Format (https://github.com/reviewdog/reviewdog/tree/master/proto/rdf),
// for `reviewdog -f=rdjson`. Columns are UTF-8 byte counts from 1, as the format asks. A fix whose
// edits all stay in the finding's file becomes `suggestions` (reviewdog posts them as suggested changes).
import type { Diagnostic, Position, Range } from '../rule.js';
import { lineText, positionAt, type SourceFile } from '../source.js';
import { displayPath, ruleHelpUri, type ReportInput } from './common.js';

const SEVERITY = { error: 'ERROR', warning: 'WARNING', info: 'INFO' } as const;

/** Our columns count UTF-16 units of the line; reviewdog's count UTF-8 bytes. */
function byteColumn(file: SourceFile, position: Position): number {
  if (file.unreadable !== undefined) return position.column;
  const prefix = lineText(file, position.line).slice(0, position.column - 1);
  return Buffer.byteLength(prefix, 'utf8') + 1;
}

const rdRange = (file: SourceFile, range: Range) => ({
  start: { line: range.start.line, column: byteColumn(file, range.start) },
  end: { line: range.end.line, column: byteColumn(file, range.end) },
});

function suggestions(d: Diagnostic) {
  const fix = d.fix;
  if (!fix || fix.edits.length === 0 || fix.modes?.length || fix.creates?.length) return [];
  if (fix.edits.some((edit) => edit.file.path !== d.file.path)) return [];
  return fix.edits.map((edit) => ({ range: rdRange(edit.file, { start: positionAt(edit.file, edit.start), end: positionAt(edit.file, edit.end) }), text: edit.text }));
}

export function formatRdjson(input: ReportInput): string {
  const rules = new Map(input.rules.map((rule) => [rule.code, rule]));
  const homepage = input.rules[0] ? ruleHelpUri(input.rules[0]).replace(/\/blob\/.*$/, '') : undefined;
  const result = {
    source: { name: 'smoke-lint', ...(homepage ? { url: homepage } : {}) },
    diagnostics: input.diagnostics.map((d) => {
      const rule = rules.get(d.code);
      const fixes = suggestions(d);
      return {
        message: d.hint ? `${d.message}\n${d.hint}` : d.message,
        location: { path: displayPath(d.file.path, input.cwd), range: rdRange(d.file, d.range) },
        severity: SEVERITY[d.severity],
        code: { value: d.code, ...(rule ? { url: ruleHelpUri(rule) } : {}) },
        ...(fixes.length > 0 ? { suggestions: fixes } : {}),
        ...(d.related.length > 0
          ? { related_locations: d.related.map((r) => ({ message: r.message, location: { path: displayPath(r.file.path, input.cwd), range: rdRange(r.file, r.range) } })) }
          : {}),
      };
    }),
  };
  return JSON.stringify(result, null, 2) + '\n';
}
