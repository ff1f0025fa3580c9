// `junit`: JUnit XML, which CI systems show as test results. One test suite per file with findings,
// one failed test case per finding; a clean run is one passing test case, so the report is never empty.
import type { Diagnostic } from '../rule.js';
import { displayPath, type ReportInput } from './common.js';

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export function formatJunit(input: ReportInput): string {
  const byFile = new Map<string, Diagnostic[]>();
  for (const d of input.diagnostics) {
    const file = displayPath(d.file.path, input.cwd);
    byFile.set(file, [...(byFile.get(file) ?? []), d]);
  }
  const total = input.diagnostics.length;
  // What was checked, in each test suite's properties (JUnit has no room for it on <testsuites>).
  const properties = `    <properties><property name="smoke-lint.suites" value="${input.suitesChecked}"/><property name="smoke-lint.files" value="${input.filesChecked}"/></properties>`;
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="smoke-lint" tests="${Math.max(total, 1)}" failures="${total}" errors="0">`];
  if (total === 0) {
    lines.push('  <testsuite name="smoke-lint" tests="1" failures="0" errors="0">', properties, `    <testcase name="${input.suitesChecked === 0 ? 'No integration suite found' : 'No problems found'}" classname="smoke-lint"/>`, '  </testsuite>');
  }
  for (const [file, diagnostics] of byFile) {
    lines.push(`  <testsuite name="${escapeXml(file)}" tests="${diagnostics.length}" failures="${diagnostics.length}" errors="0">`, properties);
    for (const d of diagnostics) {
      const where = `${file}:${d.range.start.line}:${d.range.start.column}`;
      lines.push(
        `    <testcase name="${escapeXml(`${d.code} ${d.name} at line ${d.range.start.line}, column ${d.range.start.column}`)}" classname="${escapeXml(file)}" file="${escapeXml(file)}" line="${d.range.start.line}">`,
        `      <failure message="${escapeXml(d.message)}" type="${escapeXml(d.code)}">${escapeXml(`${where}: ${d.code} ${d.message}${d.hint ? `\n${d.hint}` : ''}`)}</failure>`,
        '    </testcase>',
      );
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return lines.join('\n') + '\n';
}
