// The fix loop: lint, take the allowed fixes that do not overlap, re-lint the new texts in memory, repeat
// until nothing more applies (at most MAX_FIX_PASSES passes). Nothing touches the disk until every pass is
// done; then each changed file is written once, atomically (see write.ts). New files (SL704's scaffolds) are
// not part of the passes: they are planned once and created after the edits, never over an existing file.
import path from 'node:path';
import { allRules } from '../../rules/index.js';
import { findProjectRoot } from '../discover.js';
import { plural } from '../report/common.js';
import { lint, type LintReport, type LintRequest } from '../engine.js';
import { clearFileSystemCache } from '../model/app.js';
import { clearModeCache } from '../model/filemode.js';
import type { Fix, RuleDefinition } from '../rule.js';
import type { Language, SourceFile } from '../source.js';
import { countFindings, dropClosure, filesOf, stillReported } from './converge.js';
import { candidatesOf, newCreates, newModes, selectPass, type Candidate } from './select.js';
import { createFileExclusively, readOnlyFailure, setExecutable, writeFileAtomically } from './write.js';

export const MAX_FIX_PASSES = 10;

export interface FixOptions {
  /** Also apply fixes marked unsafe (`--unsafe-fixes`). */
  unsafe: boolean;
  /** The rules to run (default: every registered rule). */
  rules?: RuleDefinition[];
  maxPasses?: number;
  /** Files no fix may change (those an earlier round of `fixProject` could not write). */
  untouchable?: ReadonlySet<string>;
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
  /** Every file whose text or mode the fix changes, or that it creates. */
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

/** A new file to write once the passes are done. */
export interface PlannedCreate {
  path: string;
  text: string;
  executable: boolean;
  code: string;
}

/** Something the loop could not do, to be told to the user. */
export type FixNote =
  | { kind: 'syntax'; code: string; path: string }
  | { kind: 'exists'; code: string; path: string }
  | { kind: 'malformed'; code: string; path: string; problem: string }
  /** The file's fixes were all dropped and nothing is written to it: `why` ends "... after it was applied" or "... after N passes". */
  | { kind: 'not-converging'; code: string; path: string; why: string };

export interface FixPlan {
  texts: Map<string, PlannedText>;
  modes: Map<string, PlannedMode>;
  /** New files, each path once (the first fix to create it wins). */
  creates: Map<string, PlannedCreate>;
  /**
   * Files left as they are because a fix for them cannot be written, and why: read-only files, and the other
   * files of a fix that also changes one (unless other fixes change them). Such a fix is never taken, so no
   * later pass builds on a change that cannot be written (SL201 matching a URL to the port SL501 would have
   * given a read-only DB script).
   */
  unwritable: Map<string, string>;
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

/** A file's text with its BOM, as written to disk. */
export function rawText(file: SourceFile): string {
  return file.hasBom ? `\ufeff${file.text}` : file.text;
}

function noteKey(note: FixNote): string {
  return `${note.kind}|${note.code}|${note.path}`;
}

/** The project roots the request's paths belong to, as the engine finds them. */
export function rootsOf(request: LintRequest): string[] {
  const requested = request.paths.length > 0 ? request.paths : ['.'];
  return [...new Set(requested.map((target) => findProjectRoot(path.resolve(request.cwd, target))))];
}

/** Runs the passes in memory and returns what they would change; the disk is not touched. */
export async function planFixes(request: LintRequest, options: FixOptions): Promise<FixPlan> {
  const rules = options.rules ?? request.rules ?? (await allRules());
  const maxPasses = options.maxPasses ?? MAX_FIX_PASSES;
  const overlay = new Map<string, string>();
  const texts = new Map<string, PlannedText>();
  const modes = new Map<string, PlannedMode>();
  const creates = new Map<string, PlannedCreate>();
  const roots = rootsOf(request);
  let applied: AppliedFix[] = [];
  const notes: FixNote[] = [];
  const noted = new Set<string>();
  const addNote = (note: FixNote) => {
    const key = noteKey(note);
    if (noted.has(key)) return;
    noted.add(key);
    notes.push(note);
  };
  // Files whose fixes do not converge: back to their text on disk, and no fix may touch them again.
  const dropped = new Set<string>(options.untouchable);
  const unwritable = new Map<string, string>();
  const readOnlyReasons = new Map<string, string | null>();
  const readOnlyReason = (file: string): string | null => {
    if (!readOnlyReasons.has(file)) {
      const failure = readOnlyFailure(file, roots);
      readOnlyReasons.set(file, failure && !failure.ok ? failure.reason : null);
    }
    return readOnlyReasons.get(file)!;
  };
  /** A fix that edits a read-only file is held back whole: noted for the report, never applied in memory. */
  const writable = (candidate: Candidate): boolean => {
    const edited = [...new Set(candidate.fix.edits.map((edit) => edit.file.path))];
    const locked = edited.filter((file) => readOnlyReason(file) !== null);
    if (locked.length === 0) return true;
    for (const file of locked) unwritable.set(file, readOnlyReason(file)!);
    for (const file of edited) {
      if (locked.includes(file) || unwritable.has(file)) continue;
      unwritable.set(file, `a fix that changes it also changes ${path.relative(path.dirname(file), locked[0]!).split(path.sep).join('/')}, which is read-only`);
    }
    return false;
  };
  const drop = (culprits: Candidate[], why: string) => {
    const named = new Map<string, string>();
    for (const candidate of culprits) for (const file of filesOf(candidate)) if (!named.has(file)) named.set(file, candidate.diagnostic.code);
    const closure = dropClosure(named.keys(), applied);
    for (const file of [...closure].sort()) {
      dropped.add(file);
      overlay.delete(file);
      texts.delete(file);
      modes.delete(file);
      creates.delete(file);
      const code = named.get(file) ?? applied.find((fix) => fix.touches.includes(file))?.code ?? culprits[0]!.diagnostic.code;
      addNote({ kind: 'not-converging', code, path: file, why: named.has(file) ? why : `${why}, in a fix that also changes this file` });
    }
    applied = applied.filter((fix) => !fix.touches.some((file) => closure.has(file)));
  };
  let passes = 0;
  let report: LintReport;
  let lastTaken: Candidate[] = [];
  let countsBefore = new Map<string, number>();
  let exhausted = false;
  for (;;) {
    report = await lint({ ...request, overlay, rules });
    const stuck = stillReported(lastTaken, countsBefore, report);
    lastTaken = [];
    if (stuck.length > 0) {
      drop(stuck, 'left its own finding in place after it was applied');
      continue; // lint again without the dropped files' changes
    }
    if (exhausted) break;
    const offered = candidatesOf(report, options.unsafe, modes, creates, addNote).filter((candidate) => !filesOf(candidate).some((file) => dropped.has(file)) && writable(candidate));
    const selection = selectPass(offered, roots);
    selection.notes.forEach(addNote);
    const changedTexts = [...selection.texts].filter(([, { file, text }]) => text !== file.text);
    const modeChanges = selection.taken.flatMap(({ fix }) => newModes(fix, modes));
    const creations = selection.taken.flatMap(({ fix }) => newCreates(fix, creates));
    if (changedTexts.length === 0 && modeChanges.length === 0 && creations.length === 0) break;
    if (passes >= maxPasses) {
      // Still changing after the last pass: those files are not written at all, rather than left half-way.
      drop(selection.taken, `was still changing the file after ${plural(passes, 'pass')}`);
      exhausted = true;
      continue; // one more lint, for the report of what remains
    }
    passes++;
    lastTaken = selection.taken;
    countsBefore = countFindings(report);
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
      // Created only when writing: the passes never see the new files, so a later pass finds the same fix planned already.
      for (const creation of newCreates(fix, creates)) creates.set(creation.path, { ...creation, code: diagnostic.code });
      applied.push({
        code: diagnostic.code,
        message: diagnostic.message,
        fixMessage: fix.message,
        applicability: fix.applicability,
        file: diagnostic.file.path,
        line: diagnostic.range.start.line,
        column: diagnostic.range.start.column,
        touches: [...new Set([...fix.edits.map((edit) => edit.file.path), ...(fix.modes ?? []).map((change) => change.file.path), ...(fix.creates ?? []).map((creation) => creation.path)])],
        pass: passes,
      });
    }
  }
  const unsafeHidden = options.unsafe ? 0 : report.diagnostics.filter((d) => d.fix?.applicability === 'unsafe').length;
  // A file other fixes change is written after all: only the files left as they are stay listed.
  for (const file of [...unwritable.keys()]) {
    const planned = texts.get(file);
    if (planned && planned.text !== planned.original) unwritable.delete(file);
  }
  return { texts, modes, creates, unwritable, applied, notes, report, passes, unsafeHidden, roots, request, rules };
}

export interface WriteFailure {
  path: string;
  reason: string;
  /** True when the write was refused on purpose (symlink out of the tree, changed on disk); false for an I/O failure. */
  refused: boolean;
  /** The file was to be created (a new file), not rewritten. */
  creating?: boolean;
}

export interface CommitOutcome {
  written: string[];
  /** New files written, in path order. */
  created: Array<{ path: string; executable: boolean; code: string }>;
  modesSet: Array<{ path: string; executable: boolean; changed: boolean; inIndex: boolean; code: string }>;
  failures: WriteFailure[];
  /** The applied fixes whose every file was written. */
  fixed: AppliedFix[];
}

export interface CommitHooks {
  /** Called after the plan is made and before anything is written (tests change a file here). */
  beforeWrite?: () => void;
}

/**
 * The files not to write, and why: read-only files, and every file a fix changes together with one (a fix
 * spanning files is written whole or not at all). Checked before anything is written.
 */
function heldBack(plan: FixPlan): Map<string, string> {
  const held = new Map<string, string>();
  const readOnly: string[] = [];
  for (const planned of plan.texts.values()) {
    if (planned.text === planned.original) continue;
    const failure = readOnlyFailure(planned.path, plan.roots);
    if (failure && !failure.ok) {
      held.set(planned.path, failure.reason);
      readOnly.push(planned.path);
    }
  }
  for (const file of readOnly) {
    for (const other of dropClosure([file], plan.applied)) {
      if (!held.has(other)) held.set(other, `a fix that changes it also changes ${path.relative(path.dirname(other), file).split(path.sep).join('/')}, which is read-only`);
    }
  }
  return held;
}

/** Writes each changed file once, then applies mode changes, then creates the new files. */
export function commitPlan(plan: FixPlan, hooks: CommitHooks = {}): CommitOutcome {
  hooks.beforeWrite?.();
  const outcome: CommitOutcome = { written: [], created: [], modesSet: [], failures: [], fixed: [] };
  const failed = new Set<string>();
  // Fixes held back by the passes (read-only files): said once per file.
  for (const [file, reason] of [...plan.unwritable].sort(([a], [b]) => (a < b ? -1 : 1))) {
    failed.add(file);
    outcome.failures.push({ path: file, reason, refused: false });
  }
  const held = heldBack(plan);
  for (const planned of [...plan.texts.values()].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    if (planned.text === planned.original) continue;
    const refusal = held.get(planned.path);
    if (refusal) {
      failed.add(planned.path);
      outcome.failures.push({ path: planned.path, reason: refusal, refused: false });
      continue;
    }
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
    if (held.has(mode.path)) {
      failed.add(mode.path);
      outcome.failures.push({ path: mode.path, reason: held.get(mode.path)!, refused: false });
      continue;
    }
    const result = setExecutable(mode.path, mode.executable, plan.roots);
    if (result.ok) outcome.modesSet.push({ path: mode.path, executable: mode.executable, changed: result.changed, inIndex: result.inIndex, code: mode.code });
    else {
      failed.add(mode.path);
      outcome.failures.push({ path: mode.path, reason: result.reason, refused: result.refused });
    }
  }
  for (const creation of [...plan.creates.values()].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    if (held.has(creation.path)) {
      failed.add(creation.path);
      outcome.failures.push({ path: creation.path, reason: held.get(creation.path)!, refused: false, creating: true });
      continue;
    }
    const result = createFileExclusively(creation.path, Buffer.from(creation.text, 'utf8'), creation.executable, plan.roots);
    if (result.ok) outcome.created.push({ path: creation.path, executable: creation.executable, code: creation.code });
    else {
      failed.add(creation.path);
      outcome.failures.push({ path: creation.path, reason: result.reason, refused: result.refused, creating: true });
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

/**
 * Rounds of plan-and-write in one `--fix`. The passes of a plan see text edits only: new files and modes
 * exist on disk once written, so a fix they make possible (SL201 matching a URL to the DB script SL704 just
 * created) is planned by a round after them. A later round runs only when the one before created a file or
 * changed a mode, and leaves alone the files an earlier round could not write (read-only, changed on disk
 * meanwhile), so each is reported once; without it, a second `--fix` would still change files.
 */
export const MAX_FIX_ROUNDS = 3;

/** `--fix`: plan every pass, write, again while the writes created files or changed modes, and lint what remains. */
export async function fixProject(request: LintRequest, options: FixOptions, hooks: CommitHooks = {}): Promise<FixRun> {
  const outcome: CommitOutcome = { written: [], created: [], modesSet: [], failures: [], fixed: [] };
  const notes: FixNote[] = [];
  const noted = new Set<string>();
  const unwritten = new Set<string>();
  let plan: FixPlan | null = null;
  let stale = false;
  for (let round = 0; round < MAX_FIX_ROUNDS; round++) {
    plan = await planFixes(request, round === 0 ? options : { ...options, untouchable: unwritten });
    for (const note of plan.notes) {
      if (noted.has(noteKey(note))) continue;
      noted.add(noteKey(note));
      notes.push(note);
    }
    const step = commitPlan(plan, round === 0 ? hooks : {});
    for (const written of step.written) if (!outcome.written.includes(written)) outcome.written.push(written);
    outcome.created.push(...step.created);
    outcome.modesSet.push(...step.modesSet);
    outcome.failures.push(...step.failures);
    for (const failure of step.failures) unwritten.add(failure.path);
    outcome.fixed.push(...step.fixed);
    // Mode fixes and new files are seen only on disk, and a failed write leaves the disk as it was.
    stale = step.failures.length > 0 || plan.modes.size > 0 || plan.creates.size > 0;
    // The layout rules cache git index modes for the process; the index may just have changed.
    if (plan.modes.size > 0 || plan.creates.size > 0) clearModeCache();
    // What exists on disk is cached too (module resolution); new files change it.
    if (plan.creates.size > 0) clearFileSystemCache();
    const diskChanged = step.created.length > 0 || step.modesSet.some((mode) => mode.changed);
    if (!diskChanged) break;
  }
  const last = plan!;
  const report = stale ? await lint({ ...request, rules: last.rules }) : last.report;
  return { plan: { ...last, notes }, outcome, report };
}
