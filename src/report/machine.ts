// Machine formats: JSON (stable field names), GitHub Actions workflow commands, SARIF 2.1.0.
import type { Diagnostic, Fix } from '../rule.js';
import { positionAt } from '../source.js';
import { displayPath, plural, ruleHelpUri, toolVersion, type ReportInput } from './common.js';

interface JsonEdit {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  content: string;
}

function jsonFix(
  fix: Fix | null,
  cwd: string,
): {
  applicability: string;
  message: string;
  edits: JsonEdit[];
  modes?: Array<{ file: string; executable: boolean }>;
  creates?: Array<{ file: string; executable: boolean; content: string }>;
} | null {
  if (!fix) return null;
  return {
    applicability: fix.applicability,
    message: fix.message,
    edits: fix.edits.map((edit) => {
      const start = positionAt(edit.file, edit.start);
      const end = positionAt(edit.file, edit.end);
      return { file: displayPath(edit.file.path, cwd), line: start.line, column: start.column, endLine: end.line, endColumn: end.column, content: edit.text };
    }),
    ...(fix.modes ? { modes: fix.modes.map((mode) => ({ file: displayPath(mode.file.path, cwd), executable: mode.executable })) } : {}),
    ...(fix.creates ? { creates: fix.creates.map((created) => ({ file: displayPath(created.path, cwd), executable: created.executable, content: created.text })) } : {}),
  };
}

/** One finding in the shape of the `json` format (also one line of `json-lines`). */
export function jsonDiagnostics(input: ReportInput) {
  return input.diagnostics.map((d) => ({
    code: d.code,
    name: d.name,
    severity: d.severity,
    message: d.message,
    hint: d.hint ?? null,
    file: displayPath(d.file.path, input.cwd),
    line: d.range.start.line,
    column: d.range.start.column,
    endLine: d.range.end.line,
    endColumn: d.range.end.column,
    related: d.related.map((r) => ({
      file: displayPath(r.file.path, input.cwd),
      line: r.range.start.line,
      column: r.range.start.column,
      message: r.message,
    })),
    fix: jsonFix(d.fix, input.cwd),
  }));
}

/** What was checked and found, for the formats that have room for a summary. */
export function jsonSummary(input: ReportInput) {
  return {
    suites: input.suitesChecked,
    files: input.filesChecked,
    problems: input.diagnostics.length,
    fixable: input.diagnostics.filter((d) => d.fix?.applicability === 'safe').length,
  };
}

export function formatJson(input: ReportInput): string {
  return JSON.stringify({ summary: jsonSummary(input), diagnostics: jsonDiagnostics(input) }, null, 2) + '\n';
}

/** Escaping rules of GitHub workflow commands: data escapes %, CR, LF; properties also `:` and `,`. */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function formatGithub(input: ReportInput): string {
  return input.diagnostics
    .map((d) => {
      const level = d.severity === 'error' ? 'error' : d.severity === 'warning' ? 'warning' : 'notice';
      const properties = [
        `file=${escapeProperty(displayPath(d.file.path, input.cwd))}`,
        `line=${d.range.start.line}`,
        `col=${d.range.start.column}`,
        `endLine=${d.range.end.line}`,
        `endColumn=${d.range.end.column}`,
        `title=${escapeProperty(`smoke-lint (${d.code})`)}`,
      ].join(',');
      const hint = d.hint ? `\n${d.hint}` : '';
      return `::${level} ${properties}::${escapeData(d.message + hint)}\n`;
    })
    .join('') + `::notice title=smoke-lint::${escapeData(githubSummary(input))}\n`;
}

/** The last line of a `github` report: a notice (shown in the run's summary) with what was checked. */
function githubSummary(input: ReportInput): string {
  if (input.suitesChecked === 0) return 'No integration suite found';
  const scope = `${plural(input.suitesChecked, 'suite')}, ${plural(input.filesChecked, 'file')} checked`;
  return input.diagnostics.length === 0 ? `All checks passed (${scope})` : `Found ${plural(input.diagnostics.length, 'problem')} (${scope})`;
}

