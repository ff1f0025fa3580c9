// "Did you mean ...?": the one known word a mistyped word most likely meant, for options and rule codes.
// Only a clear winner is suggested: two equally close candidates mean the guess would be a coin toss.

/** Edit distance counting an insertion, a deletion, a substitution or a swap of two neighbours as one. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/** The candidate within `limit` edits of `word` that is strictly closer than every other one; null when none or a tie. */
export function closest(word: string, candidates: Iterable<string>, limit: number): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  let tie = false;
  for (const candidate of new Set(candidates)) {
    const distance = editDistance(word, candidate);
    if (distance > limit) continue;
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
      tie = false;
    } else if (distance === bestDistance) {
      tie = true;
    }
  }
  return tie ? null : best;
}

/**
 * The rule code a mistyped code meant: `sl104` and `SL1O4` (a letter O for a zero, l or I for a one) read as
 * SL104 when that is a rule; otherwise a unique rule code one edit away (`SL140`, `SL1044`). Null when
 * the text is a known code already or nothing is close enough.
 */
export function suggestCode(text: string, knownCodes: Iterable<string>): string | null {
  const known = new Set(knownCodes);
  if (known.has(text)) return null;
  const upper = text.toUpperCase().replace(/[\s_-]/g, '');
  const normalized = upper.slice(0, 2) + upper.slice(2).replace(/O/g, '0').replace(/[IL]/g, '1');
  if (known.has(normalized)) return normalized;
  return closest(normalized, known, 1);
}
