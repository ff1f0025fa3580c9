// What `--fix` and `--diff` tell the user, beyond the normal report of what remains.
import { displayPath, plural } from '../report/common.js';
import { creationDiff, unifiedDiff } from './diff.js';
import type { AppliedFix, CommitOutcome, FixNote, FixPlan } from './passes.js';

const withoutBom = (text: string) => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);

/** `--diff`: a unified diff per changed file, one from /dev/null per new file, then a line per mode change or new script. */
export function formatPlanDiff(plan: FixPlan, cwd: string): string {
  const parts: string[] = [];
  for (const planned of [...plan.texts.values()].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    const diff = unifiedDiff(withoutBom(planned.original), withoutBom(planned.text), displayPath(planned.path, cwd));
    if (diff) parts.push(diff);
  }
  const created = [...plan.creates.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
  for (const creation of created) parts.push(creationDiff(creation.text, displayPath(creation.path, cwd)));
  for (const mode of [...plan.modes.values()].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    parts.push(`${displayPath(mode.path, cwd)}: would make ${mode.executable ? 'executable' : 'non-executable'} (${mode.code})\n`);
  }
  for (const creation of created) {
    if (creation.executable) parts.push(`${displayPath(creation.path, cwd)}: would create with mode 0755 (${creation.code})\n`);
  }
  return parts.join('');
}

/** `--diff`: the files --fix would leave alone because a fix for them cannot be written (read-only). */
export function formatUnwritable(plan: FixPlan, cwd: string): string[] {
  return [...plan.unwritable].sort(([a], [b]) => (a < b ? -1 : 1)).map(([file, reason]) => `--fix would not change ${displayPath(file, cwd)}: ${reason}`);
}

/** Does the plan change anything at all? */
export function planChanges(plan: FixPlan): boolean {
  return plan.modes.size > 0 || plan.creates.size > 0 || [...plan.texts.values()].some((planned) => planned.text !== planned.original);
}

/** `--show-fixes`: one line per fixed finding. */
export function formatFixedList(fixed: AppliedFix[], cwd: string): string {
  if (fixed.length === 0) return '';
  const lines = fixed.map((fix) => `${displayPath(fix.file, cwd)}: ${fix.code} ${fix.message} (fixed)`);
  return `Fixed ${plural(fixed.length, 'problem')}:\n${lines.map((line) => `  ${line}`).join('\n')}\n\n`;
}

/** Ruff's summary: "Found 3 problems (2 fixed, 1 remaining)", then what was checked ("; 1 suite, 6 files checked."). */
export function fixSummary(fixed: number, remaining: number, scope?: string): string {
  return `Found ${plural(fixed + remaining, 'problem')} (${fixed} fixed, ${remaining} remaining)${scope ? `; ${scope}` : ''}.`;
}

export function unsafeHint(hidden: number): string | null {
  if (hidden === 0) return null;
  return `${hidden} more ${hidden === 1 ? 'fix' : 'fixes'} available with \`--unsafe-fixes\`.`;
}

/** A note that means the run did not do what was asked (exit 2), rather than a fix skipped for a good reason. */
export function isFailureNote(note: FixNote): boolean {
  return note.kind === 'not-converging';
}

export function formatNote(note: FixNote, cwd: string): string {
  switch (note.kind) {
    case 'syntax':
      return `fix for ${note.code} dropped: it would leave a syntax error in ${displayPath(note.path, cwd)}`;
    case 'exists':
      return `fix for ${note.code} skipped: ${displayPath(note.path, cwd)} already exists, and a fix never overwrites a file`;
    case 'malformed':
      return `fix for ${note.code} dropped: ${note.problem} (${displayPath(note.path, cwd)}); this is a bug in smoke-lint, please report it`;
    case 'not-converging':
      return `not fixing ${displayPath(note.path, cwd)}: the fix for ${note.code} ${note.why}; the file is left as it was (a bug in smoke-lint, please report it)`;
  }
}

/** The lines after writing: new files and mode changes said aloud, and files that were not written. */
export function outcomeMessages(outcome: CommitOutcome, cwd: string): Array<{ level: 'info' | 'warning' | 'error'; text: string }> {
  const messages: Array<{ level: 'info' | 'warning' | 'error'; text: string }> = [];
  for (const creation of outcome.created) {
    messages.push({ level: 'info', text: `${displayPath(creation.path, cwd)}: created${creation.executable ? ' (mode 0755)' : ''} (${creation.code})` });
  }
  for (const mode of outcome.modesSet) {
    const what = mode.executable ? 'made executable' : 'made non-executable';
    if (!mode.changed && !mode.inIndex) continue;
    const where = mode.changed && mode.inIndex ? ' (and in the git index)' : mode.inIndex ? ' in the git index' : '';
    messages.push({ level: 'info', text: `${displayPath(mode.path, cwd)}: ${what}${where}` });
  }
  for (const failure of outcome.failures) {
    messages.push({ level: failure.refused ? 'warning' : 'error', text: `not ${failure.creating ? 'creating' : 'fixing'} ${displayPath(failure.path, cwd)}: ${failure.reason}` });
  }
  return messages;
}