function sarifLevel(d: Diagnostic | { severity: string }): string {
  return d.severity === 'error' ? 'error' : d.severity === 'warning' ? 'warning' : 'note';
}

export function formatSarif(input: ReportInput): string {
  const ruleIndex = new Map(input.rules.map((rule, index) => [rule.code, index]));
  const uri = (file: string) => encodeURI(displayPath(file, input.cwd));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'smoke-lint',
            version: toolVersion(),
            informationUri: ruleHelpUri(input.rules[0]!).replace(/\/blob\/.*$/, ''),
            rules: input.rules.map((rule) => ({
              id: rule.code,
              name: rule.name,
              shortDescription: { text: rule.summary },
              fullDescription: { text: rule.docs.whatItDoes },
              help: { text: `${rule.docs.whyItMatters}\n\nUse instead:\n${rule.docs.useInstead}` },
              helpUri: ruleHelpUri(rule),
              defaultConfiguration: { level: sarifLevel(rule) },
              properties: { fix: rule.fix },
            })),
          },
        },
        properties: { suitesChecked: input.suitesChecked, filesChecked: input.filesChecked },
        originalUriBaseIds: { '%SRCROOT%': { uri: 'file://' + encodeURI(input.cwd.split('\\').join('/').replace(/\/?$/, '/')) } },
        results: input.diagnostics.map((d) => ({
          ruleId: d.code,
          ruleIndex: ruleIndex.get(d.code) ?? -1,
          level: sarifLevel(d),
          message: { text: d.hint ? `${d.message} (${d.hint})` : d.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: uri(d.file.path), uriBaseId: '%SRCROOT%' },
                region: { startLine: d.range.start.line, startColumn: d.range.start.column, endLine: d.range.end.line, endColumn: d.range.end.column },
              },
            },
          ],
          relatedLocations: d.related.map((r, index) => ({
            id: index,
            message: { text: r.message },
            physicalLocation: {
              artifactLocation: { uri: uri(r.file.path), uriBaseId: '%SRCROOT%' },
              region: { startLine: r.range.start.line, startColumn: r.range.start.column, endLine: r.range.end.line, endColumn: r.range.end.column },
            },
          })),
          ...sarifFixes(d.fix, uri),
        })),
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}

/**
 * SARIF requires at least one artifact change per fix: a mode-only fix (SL701) has none to show,
 * so it is left out; a created file is an insertion at 1:1 of a new artifact.
 */
function sarifFixes(fix: Fix | null, uri: (file: string) => string) {
  if (!fix) return {};
  const artifactChanges = [
    ...groupEdits(fix, uri),
    ...(fix.creates ?? []).map((created) => ({
      artifactLocation: { uri: uri(created.path), uriBaseId: '%SRCROOT%' },
      replacements: [{ deletedRegion: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 }, insertedContent: { text: created.text } }],
    })),
  ];
  return artifactChanges.length > 0 ? { fixes: [{ description: { text: fix.message }, artifactChanges }] } : {};
}

function groupEdits(fix: Fix, uri: (file: string) => string) {
  const byFile = new Map<string, Fix['edits']>();
  for (const edit of fix.edits) byFile.set(edit.file.path, [...(byFile.get(edit.file.path) ?? []), edit]);
  return [...byFile.entries()].map(([file, edits]) => ({
    artifactLocation: { uri: uri(file), uriBaseId: '%SRCROOT%' },
    replacements: edits.map((edit) => {
      const start = positionAt(edit.file, edit.start);
      const end = positionAt(edit.file, edit.end);
      return {
        deletedRegion: { startLine: start.line, startColumn: start.column, endLine: end.line, endColumn: end.column },
        insertedContent: { text: edit.text },
      };
    }),
  }));
}
