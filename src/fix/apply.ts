// Applying text edits in memory. Overlapping edits are left for the next pass, as Ruff and ESLint do.
import type { Edit, Fix } from '../rule.js';

export interface AppliedText {
  text: string;
  applied: Fix[];
  /** Fixes skipped because they overlap an edit already taken in this pass. */
  deferred: Fix[];
}

/** Applies to `text` the edits of `fixes` that concern `filePath`, taking whole fixes in order, skipping overlaps. */
export function applyFixesToText(text: string, filePath: string, fixes: Fix[]): AppliedText {
  const taken: Edit[] = [];
  const applied: Fix[] = [];
  const deferred: Fix[] = [];
  const overlaps = (edit: Edit) =>
    taken.some((other) => edit.start < other.end && other.start < edit.end || (edit.start === edit.end && edit.start === other.start && other.start === other.end));
  for (const fix of fixes) {
    const edits = fix.edits.filter((edit) => edit.file.path === filePath);
    if (edits.length === 0) continue;
    if (edits.some(overlaps)) {
      deferred.push(fix);
      continue;
    }
    taken.push(...edits);
    applied.push(fix);
  }
  taken.sort((a, b) => b.start - a.start || b.end - a.end);
  let result = text;
  for (const edit of taken) result = result.slice(0, edit.start) + edit.text + result.slice(edit.end);
  return { text: result, applied, deferred };
}
