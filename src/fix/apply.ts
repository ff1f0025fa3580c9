// Applying text edits in memory. Overlapping edits are left for the next pass, as Ruff and ESLint do.
import type { Edit, Fix } from '../rule.js';

export interface AppliedText {
  text: string;
  applied: Fix[];
  /** Fixes skipped because they overlap an edit already taken in this pass. */
  deferred: Fix[];
}

/** Do two edits of one file touch the same text? Two insertions at one offset count as overlapping (their order would be a guess). */
export function editsOverlap(a: Pick<Edit, 'start' | 'end'>, b: Pick<Edit, 'start' | 'end'>): boolean {
  if (a.start < b.end && b.start < a.end) return true;
  return a.start === a.end && b.start === b.end && a.start === b.start;
}

/** Replaces each [start, end) of `text` by its edit's text; the edits must not overlap. */
export function applyEdits(text: string, edits: ReadonlyArray<Pick<Edit, 'start' | 'end' | 'text'>>): string {
  // From the end backwards, so that earlier offsets stay valid; an insertion at the start of a replacement goes before it.
  const ordered = [...edits].sort((a, b) => b.start - a.start || b.end - a.end);
  const pieces: string[] = [];
  let cursor = text.length;
  for (const edit of ordered) {
    pieces.push(text.slice(edit.end, cursor), edit.text);
    cursor = edit.start;
  }
  pieces.push(text.slice(0, cursor));
  return pieces.reverse().join('');
}

/** Applies to `text` the edits of `fixes` that concern `filePath`, taking whole fixes in order, skipping overlaps. */
export function applyFixesToText(text: string, filePath: string, fixes: Fix[]): AppliedText {
  const taken: Edit[] = [];
  const applied: Fix[] = [];
  const deferred: Fix[] = [];
  for (const fix of fixes) {
    const edits = fix.edits.filter((edit) => edit.file.path === filePath);
    if (edits.length === 0) continue;
    if (edits.some((edit) => taken.some((other) => editsOverlap(edit, other)))) {
      deferred.push(fix);
      continue;
    }
    taken.push(...edits);
    applied.push(fix);
  }
  return { text: applyEdits(text, taken), applied, deferred };
}
