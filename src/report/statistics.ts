// `--statistics`: how many findings of each code, most frequent first, as Ruff's `--statistics`.
// `[*]` marks codes whose findings all have a safe fix (`[-]` some fix, unsafe or partial).
import type { Diagnostic } from '../rule.js';

export interface CodeCount {
  code: string;
  name: string;
  count: number;
  fixable: number;
}

export function countByCode(diagnostics: Diagnostic[]): CodeCount[] {
  const counts = new Map<string, CodeCount>();
  for (const d of diagnostics) {
    const entry = counts.get(d.code) ?? { code: d.code, name: d.name, count: 0, fixable: 0 };
    entry.count++;
    if (d.fix?.applicability === 'safe') entry.fixable++;
    counts.set(d.code, entry);
  }
  return [...counts.values()].sort((a, b) => b.count - a.count || (a.code < b.code ? -1 : 1));
}

export function formatStatistics(diagnostics: Diagnostic[], json: boolean): string {
  const counts = countByCode(diagnostics);
  if (json) return JSON.stringify(counts, null, 2) + '\n';
  const width = Math.max(1, ...counts.map((entry) => String(entry.count).length));
  return counts
    .map((entry) => {
      const mark = entry.fixable === entry.count ? '[*]' : diagnostics.some((d) => d.code === entry.code && d.fix) ? '[-]' : '   ';
      return `${String(entry.count).padStart(width)}\t${entry.code}\t${mark} ${entry.name}\n`;
    })
    .join('');
}
