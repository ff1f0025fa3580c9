// Rule documentation, written once in each rule, printed by `smoke-lint rule CODE` and rendered to docs/rules/.
import type { RuleDefinition } from '../rule.js';

const FIX_SAFETY: Record<RuleDefinition['fix'], string> = {
  safe: 'Fix is always available and safe: `--fix` applies it.',
  unsafe: 'Fix is sometimes available and unsafe: it is applied only with `--unsafe-fixes` and shown as a suggestion otherwise.',
  none: 'No automatic fix.',
};


/** Markdown, readable as plain text in a terminal. */
export function formatRuleDocs(rule: RuleDefinition): string {
  const sections = [
    `# ${rule.name} (${rule.code})`,
    `Severity: ${rule.severity}. ${FIX_SAFETY[rule.fix]}`,
    `## What it does\n${rule.docs.whatItDoes}`,
    `## Why it matters\n${rule.docs.whyItMatters}`,
    `## Example\n${fence(rule.docs.example)}`,
    `## Use instead\n${fence(rule.docs.useInstead)}`,
  ];
  if (rule.docs.exceptions) sections.push(`## When it stays silent\n${rule.docs.exceptions}`);
  if (rule.docs.fixSafety) sections.push(`## Fix safety\n${rule.docs.fixSafety}`);
  return sections.join('\n\n') + '\n';
}

/** Code blocks are fenced; prose (a line that does not look like code) is kept as prose. */
function fence(text: string): string {
  const looksLikeProse = !text.includes('\n') && /^[A-Z][^=(){}]*[.:]$/.test(text.trim());
  if (looksLikeProse) return text;
  return '```\n' + text + '\n```';
}

export function formatRuleTable(rules: RuleDefinition[]): string {
  const rows = rules.map((rule) => [rule.code, rule.name, rule.severity, rule.fix === 'none' ? '' : rule.fix, rule.summary]);
  const header = ['code', 'name', 'severity', 'fix', 'summary'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

