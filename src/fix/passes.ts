// The fix loop: lint, take the allowed fixes that do not overlap, re-lint the new texts in memory, repeat
// until nothing more applies (at most MAX_FIX_PASSES passes). Nothing touches the disk until every pass is
// done; then each changed file is written once, atomically (see write.ts).
import path from 'node:path';
import { allRules } from '../../rules/index.js';
import { findProjectRoot } from '../discover.js';
import { lint, type LintReport, type LintRequest } from '../engine.js';
import { clearModeCache } from '../model/filemode.js';
import type { Diagnostic, Edit, Fix, RuleDefinition } from '../rule.js';
import { parseText, type Language, type SourceFile } from '../source.js';
import { applyEdits, editsOverlap } from './apply.js';
import { setExecutable, writeFileAtomically } from './write.js';

export const MAX_FIX_PASSES = 10;

export interface FixOptions {
  /** Also apply fixes marked unsafe (`--unsafe-fixes`). */
  unsafe: boolean;
  /** The rules to run (default: every registered rule). */
  rules?: RuleDefinition[];
  maxPasses?: number;
}

/** One fix taken by a pass. */
export interface AppliedFix {
  code: string;
  /** The finding's message. */
  message: string;
  fixMessage: string;
  applicability: Fix['applicability'];
  /** The file of the finding, and where it was when the fix was taken. */
  file: string;
  line: number;
  column: number;
  /** Every file whose text or mode the fix changes. */
  touches: string[];
  pass: number;
}

export interface PlannedText {
  path: string;
  language: Language;
  /** The text as read from disk, with U+FEFF first when the file has a BOM. */
  original: string;
  /** The text after the last pass, same convention. */
  text: string;
}

export interface PlannedMode {
  path: string;
  executable: boolean;
  code: string;
}

/** Something the loop could not do, to be told to the user. */
export type FixNote =
  | { kind: 'syntax'; code: string; path: string }
  | { kind: 'malformed'; code: string; path: string; problem: string }
  | { kind: 'not-converging'; codes: string[]; passes: number };

export interface FixPlan {
  texts: Map<string, PlannedText>;
  modes: Map<string, PlannedMode>;
  applied: AppliedFix[];
  notes: FixNote[];
  /** The lint of the final state (in memory: the disk is untouched so far). */
  report: LintReport;
  passes: number;
  /** Findings in the final state whose (unsafe) fix was not allowed. */
  unsafeHidden: number;
  /** The project roots of the run: writes may not leave them. */
  roots: string[];
  request: LintRequest;
  rules: RuleDefinition[];
}

interface Candidate {
  diagnostic: Diagnostic;
  fix: Fix;
}

/** A file's text with its BOM, as written to disk. */
export function rawText(file: SourceFile): string {
  return file.hasBom ? `\ufeff${file.text}` : file.text;
}

function isNoOp(fix: Fix, modes: Map<string, PlannedMode>): boolean {
  const editsChange = fix.edits.some((edit) => edit.file.text.slice(edit.start, edit.end) !== edit.text);
  return !editsChange && newModes(fix, modes).length === 0;
}

function newModes(fix: Fix, modes: Map<string, PlannedMode>): NonNullable<Fix['modes']> {
  return (fix.modes ?? []).filter((change) => modes.get(change.file.path)?.executable !== change.executable);
}

/** The fixes a pass may take, in diagnostic order, each once. */
function candidatesOf(report: LintReport, unsafe: boolean, modes: Map<string, PlannedMode>): Candidate[] {
  const seen = new Set<Fix>();
  const candidates: Candidate[] = [];
  for (const diagnostic of report.diagnostics) {
    const fix = diagnostic.fix;
    if (!fix || seen.has(fix)) continue;
    seen.add(fix);
    if (fix.applicability === 'unsafe' && !unsafe) continue;
    if (isNoOp(fix, modes)) continue;
    candidates.push({ diagnostic, fix });
  }
  return candidates;
}

/** Why a fix cannot be applied as given (a rule's bug), or null. */
function malformed(fix: Fix): { path: string; problem: string } | null {
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
  if (file.tree === null || file.tree.rootNode.hasError) return false;
  return parseText(file.language, text).rootNode.hasError;
}

interface PassSelection {
  taken: Candidate[];
  texts: Map<string, { file: SourceFile; text: string }>;
  notes: FixNote[];
}

