// `gitlab`: GitLab Code Quality (a JSON array of CodeClimate-style issues) for merge-request widgets.
// The fingerprint identifies a finding across pipelines (code, file, the text of its line; see
// fingerprint.ts), so GitLab can tell new findings from old ones when lines move.
import type { Severity } from '../rule.js';
import { fingerprintOf, identities } from '../fingerprint.js';
import { displayPath, type ReportInput } from './common.js';

const SEVERITY: Record<Severity, string> = { error: 'major', warning: 'minor', info: 'info' };

export function formatGitlab(input: ReportInput): string {
  const ids = identities(input.diagnostics, input.cwd);
  const issues = input.diagnostics.map((d, index) => ({
    type: 'issue',
    description: `${d.code} ${d.message}`,
    check_name: d.code,
    categories: ['Bug Risk'],
    fingerprint: fingerprintOf(ids[index]!),
    severity: SEVERITY[d.severity],
    location: { path: displayPath(d.file.path, input.cwd), lines: { begin: d.range.start.line, end: d.range.end.line } },
  }));
  return JSON.stringify(issues, null, 2) + '\n';
}
