// A fix run that does not converge is never written. Two signs give it away: a fix whose own finding is still
// reported once it was applied (a fix that inserts a line its rule does not see would insert it again on every
// run), and passes running out while fixes still change text. Either way the files involved leave the plan
// whole, together with every file that a fix taken on them also touched, and each is reported in one line.
import type { LintReport } from '../engine.js';
import type { Diagnostic } from '../rule.js';
import type { AppliedFix } from './passes.js';
import type { Candidate } from './select.js';

/** Findings are told apart by rule, file and message: positions move as fixes insert and remove lines. */
const findingKey = (diagnostic: Diagnostic) => `${diagnostic.code}\u0000${diagnostic.file.path}\u0000${diagnostic.message}`;

export function countFindings(report: LintReport): Map<string, number> {
  const counts = new Map<string, number>();
  for (const diagnostic of report.diagnostics) counts.set(findingKey(diagnostic), (counts.get(findingKey(diagnostic)) ?? 0) + 1);
  return counts;
}

/**
 * The fixes of the last pass that left their finding in place: for each kind of finding, after the pass there
 * are more of them than before it minus those fixed. Only text fixes are judged: mode changes and new files are
 * seen on disk only, so their findings stay in the in-memory lint by design.
 */
export function stillReported(taken: readonly Candidate[], before: ReadonlyMap<string, number>, after: LintReport): Candidate[] {
  const byKey = new Map<string, Candidate[]>();
  for (const candidate of taken) {
    const { fix } = candidate;
    if (fix.edits.length === 0 || (fix.modes?.length ?? 0) > 0 || (fix.creates?.length ?? 0) > 0) continue;
    const key = findingKey(candidate.diagnostic);
    byKey.set(key, [...(byKey.get(key) ?? []), candidate]);
  }
  const now = countFindings(after);
  const stuck: Candidate[] = [];
  for (const [key, candidates] of byKey) {
    if ((now.get(key) ?? 0) > (before.get(key) ?? 0) - candidates.length) stuck.push(...candidates);
  }
  return stuck;
}

/** The files a candidate's fix would change or create, and the file of its finding. */
export function filesOf({ diagnostic, fix }: Candidate): string[] {
  return [
    ...new Set([diagnostic.file.path, ...fix.edits.map((edit) => edit.file.path), ...(fix.modes ?? []).map((change) => change.file.path), ...(fix.creates ?? []).map((creation) => creation.path)]),
  ];
}

/** `files` and every file an applied fix changed together with one of them, transitively. */
export function dropClosure(files: Iterable<string>, applied: readonly AppliedFix[]): Set<string> {
  const closure = new Set(files);
  for (let grew = true; grew; ) {
    grew = false;
    for (const fix of applied) {
      if (!fix.touches.some((file) => closure.has(file))) continue;
      for (const file of fix.touches) {
        if (closure.has(file)) continue;
        closure.add(file);
        grew = true;
      }
    }
  }
  return closure;
}