function selectPass(candidates: Candidate[]): PassSelection {
  const notes: FixNote[] = [];
  let byFile = new Map<string, FileEdits>();
  let taken: Candidate[] = [];
  for (const candidate of candidates) {
    const problem = malformed(candidate.fix);
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

function noteKey(note: FixNote): string {
  return note.kind === 'not-converging' ? `${note.kind}|${note.codes.join(',')}` : `${note.kind}|${note.code}|${note.path}`;
}

/** The project roots the request's paths belong to, as the engine finds them. */
export function rootsOf(request: LintRequest): string[] {
  const requested = request.paths.length > 0 ? request.paths : ['.'];
  return [...new Set(requested.map((target) => findProjectRoot(path.resolve(request.cwd, target))))];
}

/** Runs the passes in memory and returns what they would change; the disk is not touched. */
export async function planFixes(request: LintRequest, options: FixOptions): Promise<FixPlan> {
  const rules = options.rules ?? (await allRules());
  const maxPasses = options.maxPasses ?? MAX_FIX_PASSES;
  const overlay = new Map<string, string>();
  const texts = new Map<string, PlannedText>();
  const modes = new Map<string, PlannedMode>();
  const applied: AppliedFix[] = [];
  const notes: FixNote[] = [];
  const noted = new Set<string>();
  const addNote = (note: FixNote) => {
    const key = noteKey(note);
    if (noted.has(key)) return;
    noted.add(key);
    notes.push(note);
  };
  let passes = 0;
  let report: LintReport;
  for (;;) {
    report = await lint({ ...request, overlay, rules });
    const selection = selectPass(candidatesOf(report, options.unsafe, modes));
    selection.notes.forEach(addNote);
    const changedTexts = [...selection.texts].filter(([, { file, text }]) => text !== file.text);
    const modeChanges = selection.taken.flatMap(({ fix }) => newModes(fix, modes));
    if (changedTexts.length === 0 && modeChanges.length === 0) break;
    if (passes >= maxPasses) {
      // Still changing after the last pass: say which rules keep at it rather than loop on.
      addNote({ kind: 'not-converging', codes: [...new Set(selection.taken.map(({ diagnostic }) => diagnostic.code))].sort(), passes });
      break;
    }
    passes++;
    for (const [key, { file, text }] of changedTexts) {
      const raw = file.hasBom ? `\ufeff${text}` : text;
      const planned = texts.get(key);
      // A file enters the overlay only when first changed, so its first SourceFile here was read from disk.
      if (planned) planned.text = raw;
      else texts.set(key, { path: key, language: file.language, original: rawText(file), text: raw });
      overlay.set(key, raw);
    }
    for (const { diagnostic, fix } of selection.taken) {
      for (const change of newModes(fix, modes)) modes.set(change.file.path, { path: change.file.path, executable: change.executable, code: diagnostic.code });
      applied.push({
        code: diagnostic.code,
        message: diagnostic.message,
        fixMessage: fix.message,
        applicability: fix.applicability,
        file: diagnostic.file.path,
        line: diagnostic.range.start.line,
        column: diagnostic.range.start.column,
        touches: [...new Set([...fix.edits.map((edit) => edit.file.path), ...(fix.modes ?? []).map((change) => change.file.path)])],
        pass: passes,
      });
    }
  }
  const unsafeHidden = options.unsafe ? 0 : report.diagnostics.filter((d) => d.fix?.applicability === 'unsafe').length;
  return { texts, modes, applied, notes, report, passes, unsafeHidden, roots: rootsOf(request), request, rules };
}

export interface WriteFailure {
  path: string;
  reason: string;
  /** True when the write was refused on purpose (symlink out of the tree, changed on disk); false for an I/O failure. */
  refused: boolean;
}

export interface CommitOutcome {
  written: string[];
  modesSet: Array<{ path: string; executable: boolean; changed: boolean; inIndex: boolean; code: string }>;
  failures: WriteFailure[];
  /** The applied fixes whose every file was written. */
  fixed: AppliedFix[];
}

export interface CommitHooks {
  /** Called after the plan is made and before anything is written (tests change a file here). */
  beforeWrite?: () => void;
}

/** Writes each changed file once, then applies mode changes. */
export function commitPlan(plan: FixPlan, hooks: CommitHooks = {}): CommitOutcome {
  hooks.beforeWrite?.();
  const outcome: CommitOutcome = { written: [], modesSet: [], failures: [], fixed: [] };
  const failed = new Set<string>();
  for (const planned of [...plan.texts.values()].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    if (planned.text === planned.original) continue;
    const result = writeFileAtomically(planned.path, Buffer.from(planned.text, 'utf8'), {
      expected: Buffer.from(planned.original, 'utf8'),
      roots: plan.roots,
    });
    if (result.ok) outcome.written.push(planned.path);
    else {
      failed.add(planned.path);
      outcome.failures.push({ path: planned.path, reason: result.reason, refused: result.refused });
    }
  }
  for (const mode of [...plan.modes.values()].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    if (failed.has(mode.path)) continue;
    const result = setExecutable(mode.path, mode.executable, plan.roots);
    if (result.ok) outcome.modesSet.push({ path: mode.path, executable: mode.executable, changed: result.changed, inIndex: result.inIndex, code: mode.code });
    else {
      failed.add(mode.path);
      outcome.failures.push({ path: mode.path, reason: result.reason, refused: result.refused });
    }
  }
  outcome.fixed = plan.applied.filter((fix) => fix.touches.every((file) => !failed.has(file)));
  return outcome;
}

export interface FixRun {
  plan: FixPlan;
  outcome: CommitOutcome;
  /** What remains: the final in-memory lint when every write went through, else a lint of the disk. */
  report: LintReport;
}

/** `--fix`: plan every pass, write, and lint what remains. */
export async function fixProject(request: LintRequest, options: FixOptions, hooks: CommitHooks = {}): Promise<FixRun> {
  const plan = await planFixes(request, options);
  const outcome = commitPlan(plan, hooks);
  // Mode fixes are seen only on disk, and a failed write leaves the disk as it was: lint the disk again then.
  const stale = outcome.failures.length > 0 || plan.modes.size > 0;
  // The layout rules cache git index modes for the process; the index may just have changed.
  if (plan.modes.size > 0) clearModeCache();
  const report = stale ? await lint({ ...request, rules: plan.rules }) : plan.report;
  return { plan, outcome, report };
}
