// One pass of the fix loop: which fixes a lint offers (allowed, not no-ops, each once), which of them may be
// taken together (whole, not overlapping, well formed), and which of those keep every file parseable.
import path from 'node:path';
import type { LintReport } from '../engine.js';
import type { Diagnostic, Edit, FileCreation, Fix } from '../rule.js';
import { textHasSyntaxError, type SourceFile } from '../source.js';
import { applyEdits, editsOverlap } from './apply.js';
import type { FixNote, PlannedCreate, PlannedMode } from './passes.js';
import { occupied } from './write.js';

export interface Candidate {
  diagnostic: Diagnostic;
  fix: Fix;
}

function isNoOp(fix: Fix, modes: Map<string, PlannedMode>, creates: Map<string, PlannedCreate>): boolean {
  const editsChange = fix.edits.some((edit) => edit.file.text.slice(edit.start, edit.end) !== edit.text);
  return !editsChange && newModes(fix, modes).length === 0 && newCreates(fix, creates).length === 0;
}

/** The files a fix creates that no fix has planned yet and that are not on disk (nothing is ever overwritten). */
export function newCreates(fix: Fix, creates: Map<string, PlannedCreate>): FileCreation[] {
  const fresh: FileCreation[] = [];
  for (const creation of fix.creates ?? []) {
    if (creates.has(creation.path) || fresh.some((other) => other.path === creation.path) || occupied(creation.path)) continue;
    fresh.push(creation);
  }
  return fresh;
}

export function newModes(fix: Fix, modes: Map<string, PlannedMode>): NonNullable<Fix['modes']> {
  return (fix.modes ?? []).filter((change) => modes.get(change.file.path)?.executable !== change.executable);
}

/** The fixes a pass may take, in diagnostic order, each once; a file a fix would create over an existing one is noted. */
export function candidatesOf(report: LintReport, unsafe: boolean, modes: Map<string, PlannedMode>, creates: Map<string, PlannedCreate>, addNote: (note: FixNote) => void): Candidate[] {
  const seen = new Set<Fix>();
  const candidates: Candidate[] = [];
  for (const diagnostic of report.diagnostics) {
    const fix = diagnostic.fix;
    if (!fix || seen.has(fix)) continue;
    seen.add(fix);
    if (fix.applicability === 'unsafe' && !unsafe) continue;
    for (const creation of fix.creates ?? []) {
      if (!creates.has(creation.path) && occupied(creation.path)) addNote({ kind: 'exists', code: diagnostic.code, path: creation.path });
    }
    if (isNoOp(fix, modes, creates)) continue;
    candidates.push({ diagnostic, fix });
  }
  return candidates;
}

/** Is `target` strictly inside one of `roots` (compared as given, before any symlink is resolved)? */
function lexicallyInside(target: string, roots: readonly string[]): boolean {
  return roots.some((root) => {
    const relative = path.relative(root, target);
    return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
  });
}

/** Why a fix cannot be applied as given (a rule's bug), or null. */
function malformed(fix: Fix, roots: readonly string[]): { path: string; problem: string } | null {
  for (const creation of fix.creates ?? []) {
    if (!path.isAbsolute(creation.path)) return { path: creation.path, problem: 'it creates a file at a relative path' };
    if (!lexicallyInside(creation.path, roots)) return { path: creation.path, problem: 'it creates a file outside the project' };
  }
  for (const [index, edit] of fix.edits.entries()) {
    const where = edit.file.path;
    if (edit.file.unreadable !== undefined) return { path: where, problem: 'it edits a file that could not be read' };
    if (!(Number.isInteger(edit.start) && Number.isInteger(edit.end) && edit.start >= 0 && edit.start <= edit.end && edit.end <= edit.file.text.length)) {
      return { path: where, problem: `edit [${edit.start}, ${edit.end}) is outside the file` };
    }
    const clash = fix.edits.slice(index + 1).some((other) => other.file.path === edit.file.path && editsOverlap(edit, other));
    if (clash) return { path: where, problem: 'its own edits overlap' };
  }
  return null;
}

interface FileEdits {
  file: SourceFile;
  edits: Edit[];
}

function withFix(byFile: Map<string, FileEdits>, fix: Fix): Map<string, FileEdits> {
  const next = new Map(byFile);
  for (const edit of fix.edits) {
    const entry = next.get(edit.file.path);
    next.set(edit.file.path, { file: edit.file, edits: [...(entry?.edits ?? []), edit] });
  }
  return next;
}

/** Does `text` have a parse error that `file`'s current text does not? */
function breaksSyntax(file: SourceFile, text: string): boolean {
  if (file.unreadable !== undefined) return false;
  const brokenBefore = file.language === 'yaml' ? textHasSyntaxError('yaml', file.text) : file.tree?.rootNode.hasError ?? true;
  if (brokenBefore) return false;
  return textHasSyntaxError(file.language, text);
}

export interface PassSelection {
  taken: Candidate[];
  texts: Map<string, { file: SourceFile; text: string }>;
  notes: FixNote[];
}

export function selectPass(candidates: Candidate[], roots: readonly string[]): PassSelection {
  const notes: FixNote[] = [];
  let byFile = new Map<string, FileEdits>();
  let taken: Candidate[] = [];
  for (const candidate of candidates) {
    const problem = malformed(candidate.fix, roots);
    if (problem) {
      notes.push({ kind: 'malformed', code: candidate.diagnostic.code, ...problem });
      continue;
    }
    // Edits of one fix may span several files: the fix is taken whole, or waits for the next pass whole.
    const overlaps = candidate.fix.edits.some((edit) => byFile.get(edit.file.path)?.edits.some((other) => editsOverlap(edit, other)));
    if (overlaps) continue;
    byFile = withFix(byFile, candidate.fix);
    taken.push(candidate);
  }
  const textsOf = (edits: Map<string, FileEdits>) =>
    new Map([...edits].map(([key, entry]) => [key, { file: entry.file, text: applyEdits(entry.file.text, entry.edits) }]));
  let texts = textsOf(byFile);
  if ([...texts.values()].some(({ file, text }) => breaksSyntax(file, text))) {
    // Some fix leaves a syntax error: take the fixes again one by one and drop those that break their file.
    let accepted = new Map<string, FileEdits>();
    const kept: Candidate[] = [];
    for (const candidate of taken) {
      const trial = withFix(accepted, candidate.fix);
      const touched = [...new Set(candidate.fix.edits.map((edit) => edit.file.path))];
      const broken = touched.find((key) => {
        const entry = trial.get(key)!;
        return breaksSyntax(entry.file, applyEdits(entry.file.text, entry.edits));
      });
      if (broken !== undefined) {
        notes.push({ kind: 'syntax', code: candidate.diagnostic.code, path: broken });
        continue;
      }
      accepted = trial;
      kept.push(candidate);
    }
    taken = kept;
    texts = textsOf(accepted);
  }
  return { taken, texts, notes };
}
